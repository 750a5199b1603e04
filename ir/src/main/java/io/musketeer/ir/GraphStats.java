package io.musketeer.ir;

import io.musketeer.core.ConvGeometry;

/** Cost figures of a graph: parameters, multiply-accumulates, comparisons (ReLU and max elements). */
public final class GraphStats {
  private GraphStats() {}

  /** Multiply-accumulates of one node (secure products: matmul, conv and elementwise multiplies). */
  public static long macs(Graph g, int i) {
    Node n = g.node(i);
    return switch (n.op()) {
      case Op.MatMul m -> (long) g.node(n.input(0)).shape().dim(0) * g.node(n.input(0)).shape().dim(1) * n.shape().dim(1);
      case Op.Conv2D c -> {
        ConvGeometry geo = ShapeInference.convGeometry(c, g.node(n.input(0)).shape(), g.node(n.input(1)).shape());
        yield geo.macs();
      }
      case Op.Mul m -> n.shape().size();
      case Op.Input x -> 0;
      case Op.Constant x -> 0;
      case Op.Add x -> 0;
      case Op.Sub x -> 0;
      case Op.Neg x -> 0;
      case Op.Relu x -> 0;
      case Op.MaxPool x -> 0;
      case Op.AvgPool x -> 0;
      case Op.ReduceSum x -> 0;
      case Op.ReduceMean x -> 0;
      case Op.Concat x -> 0;
      case Op.Reshape x -> 0;
      case Op.Pad x -> 0;
      case Op.Transpose x -> 0;
      case Op.Slice x -> 0;
      case Op.Softmax x -> 0;
      case Op.ArgMax x -> 0;
      case Op.Truncate x -> 0;
    };
  }

  /** Whether some comparison of the program reads a value it has no bound on (so that it runs at k = 63). */
  public static boolean hasUnboundedComparison(Program p) {
    Graph g = p.graph();
    for (int i = 0; i < g.size(); i++) if (comparisons(g, i) > 0 && p.bound(i) == Program.UNBOUNDED) return true;
    return false;
  }

  /** Secure comparisons a node needs: one per ReLU element, k-1 per k-window max, len-1 per argmax row. */
  public static long comparisons(Graph g, int i) {
    Node n = g.node(i);
    return switch (n.op()) {
      case Op.Relu r -> n.shape().size();
      case Op.MaxPool p -> (long) n.shape().size() * (p.window().kh() * p.window().kw() - 1);
      case Op.ArgMax a -> (long) n.shape().size() * (g.node(n.input(0)).shape().dim(a.axis()) - 1);
      // linear, local or in the clear (a final Softmax runs at the client on its opened output)
      case Op.Input x -> 0;
      case Op.Constant x -> 0;
      case Op.MatMul x -> 0;
      case Op.Conv2D x -> 0;
      case Op.Add x -> 0;
      case Op.Sub x -> 0;
      case Op.Mul x -> 0;
      case Op.Neg x -> 0;
      case Op.AvgPool x -> 0;
      case Op.ReduceSum x -> 0;
      case Op.ReduceMean x -> 0;
      case Op.Concat x -> 0;
      case Op.Reshape x -> 0;
      case Op.Pad x -> 0;
      case Op.Transpose x -> 0;
      case Op.Slice x -> 0;
      case Op.Softmax x -> 0;
      case Op.Truncate x -> 0;
    };
  }

  public static long parameters(Graph g) {
    long p = 0;
    for (Node n : g.nodes()) if (n.op() instanceof Op.Constant c) p += c.value().size();
    return p;
  }

  public static long totalMacs(Graph g) {
    long s = 0;
    for (int i = 0; i < g.size(); i++) s += macs(g, i);
    return s;
  }

  public static long totalComparisons(Graph g) {
    long s = 0;
    for (int i = 0; i < g.size(); i++) s += comparisons(g, i);
    return s;
  }
}
