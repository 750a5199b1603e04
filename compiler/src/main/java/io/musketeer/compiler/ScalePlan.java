package io.musketeer.compiler;

import io.musketeer.ir.IrException;
import java.util.HashMap;
import java.util.Map;

/**
 * The fixed-point scale (fractional bits) chosen for each value of a float graph, by node name (names
 * survive the cleartext passes, indices do not). A node's value is held at its scale: inputs and
 * weights are encoded at it, and a product is truncated back to it. Nodes the plan does not name take
 * {@code defaultScale}; today's uniform scale is the plan that names none.
 *
 * <p>A plan can only lower precision where a truncation happens anyway (after products and where
 * additive operands meet); a value whose natural scale is below its planned one keeps the lower scale.
 */
public record ScalePlan(int defaultScale, Map<String, Integer> byNode) {
  /** Scales above this leave too little headroom in 64 bits for the product of two values. */
  public static final int MAX_SCALE = 30;

  /** A node may be held at the scale of a product (up to twice the largest default) until its truncation. */
  public static final int MAX_NODE_SCALE = 2 * MAX_SCALE;

  public ScalePlan {
    check(defaultScale, MAX_SCALE, "default");
    byNode = Map.copyOf(byNode);
    for (var e : byNode.entrySet()) check(e.getValue(), MAX_NODE_SCALE, "node '" + e.getKey() + "'");
  }

  public static ScalePlan uniform(int fracBits) {
    return new ScalePlan(fracBits, Map.of());
  }

  /** The scale of the named node's value. */
  public int scale(String node) {
    return byNode.getOrDefault(node, defaultScale);
  }

  /** This plan with one node's scale set. */
  public ScalePlan with(String node, int scale) {
    Map<String, Integer> m = new HashMap<>(byNode);
    m.put(node, scale);
    return new ScalePlan(defaultScale, m);
  }

  private static void check(int scale, int max, String what) {
    if (scale < 1 || scale > max) throw new IrException("fixed-point scale must be in 1.." + max + ", got " + scale + " (" + what + ")");
  }
}
