package io.musketeer.compiler;

import io.musketeer.core.FloatTensor;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import java.util.List;
import java.util.Map;

/**
 * Evaluates every node whose inputs are all constants and replaces it by a constant. The result is
 * public only if all its inputs are.
 */
public final class FoldConstants implements Pass {
  @Override
  public Graph apply(Graph g) {
    Rewrite r = new Rewrite(g);
    for (int i = 0; i < g.size(); i++) {
      Node n = g.node(i);
      if (n.arity() == 0 || n.op() instanceof Op.Softmax) continue;
      boolean allConst = true, allPublic = true;
      for (int in : n.inputs()) {
        if (!(r.item(in).op instanceof Op.Constant c)) {
          allConst = false;
          break;
        }
        allPublic &= c.isPublic();
      }
      if (!allConst) continue;
      r.item(i).op = new Op.Constant(evaluate(r, n), allPublic);
      r.item(i).inputs = new int[0];
    }
    return r.build();
  }

  private static FloatTensor evaluate(Rewrite r, Node n) {
    Graph.Builder b = new Graph.Builder();
    int[] ins = new int[n.arity()];
    for (int k = 0; k < ins.length; k++) ins[k] = b.add("c" + k, r.item(n.input(k)).op);
    int out = b.add(n.name(), n.op(), ins);
    List<FloatTensor> res = FloatInterpreter.run(b.build(out), Map.of());
    return res.get(0);
  }
}
