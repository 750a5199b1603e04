package io.musketeer.ir;

import io.musketeer.core.ConvGeometry;
import io.musketeer.core.IndexMaps;
import io.musketeer.core.PoolGeometry;
import io.musketeer.core.RingOps;
import io.musketeer.core.Shape;
import java.util.Arrays;

/** The output shape of each op from its input shapes; the single place where IR shape rules live. */
public final class ShapeInference {
  private ShapeInference() {}

  public static Shape infer(Op op, Shape[] in) {
    return switch (op) {
      case Op.Input i -> { arity(op, in, 0); yield i.shape(); }
      case Op.Constant c -> { arity(op, in, 0); yield c.value().shape(); }
      case Op.MatMul m -> {
        arity(op, in, 2);
        if (in[0].rank() != 2 || in[1].rank() != 2 || in[0].dim(1) != in[1].dim(0)) {
          throw new IrException("MatMul needs [m,k] x [k,n], got " + in[0] + " x " + in[1]);
        }
        yield Shape.of(in[0].dim(0), in[1].dim(1));
      }
      case Op.Conv2D c -> {
        arity(op, in, 2);
        yield convGeometry(c, in[0], in[1]).outputShape();
      }
      case Op.Add a -> broadcast(op, in);
      case Op.Sub s -> broadcast(op, in);
      case Op.Mul m -> broadcast(op, in);
      case Op.Neg n -> { arity(op, in, 1); yield in[0]; }
      case Op.Relu r -> { arity(op, in, 1); yield in[0]; }
      case Op.MaxPool p -> { arity(op, in, 1); yield poolGeometry(p.window(), in[0]).outputShape(); }
      case Op.AvgPool p -> { arity(op, in, 1); yield poolGeometry(p.window(), in[0]).outputShape(); }
      case Op.ReduceSum r -> { arity(op, in, 1); checkAxes(op, r.axes(), in[0]); yield IndexMaps.reduceShape(in[0], r.axes(), r.keepDims()); }
      case Op.ReduceMean r -> { arity(op, in, 1); checkAxes(op, r.axes(), in[0]); yield IndexMaps.reduceShape(in[0], r.axes(), r.keepDims()); }
      case Op.Concat c -> {
        if (in.length < 1) throw new IrException("Concat needs at least one input");
        int axis = c.axis();
        if (axis < 0 || axis >= in[0].rank()) throw new IrException("Concat axis " + axis + " out of range for " + in[0]);
        int[] dims = in[0].dims();
        for (int i = 1; i < in.length; i++) {
          if (in[i].rank() != dims.length) throw new IrException("Concat inputs differ in rank: " + in[0] + " and " + in[i]);
          for (int d = 0; d < dims.length; d++) {
            if (d != axis && in[i].dim(d) != dims[d]) throw new IrException("Concat inputs " + in[0] + " and " + in[i] + " differ off axis " + axis);
          }
          dims[axis] += in[i].dim(axis);
        }
        yield new Shape(dims);
      }
      case Op.Reshape r -> {
        arity(op, in, 1);
        if (r.shape().size() != in[0].size()) throw new IrException("cannot reshape " + in[0] + " to " + r.shape());
        yield r.shape();
      }
      case Op.Pad p -> {
        arity(op, in, 1);
        if (p.before().length != in[0].rank() || p.after().length != in[0].rank()) throw new IrException("Pad amounts do not match rank of " + in[0]);
        for (int i = 0; i < p.before().length; i++) {
          if (p.before()[i] < 0 || p.after()[i] < 0) throw new IrException("negative padding is not supported");
        }
        yield IndexMaps.padShape(in[0], p.before(), p.after());
      }
      case Op.Transpose t -> {
        arity(op, in, 1);
        int[] sorted = t.perm().clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
          if (sorted[i] != i || sorted.length != in[0].rank()) throw new IrException("bad permutation " + Arrays.toString(t.perm()) + " for " + in[0]);
        }
        yield IndexMaps.transposeShape(in[0], t.perm());
      }
      case Op.Slice s -> {
        arity(op, in, 1);
        int r = in[0].rank();
        if (s.begin().length != r || s.end().length != r || s.stride().length != r) throw new IrException("Slice bounds do not match rank of " + in[0]);
        for (int i = 0; i < r; i++) {
          if (s.stride()[i] < 1 || s.begin()[i] < 0 || s.end()[i] > in[0].dim(i) || s.begin()[i] > s.end()[i]) {
            throw new IrException("Slice out of range on axis " + i + " of " + in[0]);
          }
        }
        yield IndexMaps.sliceShape(s.begin(), s.end(), s.stride());
      }
      case Op.Softmax s -> { arity(op, in, 1); yield in[0]; }
      case Op.ArgMax a -> {
        arity(op, in, 1);
        checkAxes(op, new int[] {a.axis()}, in[0]);
        yield IndexMaps.reduceShape(in[0], new int[] {a.axis()}, false);
      }
      case Op.Truncate t -> { arity(op, in, 1); yield in[0]; }
    };
  }

  public static ConvGeometry convGeometry(Op.Conv2D c, Shape x, Shape f) {
    if (x.rank() != 4 || f.rank() != 4) throw new IrException("Conv2D needs an NHWC input and an HWIO filter, got " + x + " and " + f);
    if (f.dim(2) * c.groups() != x.dim(3)) {
      throw new IrException("Conv2D filter " + f + " with " + c.groups() + " groups does not fit input channels of " + x);
    }
    try {
      return new ConvGeometry(x.dim(0), x.dim(1), x.dim(2), x.dim(3), f.dim(0), f.dim(1), f.dim(3),
          c.strideH(), c.strideW(), c.padTop(), c.padBottom(), c.padLeft(), c.padRight(), c.groups());
    } catch (IllegalArgumentException e) {
      throw new IrException("Conv2D on " + x + " with filter " + f + ": " + e.getMessage());
    }
  }

  public static PoolGeometry poolGeometry(Op.Window w, Shape x) {
    if (x.rank() != 4) throw new IrException("pooling needs an NHWC input, got " + x);
    try {
      return new PoolGeometry(x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.kh(), w.kw(), w.strideH(), w.strideW(),
          w.padTop(), w.padBottom(), w.padLeft(), w.padRight());
    } catch (IllegalArgumentException e) {
      throw new IrException("pooling on " + x + ": " + e.getMessage());
    }
  }

  /**
   * The public count each output of an AvgPool (its window, with or without the padding) or a ReduceMean
   * divides its sum by: one rule for the secure run and its emulation, which must divide alike.
   */
  public static long[] divisors(Op op, Shape in, Shape out) {
    return switch (op) {
      case Op.AvgPool p -> RingOps.poolDivisors(poolGeometry(p.window(), in), p.countPadding());
      case Op.ReduceMean r -> {
        long[] d = new long[out.size()];
        Arrays.fill(d, in.size() / Math.max(1, out.size()));
        yield d;
      }
      default -> throw new IllegalArgumentException(op.kind() + " divides nothing");
    };
  }

  private static Shape broadcast(Op op, Shape[] in) {
    arity(op, in, 2);
    try {
      return IndexMaps.broadcastShape(in[0], in[1]);
    } catch (IllegalArgumentException e) {
      throw new IrException(op.kind() + ": " + e.getMessage());
    }
  }

  private static void checkAxes(Op op, int[] axes, Shape s) {
    for (int a : axes) {
      if (a < 0 || a >= s.rank()) throw new IrException(op.kind() + " axis " + a + " out of range for " + s);
    }
  }

  private static void arity(Op op, Shape[] in, int n) {
    if (in.length != n) throw new IrException(op.kind() + " takes " + n + " inputs, got " + in.length);
  }
}
