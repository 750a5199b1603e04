package io.musketeer.compiler;

import io.musketeer.ir.Graph;
import io.musketeer.ir.Program;

/** The standard pipeline from an imported float graph to a fixed-point program. */
public final class Compiler {
  public static final int DEFAULT_SCALE = 12;

  private Compiler() {}

  /** Cleartext simplifications that keep the float semantics. */
  public static Graph optimize(Graph g) {
    Pass pipeline = new FoldConstants().then(new FoldBatchNorm()).then(new FoldConstants()).then(new SwapReluMaxPool());
    return pipeline.apply(g);
  }

  public static Program compile(Graph g, int fracBits) {
    return FixedPointLowering.lower(optimize(g), fracBits);
  }
}
