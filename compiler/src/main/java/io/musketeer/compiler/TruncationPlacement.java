package io.musketeer.compiler;

import io.musketeer.ir.Graph;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * Places truncations once per multiplication chain, as late as correctness allows: a product (scale 2s
 * under a uniform scale s) stays at 2s through the ops that move, add, pool or reduce values without
 * multiplying them (Add, Sub, Concat, MaxPool, AvgPool, ReduceSum, ReduceMean, Reshape, Pad, Transpose,
 * Slice, Neg), and is truncated only where it meets the next multiplication, an output, or an operand
 * that is already at s (additive operands meet at the smaller scale). A ReLU takes the 2s value and is
 * truncated right after itself, so that a protocol can fuse the pair into one comparison that truncates
 * inside (FASTRELU.md RELU_TRUNC / RELU_TRUNC_EXACT); an ArgMax takes it as it is.
 *
 * <p>Truncating later changes nothing for data movement, ReLU and MaxPool (floor division commutes with
 * them), and is more precise for additions (a bias is encoded at 2s) and averages; it truncates fewer
 * values after a MaxPool. The price is magnitude: a value held at 2s must fit the ring, so
 * {@code mayHoldWide} (from calibration ranges, say) can keep any node at s.
 *
 * <p>The result is a {@link ScalePlan} for {@link FixedPointLowering}: nodes held at 2s are planned at
 * 2s, every other at s.
 */
public final class TruncationPlacement {
  private TruncationPlacement() {}

  /**
   * Without ranges, values are assumed below 2^this in magnitude (activations of trained networks are):
   * a chain is held at 2s only where that leaves the default margin below a comparison's limit.
   */
  public static final int ASSUMED_MAGNITUDE_BITS = 8;

  /** The placement with no range information: chains run to their end unless 2s leaves too little room (s above 25). */
  public static ScalePlan plan(Graph g, int scale) {
    boolean room = 2 * scale + ASSUMED_MAGNITUDE_BITS + Headroom.DEFAULT_MARGIN <= Headroom.PAIRWISE_BITS;
    return plan(g, scale, node -> room);
  }

  /** @param mayHoldWide whether float node i's value may be held at scale 2s (and read there by its readers) */
  public static ScalePlan plan(Graph g, int scale, IntPredicate mayHoldWide) {
    int n = g.size();
    boolean[] output = new boolean[n];
    for (int o : g.outputs()) output[o] = true;
    int[][] readers = readers(g);
    boolean[] keep = new boolean[n], wide = new boolean[n];
    for (int i = 0; i < n; i++) keep[i] = isProduct(g.node(i).op()) || passesWide(g.node(i).op());
    for (boolean changed = true; changed; ) {
      changed = false;
      for (int i = 0; i < n; i++) {
        Node node = g.node(i);
        wide[i] = keep[i] && (isProduct(node.op()) || allVariableInputsWide(g, i, wide));
      }
      for (int i = 0; i < n; i++) {
        if (!wide[i] || !keep[i]) continue;
        boolean ok = !output[i] && mayHoldWide.test(i);
        for (int r : readers[i]) {
          Op op = g.node(r).op();
          if (passesWide(op)) ok &= allVariableInputsWide(g, r, wide);
          else ok &= takesWide(op);
        }
        if (!ok) {
          keep[i] = false;
          changed = true;
        }
      }
    }
    Map<String, Integer> byNode = new HashMap<>();
    for (int i = 0; i < n; i++) if (wide[i]) byNode.put(g.node(i).name(), 2 * scale);
    return new ScalePlan(scale, byNode);
  }

  private static boolean allVariableInputsWide(Graph g, int i, boolean[] wide) {
    boolean any = false;
    for (int in : g.node(i).inputs()) {
      if (g.node(in).op() instanceof Op.Constant) continue;
      if (!wide[in]) return false;
      any = true;
    }
    return any;
  }

  private static int[][] readers(Graph g) {
    int[] count = new int[g.size()];
    for (Node node : g.nodes()) for (int in : node.inputs()) count[in]++;
    int[][] readers = new int[g.size()][];
    for (int i = 0; i < g.size(); i++) readers[i] = new int[count[i]];
    int[] fill = new int[g.size()];
    for (int r = 0; r < g.size(); r++) for (int in : g.node(r).inputs()) readers[in][fill[in]++] = r;
    return readers;
  }

  static boolean isProduct(Op op) {
    return switch (op) {
      case Op.MatMul x -> true;
      case Op.Conv2D x -> true;
      case Op.Mul x -> true;
      case Op.Input x -> false;
      case Op.Constant x -> false;
      case Op.Add x -> false;
      case Op.Sub x -> false;
      case Op.Neg x -> false;
      case Op.Relu x -> false;
      case Op.MaxPool x -> false;
      case Op.AvgPool x -> false;
      case Op.ReduceSum x -> false;
      case Op.ReduceMean x -> false;
      case Op.Concat x -> false;
      case Op.Reshape x -> false;
      case Op.Pad x -> false;
      case Op.Transpose x -> false;
      case Op.Slice x -> false;
      case Op.Softmax x -> false;
      case Op.ArgMax x -> false;
      case Op.Truncate x -> false;
    };
  }

  /** Ops that take a value at 2s and give one at 2s. */
  static boolean passesWide(Op op) {
    return switch (op) {
      case Op.Add x -> true;
      case Op.Sub x -> true;
      case Op.Neg x -> true;
      case Op.MaxPool x -> true;
      case Op.AvgPool x -> true;
      case Op.ReduceSum x -> true;
      case Op.ReduceMean x -> true;
      case Op.Concat x -> true;
      case Op.Reshape x -> true;
      case Op.Pad x -> true;
      case Op.Transpose x -> true;
      case Op.Slice x -> true;
      // a multiplication needs its operands at s; the client's softmax reads an output; ReLU ends a chain (below)
      case Op.MatMul x -> false;
      case Op.Conv2D x -> false;
      case Op.Mul x -> false;
      case Op.Relu x -> false;
      case Op.ArgMax x -> false;
      case Op.Softmax x -> false;
      case Op.Input x -> false;
      case Op.Constant x -> false;
      case Op.Truncate x -> false;
    };
  }

  /** Ops that end a chain: they read a 2s value and are truncated right after (ReLU) or need none (ArgMax). */
  static boolean takesWide(Op op) {
    return op instanceof Op.Relu || op instanceof Op.ArgMax;
  }
}
