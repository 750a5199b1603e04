package io.musketeer.mpc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.testkit.Reference;
import io.musketeer.testkit.Reference.Nhwc;
import io.musketeer.testkit.Reference.Window;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The secure executor on single geometric ops against {@link Reference}'s plain loops, not against the
 * kernels it runs: pooling with non-square strides and padded slots, a SAME convolution with odd total
 * padding. Values are multiples of 2^-8 (exact at scale 12): max-pool is exact; a truncation or a
 * division is off by its floor and by local share truncation, two units at most.
 */
class SecureGeometryTest {
  private static final int SCALE = 12;
  private static final double ULP = 1.0 / (1 << SCALE);

  private static double[] grid(SplittableRandom r, int size, double lo, double hi) {
    double[] v = new double[size];
    for (int i = 0; i < size; i++) v[i] = Math.floor((lo + r.nextDouble() * (hi - lo)) * 256) / 256;
    return v;
  }

  private static FloatTensor tensor(Shape s, double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < f.length; i++) f[i] = (float) v[i];
    return new FloatTensor(s, f);
  }

  private static void secure(String what, Graph g, FloatTensor x, double[] want, double tol) {
    float[] got = InProcessRun.run(Compiler.compile(g, SCALE), "porthos", Map.of("x", x)).outputs().get(0).data();
    assertEquals(want.length, got.length, what + ": output size");
    for (int i = 0; i < want.length; i++) {
      if (Math.abs(got[i] - want[i]) > tol) fail(what + ": element " + i + " is " + got[i] + ", expected " + want[i]);
    }
  }

  @Test
  void poolingWithNonSquareStridesAndPaddedSlots() {
    Nhwc in = new Nhwc(2, 7, 8, 3);
    Shape s = Shape.of(2, 7, 8, 3);
    SplittableRandom r = new SplittableRandom(41);
    int[][] windows = {{3, 2, 3, 2, 1, 2, 0, 1}, {2, 3, 1, 2, 1, 0, 2, 1}};
    for (int[] w : windows) {
      Window ref = new Window(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]);
      Op.Window op = new Op.Window(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]);
      double[] negative = grid(r, in.size(), -4, -0.5), mixed = grid(r, in.size(), -3, 3);
      secure("MaxPool of negatives " + ref, single(s, new Op.MaxPool(op)), tensor(s, negative), Reference.maxPool(negative, in, ref), 0);
      secure("MaxPool " + ref, single(s, new Op.MaxPool(op)), tensor(s, mixed), Reference.maxPool(mixed, in, ref), 0);
      secure("AvgPool " + ref, single(s, new Op.AvgPool(op, false)), tensor(s, mixed), Reference.avgPool(mixed, in, ref, false), 2 * ULP);
      secure("AvgPool counting padding " + ref, single(s, new Op.AvgPool(op, true)), tensor(s, mixed),
          Reference.avgPool(mixed, in, ref, true), 2 * ULP);
    }
  }

  @Test
  void convSameWithOddTotalPadding() {
    Nhwc in = new Nhwc(1, 8, 10, 3);
    int[] ph = Reference.samePadding(8, 3, 2), pw = Reference.samePadding(10, 4, 2); // {0,1} and {1,2}
    Window win = new Window(3, 4, 2, 2, ph[0], ph[1], pw[0], pw[1]);
    SplittableRandom r = new SplittableRandom(43);
    double[] x = grid(r, in.size(), -2, 2), f = grid(r, 3 * 4 * 3 * 5, -1, 1);
    Graph.Builder b = new Graph.Builder();
    int xi = b.add("x", new Op.Input("x", Shape.of(1, 8, 10, 3)));
    int fi = b.add("f", new Op.Constant(tensor(Shape.of(3, 4, 3, 5), f), false));
    Graph g = b.build(b.add("conv", new Op.Conv2D(2, 2, ph[0], ph[1], pw[0], pw[1], 1), xi, fi));
    secure("Conv2D SAME 3x4 stride 2", g, tensor(Shape.of(1, 8, 10, 3), x), Reference.conv2d(x, in, f, win, 5, 1), 2 * ULP);
  }

  private static Graph single(Shape s, Op op) {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", s));
    return b.build(b.add("op", op, x));
  }
}
