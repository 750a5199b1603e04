package io.musketeer.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The blocked float kernels against plain loops accumulating in double: every output within 1e-5 of
 * the sum of the magnitudes of its terms (float32 rounding over a few hundred terms).
 */
class FloatKernelsTest {
  /** Test pools of daemon threads, kept for the whole run. */
  private static final java.util.Map<Integer, Parallel> POOLS = new java.util.concurrent.ConcurrentHashMap<>();

  static Parallel pool(int threads) {
    return POOLS.computeIfAbsent(threads, Parallel::withThreads);
  }


  /** {sum, sum of |terms|} per output. */
  static double[][] naiveMatmul(float[] a, float[] b, int m, int k, int n) {
    double[][] c = new double[2][m * n];
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++)
        for (int p = 0; p < k; p++) {
          double t = (double) a[i * k + p] * b[p * n + j];
          c[0][i * n + j] += t;
          c[1][i * n + j] += Math.abs(t);
        }
    return c;
  }

  static double[][] naiveConv(float[] x, float[] f, ConvGeometry g) {
    int oh = g.outH(), ow = g.outW(), cig = g.c() / g.groups(), cog = g.co() / g.groups();
    double[][] y = new double[2][g.n() * oh * ow * g.co()];
    for (int b = 0; b < g.n(); b++)
      for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
          for (int o = 0; o < g.co(); o++) {
            int grp = o / cog, out = ((b * oh + oy) * ow + ox) * g.co() + o;
            for (int ky = 0; ky < g.fh(); ky++)
              for (int kx = 0; kx < g.fw(); kx++)
                for (int ci = 0; ci < cig; ci++) {
                  int iy = oy * g.strideH() - g.padTop() + ky, ix = ox * g.strideW() - g.padLeft() + kx;
                  if (iy < 0 || iy >= g.h() || ix < 0 || ix >= g.w()) continue;
                  double t = (double) x[((b * g.h() + iy) * g.w() + ix) * g.c() + grp * cig + ci]
                      * f[((ky * g.fw() + kx) * cig + ci) * g.co() + o];
                  y[0][out] += t;
                  y[1][out] += Math.abs(t);
                }
          }
    return y;
  }

  static float[] random(SplittableRandom r, int size) {
    float[] v = new float[size];
    for (int i = 0; i < size; i++) v[i] = r.nextInt(10) == 0 ? 0f : (float) (r.nextDouble() * 2 - 1);
    return v;
  }

  static void assertClose(double[][] want, float[] got, String what) {
    assertEquals(want[0].length, got.length, what + ": length");
    for (int i = 0; i < got.length; i++) {
      if (Math.abs(got[i] - want[0][i]) > 1e-5 * want[1][i] + 1e-30) {
        fail(what + ": element " + i + " is " + got[i] + ", expected " + want[0][i]);
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"1,1,1", "7,13,5", "4,9,25", "129,67,33", "1,300,70", "64,64,72", "203,131,77", "0,4,2"})
  void matmulMatchesPlainLoops(int m, int k, int n) {
    SplittableRandom r = new SplittableRandom(m * 31L + k * 7L + n);
    float[] a = random(r, m * k), b = random(r, k * n);
    double[][] want = naiveMatmul(a, b, m, k, n);
    assertClose(want, FloatKernels.matmul(a, b, m, k, n), "default threads");
    assertClose(want, FloatKernels.matmul(a, b, m, k, n, Parallel.sequential()), "one thread");
    assertClose(want, FloatKernels.matmul(a, b, m, k, n, pool(3)), "three threads");
  }

  @ParameterizedTest
  @CsvSource({
      // n, h, w, c, fh, fw, co, sh, sw, pt, pb, pl, pr, groups
      "1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1",
      "2, 9, 8, 4, 3, 3, 29, 2, 2, 0, 1, 1, 0, 1",
      "1, 11, 10, 3, 7, 7, 8, 2, 2, 3, 3, 3, 3, 1",
      "2, 7, 5, 6, 1, 1, 9, 2, 2, 0, 0, 0, 0, 1",
      "1, 6, 6, 5, 1, 1, 7, 1, 1, 0, 0, 0, 0, 1",
      "1, 6, 9, 8, 3, 2, 12, 1, 2, 2, 0, 1, 0, 4",
      "1, 8, 8, 6, 3, 3, 6, 1, 1, 1, 1, 1, 1, 6",
      "2, 7, 9, 5, 3, 3, 15, 2, 1, 0, 2, 1, 1, 5",
      "1, 29, 28, 24, 3, 3, 48, 1, 1, 1, 1, 0, 2, 1",
  })
  void conv2dMatchesPlainLoops(int n, int h, int w, int c, int fh, int fw, int co, int sh, int sw,
      int pt, int pb, int pl, int pr, int groups) {
    ConvGeometry g = new ConvGeometry(n, h, w, c, fh, fw, co, sh, sw, pt, pb, pl, pr, groups);
    SplittableRandom r = new SplittableRandom(g.hashCode());
    float[] x = random(r, g.inputShape().size()), f = random(r, g.filterShape().size());
    double[][] want = naiveConv(x, f, g);
    assertClose(want, FloatKernels.conv2d(x, f, g), "default threads");
    assertClose(want, FloatKernels.conv2d(x, f, g, Parallel.sequential()), "one thread");
    assertClose(want, FloatKernels.conv2d(x, f, g, pool(2)), "two threads");
  }

  @Test
  void poolsIgnorePadding() {
    PoolGeometry g = new PoolGeometry(1, 3, 3, 1, 2, 2, 2, 2, 0, 1, 0, 1);
    float[] x = {1, -2, 3, -4, 5, -6, 7, -8, 9};
    float[] max = FloatKernels.maxPool(x, g);
    float[] avg = FloatKernels.avgPool(x, g, false);
    assertEquals(5f, max[0]);
    assertEquals(3f, max[1]);
    assertEquals(7f, max[2]);
    assertEquals(9f, max[3]);
    assertEquals(0f, avg[0]);
    assertEquals(-1.5f, avg[1]);
    assertEquals(-0.5f, avg[2]);
    assertEquals(9f, avg[3]);
  }
}
