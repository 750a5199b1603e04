package io.musketeer.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The blocked, vectorised, multi-threaded ring kernels against plain loops written here. */
class RingKernelsTest {
  /** Test pools of daemon threads, kept for the whole run. */
  private static final java.util.Map<Integer, Parallel> POOLS = new java.util.concurrent.ConcurrentHashMap<>();

  static Parallel pool(int threads) {
    return POOLS.computeIfAbsent(threads, Parallel::withThreads);
  }


  static long[] naiveMatmul(long[] a, long[] b, int m, int k, int n) {
    long[] c = new long[m * n];
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) {
        long s = 0;
        for (int p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
        c[i * n + j] = s;
      }
    return c;
  }

  static long[] naiveConv(long[] x, long[] f, ConvGeometry g) {
    int oh = g.outH(), ow = g.outW(), cig = g.c() / g.groups(), cog = g.co() / g.groups();
    long[] y = new long[g.n() * oh * ow * g.co()];
    for (int b = 0; b < g.n(); b++)
      for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
          for (int o = 0; o < g.co(); o++) {
            int grp = o / cog;
            long s = 0;
            for (int ky = 0; ky < g.fh(); ky++)
              for (int kx = 0; kx < g.fw(); kx++)
                for (int ci = 0; ci < cig; ci++) {
                  int iy = oy * g.strideH() - g.padTop() + ky, ix = ox * g.strideW() - g.padLeft() + kx;
                  if (iy < 0 || iy >= g.h() || ix < 0 || ix >= g.w()) continue;
                  s += x[((b * g.h() + iy) * g.w() + ix) * g.c() + grp * cig + ci]
                      * f[((ky * g.fw() + kx) * cig + ci) * g.co() + o];
                }
            y[((b * oh + oy) * ow + ox) * g.co() + o] = s;
          }
    return y;
  }

