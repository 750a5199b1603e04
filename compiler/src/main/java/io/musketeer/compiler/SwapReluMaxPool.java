package io.musketeer.compiler;

import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;

/**
 * MaxPool(Relu(x)) -> Relu(MaxPool(x)): equal because ReLU is monotone, and the ReLU then runs on the
 * pooled tensor, k times fewer secure comparisons for a k-element stride-k window (CrypTFlow applies
 * the same swap in Athos).
 */
public final class SwapReluMaxPool implements Pass {
  @Override
  public Graph apply(Graph g) {
    Rewrite r = new Rewrite(g);
    int[] uses = r.useCounts();
    for (int i = 0; i < g.size(); i++) {
      Rewrite.Item pool = r.item(i);
      if (!(pool.op instanceof Op.MaxPool)) continue;
      int reluIdx = pool.inputs[0];
      Rewrite.Item relu = r.item(reluIdx);
      if (!(relu.op instanceof Op.Relu) || uses[reluIdx] != 1) continue;
      int pooled = r.append(pool.name + "/before_relu", pool.op, relu.inputs[0]);
      pool.op = new Op.Relu();
      pool.inputs = new int[] {pooled};
    }
    return r.build();
  }
}
