package io.musketeer.compiler;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;

/**
 * Folds per-channel affine maps (inference BatchNorm, imported as Mul + Add) into the weights of the
 * preceding Conv2D or MatMul, in the clear and at no cost: the server owns both. Rewrites, to a fixed
 * point: Sub(x, c) -> Add(x, -c); Mul(Add(p, b), c) -> Add(Mul(p, c), b*c) for a product p;
 * Mul(p, c) -> p with filter scaled per output channel; Add(Add(x, b1), b2) -> Add(x, b1 + b2).
 * A rewrite applies only where the intermediate value has no other reader.
 */
public final class FoldBatchNorm implements Pass {
  @Override
  public Graph apply(Graph g) {
    Rewrite r = new Rewrite(g);
    boolean changed = true;
    for (int round = 0; changed && round < 8; round++) {
      changed = false;
      int[] uses = r.useCounts();
      for (int i = 0; i < r.items.size(); i++) {
        changed |= rewrite(r, i, uses);
        if (changed) uses = r.useCounts();
      }
    }
    return r.build();
  }

  private static boolean rewrite(Rewrite r, int i, int[] uses) {
    Rewrite.Item it = r.item(i);
    if (it.op instanceof Op.Sub && constant(r, it.inputs[1]) != null && constant(r, it.inputs[0]) == null) {
      Op.Constant c = constant(r, it.inputs[1]);
      int neg = r.append(r.item(it.inputs[1]).name + "/neg", new Op.Constant(FloatInterpreter.evaluate(new Op.Neg(), c.value()), c.isPublic()));
      it.op = new Op.Add();
      it.inputs = new int[] {it.inputs[0], neg};
      return true;
    }
    if (!(it.op instanceof Op.Mul || it.op instanceof Op.Add)) return false;
    int ci = constant(r, it.inputs[1]) != null ? 1 : constant(r, it.inputs[0]) != null ? 0 : -1;
    if (ci < 0) return false;
    int xi = it.inputs[1 - ci];
    Op.Constant c = constant(r, it.inputs[ci]);
    if (c == null || constant(r, xi) != null || uses[xi] != 1) return false;
    Rewrite.Item x = r.item(xi);
    if (it.op instanceof Op.Mul) {
      if (isProduct(x) && constant(r, x.inputs[1]) != null && perLastAxis(c.value(), lastDim(r, x), x.op instanceof Op.Conv2D ? 4 : 2)) {
        Op.Constant w = constant(r, x.inputs[1]);
        int scaled = r.append(r.item(x.inputs[1]).name + "/folded", new Op.Constant(scaleLastAxis(w.value(), c.value()), false));
        it.op = x.op;
        it.inputs = new int[] {x.inputs[0], scaled};
        return true;
      }
      if (x.op instanceof Op.Add && constant(r, x.inputs[1]) != null && isProduct(r.item(x.inputs[0]))) {
        Op.Constant b = constant(r, x.inputs[1]);
        int mul = r.append(it.name + "/scaled", new Op.Mul(), x.inputs[0], it.inputs[ci]);
        int bc = r.append(it.name + "/bias", new Op.Constant(FloatInterpreter.evaluate(new Op.Mul(), b.value(), c.value()), b.isPublic() && c.isPublic()));
        it.op = new Op.Add();
        it.inputs = new int[] {mul, bc};
        return true;
      }
      return false;
    }
    if (x.op instanceof Op.Add && constant(r, x.inputs[1]) != null && constant(r, x.inputs[0]) == null) {
      Op.Constant b = constant(r, x.inputs[1]);
      int sum = r.append(it.name + "/bias", new Op.Constant(FloatInterpreter.evaluate(new Op.Add(), b.value(), c.value()), b.isPublic() && c.isPublic()));
      it.inputs = new int[] {x.inputs[0], sum};
      return true;
    }
    return false;
  }

  private static boolean isProduct(Rewrite.Item x) {
    return x.op instanceof Op.Conv2D || x.op instanceof Op.MatMul;
  }

  private static Op.Constant constant(Rewrite r, int i) {
    return r.item(i).op instanceof Op.Constant c ? c : null;
  }

  private static int lastDim(Rewrite r, Rewrite.Item product) {
    Op.Constant w = constant(r, product.inputs[1]);
    return w.value().shape().dim(-1);
  }

  /**
   * Whether c varies only along the last axis of a product with {@code channels} output channels and
   * broadcasts into it without changing its shape (a [1,1,1,C] constant on a [N,C] matmul would).
   */
  private static boolean perLastAxis(FloatTensor c, int channels, int productRank) {
    Shape s = c.shape();
    if (s.rank() > productRank) return false;
    if (s.size() == 1) return true;
    if (s.rank() == 0 || s.dim(-1) != channels) return false;
    return s.size() == channels;
  }

  private static FloatTensor scaleLastAxis(FloatTensor w, FloatTensor c) {
    float[] src = w.data(), out = new float[src.length];
    int ch = w.shape().dim(-1);
    float[] cv = c.data();
    for (int k = 0; k < src.length; k++) out[k] = src[k] * (cv.length == 1 ? cv[0] : cv[k % ch]);
    return new FloatTensor(w.shape(), out);
  }
}