  /** Random longs with a sprinkling of the values that stress wrapping. */
  static long[] random(SplittableRandom r, int size) {
    long[] special = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 32, -(1L << 32) + 1};
    long[] v = new long[size];
    for (int i = 0; i < size; i++) v[i] = r.nextInt(8) == 0 ? special[r.nextInt(special.length)] : r.nextLong();
    return v;
  }

  @ParameterizedTest
  @CsvSource({"1,1,1", "1,7,1", "7,13,5", "3,5,24", "4,9,25", "17,1,49", "129,67,33", "16,16,16", "1,300,70",
      "2,257,48", "64,64,72", "130,33,200", "0,5,3", "3,0,4", "3,4,0",
      // widths one short of a panel for 128-, 256- and 512-bit vectors (panels of 6, 12 or 24 columns)
      "2,3,11", "5,7,23", "3,9,47"})
  void matmulMatchesPlainLoops(int m, int k, int n) {
    SplittableRandom r = new SplittableRandom(m * 1_000_003L + k * 1009L + n);
    long[] a = random(r, m * k), b = random(r, k * n);
    long[] want = naiveMatmul(a, b, m, k, n);
    assertArrayEquals(want, RingKernels.matmul(a, b, m, k, n), "default threads");
    assertArrayEquals(want, RingKernels.matmul(a, b, m, k, n, Parallel.sequential()), "one thread");
    assertArrayEquals(want, RingKernels.matmul(a, b, m, k, n, pool(3)), "three threads");
  }

  @Test
  void largeMatmulSplitsAcrossThreadsAndStaysExact() {
    int m = 203, k = 131, n = 77; // above the parallel threshold, ragged in every dimension
    SplittableRandom r = new SplittableRandom(7);
    long[] a = random(r, m * k), b = random(r, k * n);
    long[] want = naiveMatmul(a, b, m, k, n);
    assertArrayEquals(want, RingKernels.matmul(a, b, m, k, n, pool(2)));
    assertArrayEquals(want, RingKernels.matmul(a, b, m, k, n, pool(8)));
    assertArrayEquals(want, RingKernels.matmul(a, b, m, k, n, Parallel.sequential()));
  }

  @Test
  void wrapsModTwoToThe64() {
    long[] a = {Long.MIN_VALUE, -1, 3, Long.MAX_VALUE};
    long[] b = {-1, Long.MIN_VALUE, 2, 2};
    // rows: [MIN, -1] and [3, MAX]; columns [-1, 2] and [MIN, 2]
    long[] want = {Long.MIN_VALUE * -1 + -1 * 2, Long.MIN_VALUE * Long.MIN_VALUE + -1 * 2,
        3 * -1 + Long.MAX_VALUE * 2, 3 * Long.MIN_VALUE + Long.MAX_VALUE * 2};
    assertArrayEquals(want, RingKernels.matmul(a, b, 2, 2, 2));
  }

  @ParameterizedTest
  @CsvSource({
      // n, h, w, c, fh, fw, co, sh, sw, pt, pb, pl, pr, groups
      "1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1",
      "1, 5, 7, 3, 3, 3, 5, 1, 1, 1, 1, 1, 1, 1",
      "2, 9, 8, 4, 3, 3, 29, 2, 2, 0, 1, 1, 0, 1",
      "1, 11, 10, 3, 7, 7, 8, 2, 2, 3, 3, 3, 3, 1",
      "1, 6, 6, 5, 1, 1, 7, 1, 1, 0, 0, 0, 0, 1",
      "2, 7, 5, 6, 1, 1, 9, 2, 2, 0, 0, 0, 0, 1",
      "1, 6, 9, 8, 3, 2, 12, 1, 2, 2, 0, 1, 0, 4",
      "1, 8, 8, 6, 3, 3, 6, 1, 1, 1, 1, 1, 1, 6",
      "2, 7, 9, 5, 3, 3, 15, 2, 1, 0, 2, 1, 1, 5",
      "1, 9, 7, 4, 5, 3, 4, 2, 2, 2, 1, 0, 2, 4",
      "1, 4, 4, 6, 2, 2, 4, 1, 1, 0, 0, 0, 0, 2",
      "1, 3, 3, 2, 5, 5, 3, 1, 1, 2, 2, 2, 2, 1",
      "1, 1, 1, 64, 1, 1, 1000, 1, 1, 0, 0, 0, 0, 1",
      // 1x1 convolutions read in place only when unstrided and unpadded: each case breaks one condition
      "1, 5, 6, 3, 2, 1, 4, 1, 1, 0, 0, 0, 0, 1",
      "1, 5, 6, 3, 1, 2, 4, 1, 1, 0, 0, 0, 0, 1",
      "1, 5, 6, 3, 1, 1, 4, 2, 1, 0, 0, 0, 0, 1",
      "1, 5, 6, 3, 1, 1, 4, 1, 2, 0, 0, 0, 0, 1",
      "1, 5, 6, 3, 1, 1, 4, 1, 1, 1, 0, 0, 0, 1",
      "1, 5, 6, 3, 1, 1, 4, 1, 1, 0, 1, 0, 0, 1",
      "1, 5, 6, 3, 1, 1, 4, 1, 1, 0, 0, 1, 0, 1",
      "1, 5, 6, 3, 1, 1, 4, 1, 1, 0, 0, 0, 1, 1",
      // a grouped 1x1 convolution read in place (each group its own channels)
      "2, 5, 4, 6, 1, 1, 9, 1, 1, 0, 0, 0, 0, 3",
  })
  void conv2dMatchesPlainLoops(int n, int h, int w, int c, int fh, int fw, int co, int sh, int sw,
      int pt, int pb, int pl, int pr, int groups) {
    ConvGeometry g = new ConvGeometry(n, h, w, c, fh, fw, co, sh, sw, pt, pb, pl, pr, groups);
    SplittableRandom r = new SplittableRandom(g.hashCode());
    long[] x = random(r, g.inputShape().size()), f = random(r, g.filterShape().size());
    long[] want = naiveConv(x, f, g);
    assertArrayEquals(want, RingKernels.conv2d(x, f, g), "default threads");
    assertArrayEquals(want, RingKernels.conv2d(x, f, g, Parallel.sequential()), "one thread");
    assertArrayEquals(want, RingKernels.conv2d(x, f, g, pool(3)), "three threads");
  }

  @Test
  void largeConvUsesSeveralIm2colBlocksAndThreads() {
    // 28x28 outputs over K = 3*3*24 = 216 columns: several im2col blocks, above the parallel threshold;
    // also a grouped and a depthwise conv of the same input
    SplittableRandom r = new SplittableRandom(11);
    for (int groups : new int[] {1, 3, 24}) {
      ConvGeometry g = new ConvGeometry(1, 29, 28, 24, 3, 3, 48, 1, 1, 1, 1, 0, 2, groups);
      long[] x = random(r, g.inputShape().size()), f = random(r, g.filterShape().size());
      long[] want = naiveConv(x, f, g);
      assertArrayEquals(want, RingKernels.conv2d(x, f, g, pool(2)), "groups " + groups);
      assertArrayEquals(want, RingKernels.conv2d(x, f, g, Parallel.sequential()), "groups " + groups);
    }
  }

  @Test
  void largeConvWithLeftAndTopPaddingReusesItsIm2colBuffersCleanly() {
    // 30x30 outputs, K = 5*5*8 = 200 columns: several im2col blocks per task, so a block's buffer holds
    // the previous block's rows where this block's padded columns are; and a parallel depthwise
    // convolution (one and two outputs per channel), above the threshold that keeps small ones on one thread
    SplittableRandom r = new SplittableRandom(13);
    ConvGeometry padded = new ConvGeometry(1, 30, 30, 8, 5, 5, 24, 1, 1, 2, 2, 2, 2, 1);
    ConvGeometry depthwise = new ConvGeometry(3, 40, 40, 32, 3, 3, 32, 1, 1, 1, 1, 1, 1, 32);
    ConvGeometry multiplier = new ConvGeometry(2, 40, 40, 32, 3, 3, 64, 1, 1, 1, 1, 1, 1, 32);
    for (ConvGeometry g : new ConvGeometry[] {padded, depthwise, multiplier}) {
      assertTrue(g.macs() >= Parallel.MIN_PARALLEL_WORK, g.toString());
      long[] x = random(r, g.inputShape().size()), f = random(r, g.filterShape().size());
      long[] want = naiveConv(x, f, g);
      assertArrayEquals(want, RingKernels.conv2d(x, f, g, pool(2)), g.toString());
      assertArrayEquals(want, RingKernels.conv2d(x, f, g, pool(3)), g.toString());
      assertArrayEquals(want, RingKernels.conv2d(x, f, g, Parallel.sequential()), g.toString());
    }
  }

  @Test
  void matmulRefusesMissingElementsAndNegativeSizes() {
    long[] six = new long[6];
    assertThrows(IllegalArgumentException.class, () -> RingKernels.matmul(new long[5], six, 2, 3, 2));
    assertThrows(IllegalArgumentException.class, () -> RingKernels.matmul(six, new long[5], 2, 3, 2));
    assertThrows(IllegalArgumentException.class, () -> RingKernels.matmul(six, six, -2, 3, 2));
    assertThrows(IllegalArgumentException.class, () -> RingKernels.conv2d(new long[8], new long[4], new ConvGeometry(1, 3, 3, 1, 2, 2, 1, 1, 1, 0, 0, 0, 0, 1)));
    assertThrows(IllegalArgumentException.class, () -> RingKernels.conv2d(new long[9], new long[3], new ConvGeometry(1, 3, 3, 1, 2, 2, 1, 1, 1, 0, 0, 0, 0, 1)));
  }

  /**
   * Pooling windows against a walk over each window's coordinates, on geometries with padding on every
   * side, stride 1 and non-square windows: window slots inside the image hold their element, padded
   * slots the window's first element inside the image (what makes a max ignore padding).
   */
  @ParameterizedTest
  @CsvSource({
      // n, h, w, c, kh, kw, sh, sw, pt, pb, pl, pr
      "2, 7, 6, 3, 3, 2, 2, 2, 1, 1, 0, 1",
      "1, 5, 6, 2, 3, 3, 1, 1, 1, 1, 1, 1",
      "1, 6, 5, 2, 2, 3, 2, 1, 0, 1, 2, 0",
      "2, 4, 4, 1, 2, 2, 2, 2, 0, 0, 0, 0",
      "1, 3, 7, 4, 3, 1, 1, 3, 2, 0, 0, 0",
  })
  void poolingWindowsAndSumsMatchAWalkOverCoordinates(int n, int h, int w, int c, int kh, int kw, int sh, int sw,
      int pt, int pb, int pl, int pr) {
    PoolGeometry g = new PoolGeometry(n, h, w, c, kh, kw, sh, sw, pt, pb, pl, pr);
    long[] x = random(new SplittableRandom(g.hashCode()), n * h * w * c);
    int oh = g.outH(), ow = g.outW(), count = n * oh * ow * c;
    long[] windows = RingKernels.gatherWindows(x, g), sums = RingKernels.windowSum(x, g);
    assertEquals(kh * kw * count, windows.length);
    assertEquals(count, sums.length);
    for (int b = 0; b < n; b++)
      for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
          for (int ch = 0; ch < c; ch++) {
            int out = ((b * oh + oy) * ow + ox) * c + ch;
            int y0 = oy * sh - pt, x0 = ox * sw - pl;
            long first = x[((b * h + Math.max(0, y0)) * w + Math.max(0, x0)) * c + ch], s = 0;
            for (int ky = 0; ky < kh; ky++)
              for (int kx = 0; kx < kw; kx++) {
                int iy = y0 + ky, ix = x0 + kx;
                boolean inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                long v = inside ? x[((b * h + iy) * w + ix) * c + ch] : first;
                if (inside) s += v;
                assertEquals(v, windows[(ky * kw + kx) * count + out], "slot " + ky + "," + kx + " of output " + out);
              }
            assertEquals(s, sums[out], "sum of output " + out);
          }
  }

  @Test
  void poolingKernelsMatchPlainLoops() {
    PoolGeometry g = new PoolGeometry(2, 7, 6, 3, 3, 2, 2, 2, 1, 1, 0, 1);
    SplittableRandom r = new SplittableRandom(5);
    long[] x = random(r, 2 * 7 * 6 * 3);
    int oh = g.outH(), ow = g.outW(), count = 2 * oh * ow * 3;
    long[] windows = RingKernels.gatherWindows(x, g);
    long[] sums = RingKernels.windowSum(x, g);
    for (int b = 0; b < 2; b++)
      for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
          for (int ch = 0; ch < 3; ch++) {
            int out = ((b * oh + oy) * ow + ox) * 3 + ch;
            long s = 0;
            for (int ky = 0; ky < 3; ky++)
              for (int kx = 0; kx < 2; kx++) {
                int iy = oy * 2 - 1 + ky, ix = ox * 2 - 0 + kx;
                boolean inside = iy >= 0 && iy < 7 && ix >= 0 && ix < 6;
                if (inside) {
                  long v = x[((b * 7 + iy) * 6 + ix) * 3 + ch];
                  s += v;
                  org.junit.jupiter.api.Assertions.assertEquals(v, windows[(ky * 2 + kx) * count + out]);
                }
              }
            org.junit.jupiter.api.Assertions.assertEquals(s, sums[out]);
          }
  }
}
