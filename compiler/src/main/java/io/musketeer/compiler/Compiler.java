package io.musketeer.compiler;

import io.musketeer.ir.Graph;
import io.musketeer.ir.Program;
import java.util.List;

/** A pipeline from an imported float graph to a fixed-point program: cleartext passes, then lowering. */
public final class Compiler {
  public static final int DEFAULT_SCALE = 12;

  /** The standard cleartext simplifications, in order; each keeps the float semantics. */
  public static final List<Pass> STANDARD_PASSES =
      List.of(new FoldConstants(), new FoldBatchNorm(), new FoldConstants(), new SwapReluMaxPool());

  private static final Compiler STANDARD = new Compiler(STANDARD_PASSES);

  private final List<Pass> passes;

  public Compiler(List<Pass> passes) {
    this.passes = List.copyOf(passes);
  }

  public static Compiler standard() {
    return STANDARD;
  }

  public List<Pass> passes() {
    return passes;
  }

  /** The float graph after every pass of this pipeline. */
  public Graph simplify(Graph g) {
    for (Pass p : passes) g = p.apply(g);
    return g;
  }

  /** The passes, then the lowering under the given plan (named by the simplified graph's nodes). */
  public Program compile(Graph g, ScalePlan plan) {
    return FixedPointLowering.lower(simplify(g), plan);
  }

  /** The standard passes. */
  public static Graph optimize(Graph g) {
    return STANDARD.simplify(g);
  }

  /** The passes, then the lowering at scale {@code fracBits} with truncations placed once per multiplication chain. */
  public Program compileAtScale(Graph g, int fracBits) {
    Graph simplified = simplify(g);
    return FixedPointLowering.lower(simplified, TruncationPlacement.plan(simplified, fracBits));
  }

  /** The standard passes and one scale for every value, truncations placed late. */
  public static Program compile(Graph g, int fracBits) {
    return STANDARD.compileAtScale(g, fracBits);
  }
}
