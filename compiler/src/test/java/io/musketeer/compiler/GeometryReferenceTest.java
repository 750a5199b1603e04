package io.musketeer.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.testkit.Reference;
import io.musketeer.testkit.Reference.Nhwc;
import io.musketeer.testkit.Reference.Window;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Pooling, convolution and BatchNorm folding at the op level, in float (the float kernels) and in
 * fixed point (the ring kernels), against {@link Reference}'s plain loops. Values are multiples of
 * 2^-8, so at scale 12 inputs and weights encode exactly and the only fixed-point error is the floor
 * of one truncation or division: below one unit, 2^-12.
 */
class GeometryReferenceTest {
  private static final int SCALE = 12;
  private static final double ULP = 1.0 / (1 << SCALE);

  /** Multiples of 2^-8 in [lo, hi). */
  static double[] grid(SplittableRandom r, int size, double lo, double hi) {
    double[] v = new double[size];
    for (int i = 0; i < size; i++) v[i] = Math.floor((lo + r.nextDouble() * (hi - lo)) * 256) / 256;
    return v;
  }

  static FloatTensor tensor(Shape s, double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < f.length; i++) f[i] = (float) v[i];
    return new FloatTensor(s, f);
  }

  static Shape shape(Nhwc t) {
    return Shape.of(t.n(), t.h(), t.w(), t.c());
  }

  /** Float within float rounding, fixed point within {@code fixedTol}, of the reference. */
  static void check(String what, Graph g, FloatTensor x, double[] want, double fixedTol) {
    float[] fl = FloatInterpreter.run(g, Map.of("x", x)).get(0).data();
    float[] fx = FixedPointInterpreter.run(Compiler.compile(g, SCALE), Map.of("x", x)).get(0).data();
    assertEquals(want.length, fl.length, what + ": output size");
    for (int i = 0; i < want.length; i++) {
      if (Math.abs(fl[i] - want[i]) > 1e-5 * Math.max(1, Math.abs(want[i]))) fail(what + " (float): element " + i + " is " + fl[i] + ", expected " + want[i]);
      if (Math.abs(fx[i] - want[i]) > fixedTol) fail(what + " (fixed point): element " + i + " is " + fx[i] + ", expected " + want[i]);
    }
  }

  @ParameterizedTest(name = "{0}x{1} window, strides {2}x{3}, pads {4},{5},{6},{7} on {8}x{9}x{10}")
  @CsvSource({
      // kh, kw, sh, sw, top, bottom, left, right, h, w, c
      "3, 3, 1, 2, 1, 1, 1, 1, 7, 8, 3",
      "2, 3, 2, 1, 0, 1, 1, 1, 7, 8, 3",
      "3, 2, 3, 2, 1, 2, 0, 1, 7, 8, 3",
      "1, 3, 1, 3, 0, 0, 2, 0, 5, 9, 1",
      "4, 4, 2, 3, 3, 0, 0, 3, 9, 7, 2",
      "2, 2, 2, 2, 0, 1, 0, 1, 5, 5, 2",
  })
  void poolingWithNonSquareStridesAndPaddedSlots(int kh, int kw, int sh, int sw, int pt, int pb, int pl, int pr, int h, int w, int c) {
    Nhwc in = new Nhwc(2, h, w, c);
    Window win = new Window(kh, kw, sh, sw, pt, pb, pl, pr);
    SplittableRandom r = new SplittableRandom(kh * 1000 + kw * 100 + sh * 10 + sw + h * w);
    Op.Window op = new Op.Window(kh, kw, sh, sw, pt, pb, pl, pr);
    // all negative: a kernel that lets a padded slot (zero) into the max fails at once
    for (double[] range : new double[][] {{-4, -0.5}, {-3, 3}}) {
      double[] x = grid(r, in.size(), range[0], range[1]);
      FloatTensor xt = tensor(shape(in), x);
      check("MaxPool " + range[0], single(in, new Op.MaxPool(op)), xt, Reference.maxPool(x, in, win), 0);
      for (boolean countPadding : new boolean[] {false, true}) {
        check("AvgPool countPadding=" + countPadding, single(in, new Op.AvgPool(op, countPadding)), xt,
            Reference.avgPool(x, in, win, countPadding), ULP);
      }
    }
  }

  private static Graph single(Nhwc in, Op op) {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", shape(in)));
    return b.build(b.add("op", op, x));
  }

  @ParameterizedTest(name = "{0}x{1} kernel, strides {2}x{3} on {4}x{5}x{6}, groups {7}")
  @CsvSource({
      // kh, kw, sh, sw, h, w, c, groups: SAME padding, odd in total on at least one axis
      "2, 2, 1, 1, 7, 6, 3, 1",
      "4, 4, 1, 1, 6, 7, 2, 1",
      "3, 3, 2, 2, 8, 10, 3, 1",
      "3, 5, 2, 1, 8, 9, 4, 4",
      "1, 2, 1, 2, 5, 7, 2, 2",
  })
  void convSamePaddingPutsTheOddRowAndColumnAfter(int kh, int kw, int sh, int sw, int h, int w, int c, int groups) {
    int[] ph = Reference.samePadding(h, kh, sh), pw = Reference.samePadding(w, kw, sw);
    if ((ph[0] + ph[1]) % 2 == 0 && (pw[0] + pw[1]) % 2 == 0) fail("case has even total padding on both axes");
    assertEquals(ph[0] + (ph[0] + ph[1]) % 2, ph[1], "the extra row goes to the bottom");
    Nhwc in = new Nhwc(2, h, w, c);
    Window win = new Window(kh, kw, sh, sw, ph[0], ph[1], pw[0], pw[1]);
    int co = 2 * groups;
    SplittableRandom r = new SplittableRandom(kh * 31 + kw * 7 + h * w + groups);
    double[] x = grid(r, in.size(), -2, 2), f = grid(r, kh * kw * (c / groups) * co, -1, 1);
    Graph.Builder b = new Graph.Builder();
    int xi = b.add("x", new Op.Input("x", shape(in)));
    int fi = b.add("f", new Op.Constant(tensor(Shape.of(kh, kw, c / groups, co), f), false));
    int conv = b.add("conv", new Op.Conv2D(sh, sw, ph[0], ph[1], pw[0], pw[1], groups), xi, fi);
    Graph g = b.build(conv);
    assertArrayEquals(new int[] {2, win.outH(h), win.outW(w), co}, g.node(conv).shape().dims());
    assertEquals((h + sh - 1) / sh, win.outH(h), "SAME keeps ceil(h / stride) rows");
    check("Conv2D SAME", g, tensor(shape(in), x), Reference.conv2d(x, in, f, win, co, groups), ULP);
  }

  /**
   * Conv2D (or MatMul), optionally + bias, times a constant of the given shape: folded into the filter
   * only when the constant is per output channel; otherwise kept, with the result unchanged.
   */
  @ParameterizedTest(name = "multiplier {0}, bias {1}")
  @CsvSource({
      "'5,4,3', false", "'1,4,1', false", "'5,1,1', true", "'1,1,1,3', false", "'3', true", "'', false", "'1,5,4,3', true",
  })
  void batchNormFoldingOfConstantsThatAreNotPerChannel(String dims, boolean bias) {
    Nhwc in = new Nhwc(1, 5, 4, 2);
    Window win = new Window(3, 3, 1, 1, 1, 1, 1, 1); // output 5x4x3
    int co = 3;
    SplittableRandom r = new SplittableRandom(dims.hashCode() + (bias ? 1 : 0));
    double[] x = grid(r, in.size(), -2, 2), f = grid(r, 3 * 3 * 2 * co, -1, 1), bv = grid(r, co, -1, 1);
    Shape cs = dims.isEmpty() ? Shape.of() : Shape.of(java.util.Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray());
    double[] cv = grid(r, cs.size(), -2, 2);
    Graph.Builder b = new Graph.Builder();
    int xi = b.add("x", new Op.Input("x", shape(in)));
    int fi = b.add("f", new Op.Constant(tensor(Shape.of(3, 3, 2, co), f), false));
    int y = b.add("conv", new Op.Conv2D(1, 1, 1, 1, 1, 1, 1), xi, fi);
    if (bias) y = b.add("bias", new Op.Add(), y, b.add("b", new Op.Constant(tensor(Shape.of(co), bv), false)));
    int out = b.add("bn", new Op.Mul(), y, b.add("c", new Op.Constant(tensor(cs, cv), false)));
    Graph g = b.build(out);

    double[] conv = Reference.conv2d(x, in, f, win, co, 1);
    Shape outShape = g.node(out).shape();
    double[] want = new double[outShape.size()];
    int[] od = outShape.dims();
    int[] cd = cs.dims();
    // explicit broadcasting of [5,4,3] (after the batch axis) against the constant, from the right
    for (int i = 0; i < want.length; i++) {
      int[] idx = new int[od.length];
      for (int k = od.length - 1, rest = i; k >= 0; k--) {
        idx[k] = rest % od[k];
        rest /= od[k];
      }
      int yy = idx[od.length - 3], xx = idx[od.length - 2], o = idx[od.length - 1];
      int ci = 0;
      for (int k = 0; k < cd.length; k++) ci = ci * cd[k] + (cd[k] == 1 ? 0 : idx[od.length - cd.length + k]);
      want[i] = (conv[(yy * 4 + xx) * co + o] + (bias ? bv[o] : 0)) * cv[ci];
    }
    Graph opt = Compiler.optimize(g);
    boolean perChannel = cs.size() == 1 || (cs.size() == co && cs.dim(-1) == co && cs.rank() <= 4);
    long muls = opt.nodes().stream().filter(n -> n.op() instanceof Op.Mul).count();
    assertEquals(perChannel ? 0 : 1, muls, "a multiplier of shape " + cs + " is folded only if per channel");
    assertArrayEquals(outShape.dims(), opt.node(opt.outputs()[0]).shape().dims(), "folding keeps the output shape");
    FloatTensor xt = tensor(shape(in), x);
    float[] optimized = FloatInterpreter.run(opt, Map.of("x", xt)).get(0).data();
    for (int i = 0; i < want.length; i++) {
      if (Math.abs(optimized[i] - want[i]) > 1e-5 * Math.max(1, Math.abs(want[i]))) fail("optimized element " + i + " is " + optimized[i] + ", expected " + want[i]);
    }
    // products of values at 2^-8 with up to 18 terms, then one more product: a few units at scale 12
    check("Conv2D * " + cs, g, xt, want, 8 * ULP);
  }

  /** A per-channel multiplier of higher rank than the product broadcasts it up: folding would drop an axis. */
  @org.junit.jupiter.api.Test
  void matMulTimesAHigherRankMultiplierKeepsItsShape() {
    SplittableRandom r = new SplittableRandom(3);
    double[] x = grid(r, 2 * 8, -2, 2), w = grid(r, 8 * 6, -1, 1), c = grid(r, 6, -2, 2);
    Graph.Builder b = new Graph.Builder();
    int xi = b.add("x", new Op.Input("x", Shape.of(2, 8)));
    int mm = b.add("mm", new Op.MatMul(), xi, b.add("w", new Op.Constant(tensor(Shape.of(8, 6), w), false)));
    int out = b.add("bn", new Op.Mul(), mm, b.add("c", new Op.Constant(tensor(Shape.of(1, 1, 6), c), false)));
    Graph g = b.build(out);
    double[] want = new double[12];
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 6; j++) {
        double s = 0;
        for (int k = 0; k < 8; k++) s += x[i * 8 + k] * w[k * 6 + j];
        want[i * 6 + j] = s * c[j];
      }
    Graph opt = Compiler.optimize(g);
    assertArrayEquals(new int[] {1, 2, 6}, opt.node(opt.outputs()[0]).shape().dims());
    check("MatMul * [1,1,6]", g, tensor(Shape.of(2, 8), x), want, 8 * ULP);
  }
}
