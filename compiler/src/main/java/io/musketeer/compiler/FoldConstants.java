package io.musketeer.compiler;

import io.musketeer.core.FloatTensor;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;

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
      FloatTensor[] args = new FloatTensor[n.arity()];
      for (int k = 0; k < args.length; k++) args[k] = ((Op.Constant) r.item(n.input(k)).op).value();
      r.item(i).op = new Op.Constant(FloatInterpreter.evaluate(n.op(), args), allPublic);
      r.item(i).inputs = new int[0];
    }
    return r.build();
  }
}
