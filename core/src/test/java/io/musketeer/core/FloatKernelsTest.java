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
  @CsvSource({"1,1,1", "7,13,5", "4,9,25", "129,67,33", "1,300,70", "64,64,72", "203,131,77", "0,4,2", "3,0,4", "3,4,0", "2,3,11", "5,7,23", "3,9,47"})
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
      // as RingKernelsTest: 1x1 convolutions that must not be read in place, a grouped one that must,
      // left and top padding across im2col blocks, parallel depthwise convolutions
      "1, 9, 7, 4, 5, 3, 4, 2, 2, 2, 1, 0, 2, 4",
      "1, 5, 6, 3, 2, 1, 4, 1, 1, 0, 0, 0, 0, 1",
      "1, 5, 6, 3, 1, 2, 4, 1, 1, 0, 0, 0, 0, 1",
      "1, 5, 6, 3, 1, 1, 4, 2, 1, 0, 0, 0, 0, 1",
      "1, 5, 6, 3, 1, 1, 4, 1, 2, 0, 0, 0, 0, 1",
      "1, 5, 6, 3, 1, 1, 4, 1, 1, 1, 0, 0, 0, 1",
      "1, 5, 6, 3, 1, 1, 4, 1, 1, 0, 1, 0, 0, 1",
      "1, 5, 6, 3, 1, 1, 4, 1, 1, 0, 0, 1, 0, 1",
      "1, 5, 6, 3, 1, 1, 4, 1, 1, 0, 0, 0, 1, 1",
      "2, 5, 4, 6, 1, 1, 9, 1, 1, 0, 0, 0, 0, 3",
      "1, 30, 30, 8, 5, 5, 24, 1, 1, 2, 2, 2, 2, 1",
      "3, 40, 40, 32, 3, 3, 32, 1, 1, 1, 1, 1, 1, 32",
      "2, 40, 40, 32, 3, 3, 64, 1, 1, 1, 1, 1, 1, 32",
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

  /** Max and average pooling against a walk over each window's coordinates, padding on every side. */
  @ParameterizedTest
  @CsvSource({
      // n, h, w, c, kh, kw, sh, sw, pt, pb, pl, pr
      "2, 7, 6, 3, 3, 2, 2, 2, 1, 1, 0, 1",
      "1, 5, 6, 2, 3, 3, 1, 1, 1, 1, 1, 1",
      "1, 6, 5, 2, 2, 3, 2, 1, 0, 1, 2, 0",
      "1, 3, 7, 4, 3, 1, 1, 3, 2, 0, 0, 0",
  })
  void poolsMatchAWalkOverCoordinates(int n, int h, int w, int c, int kh, int kw, int sh, int sw, int pt, int pb, int pl, int pr) {
    PoolGeometry g = new PoolGeometry(n, h, w, c, kh, kw, sh, sw, pt, pb, pl, pr);
    float[] x = random(new SplittableRandom(g.hashCode()), n * h * w * c);
    float[] max = FloatKernels.maxPool(x, g), avg = FloatKernels.avgPool(x, g, false), avgPad = FloatKernels.avgPool(x, g, true);
    int oh = g.outH(), ow = g.outW();
    for (int b = 0; b < n; b++)
      for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
          for (int ch = 0; ch < c; ch++) {
            int out = ((b * oh + oy) * ow + ox) * c + ch, count = 0;
            double m = Double.NEGATIVE_INFINITY, s = 0;
            for (int ky = 0; ky < kh; ky++)
              for (int kx = 0; kx < kw; kx++) {
                int iy = oy * sh - pt + ky, ix = ox * sw - pl + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                float v = x[((b * h + iy) * w + ix) * c + ch];
                m = Math.max(m, v);
                s += v;
                count++;
              }
            assertEquals((float) m, max[out], "max of output " + out);
            assertEquals(s / count, avg[out], 1e-6, "mean of output " + out);
            assertEquals(s / (kh * kw), avgPad[out], 1e-6, "mean counting padding of output " + out);
          }
  }

  @Test
  void matmulRefusesMissingElements() {
    float[] six = new float[6];
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> FloatKernels.matmul(new float[5], six, 2, 3, 2));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> FloatKernels.matmul(six, new float[5], 2, 3, 2));
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
