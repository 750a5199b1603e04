package io.musketeer.core;

import java.util.Arrays;

/**
 * Kernels over Z_2^64 ({@code long} arithmetic wraps). The bilinear kernels serve cleartext fixed-point
 * evaluation and every local product of the secure protocols.
 */
public final class RingKernels {
  private RingKernels() {}

  /** c[m,n] = a[m,k] * b[k,n] mod 2^64, row-major; multi-threaded when the product is large. */
  public static long[] matmul(long[] a, long[] b, int m, int k, int n) {
    return matmul(a, b, m, k, n, Parallel.shared());
  }

  /**
   * As {@link #matmul(long[], long[], int, int, int)} on {@code pool} ({@link Parallel#sequential()} forces the
   * calling thread only; products under about 10^6 multiply-accumulates always stay on it).
   */
  public static long[] matmul(long[] a, long[] b, int m, int k, int n, Parallel pool) {
    if (m < 0 || k < 0 || n < 0 || a.length < (long) m * k || b.length < (long) k * n) {
      throw new IllegalArgumentException("matmul shapes: a[" + a.length + "] b[" + b.length + "] for "
          + m + "x" + k + " * " + k + "x" + n);
    }
    long[] c = new long[m * n];
    Parallel t = pool.forWork((long) m * k * n);
    RingGemm.Panels bp = RingGemm.panels(b, 0, n, k, n, m >= 16);
    RingGemm.gemm(a, 0, k, bp, c, 0, n, m, t);
    return c;
  }

  /** NHWC convolution with an HWIO filter, mod 2^64; padded positions read as 0. Multi-threaded when large. */
  public static long[] conv2d(long[] x, long[] f, ConvGeometry g) {
    return conv2d(x, f, g, Parallel.shared());
  }

  /**
   * As {@link #conv2d(long[], long[], ConvGeometry)} on {@code pool}. Each group is
   * a matrix product: im2col rows built block by block (so memory stays bounded whatever the image
   * size) times the filter as a [fh*fw*c/groups, co/groups] matrix; a 1x1, stride-1, unpadded conv
   * reads the input in place. Depthwise convolutions (one input channel per group) run directly.
   */
  public static long[] conv2d(long[] x, long[] f, ConvGeometry g, Parallel pool) {
    if (x.length < g.inputShape().size() || f.length < g.filterShape().size()) {
      throw new IllegalArgumentException("conv2d: input[" + x.length + "] filter[" + f.length + "] do not fit " + g);
    }
    long[] y = new long[g.outputShape().size()];
    Parallel t = pool.forWork(g.macs());
    int cig = g.c() / g.groups();
    if (cig == 1 && g.groups() > 1) {
      depthwise(x, f, g, y, t);
    } else {
      for (int grp = 0; grp < g.groups(); grp++) convGroup(x, f, g, grp, y, t);
    }
    return y;
  }

  /** Rows of the im2col matrix built at a time: about 64 K longs (512 KiB), a multiple of 4. */
  static int im2colRows(int kdim, int rows) {
    int mb = Math.max(16, Math.min(256, (1 << 16) / Math.max(1, kdim))) & ~3;
    return Math.min(mb, rows);
  }

  private static void convGroup(long[] x, long[] f, ConvGeometry g, int grp, long[] y, Parallel pool) {
    int cig = g.c() / g.groups(), cog = g.co() / g.groups();
    int rows = g.n() * g.outH() * g.outW(), kdim = g.fh() * g.fw() * cig;
    RingGemm.Panels bp = RingGemm.panels(f, grp * cog, g.co(), kdim, cog, rows >= 16);
    boolean direct = g.fh() == 1 && g.fw() == 1 && g.strideH() == 1 && g.strideW() == 1
        && g.padTop() == 0 && g.padBottom() == 0 && g.padLeft() == 0 && g.padRight() == 0;
    if (direct) {
      RingGemm.gemm(x, grp * cig, g.c(), bp, y, grp * cog, g.co(), rows, pool);
      return;
    }
    int mb = im2colRows(kdim, rows);
    int blocks = (rows + mb - 1) / mb;
    int tasks = pool.threads() <= 1 ? 1 : Math.min(blocks, 4 * pool.threads());
    int perTask = (blocks + tasks - 1) / tasks;
    pool.forEach((blocks + perTask - 1) / perTask, task -> {
      long[] buf = new long[mb * kdim];
      for (int blk = task * perTask; blk < Math.min(blocks, (task + 1) * perTask); blk++) {
        int r0 = blk * mb, r1 = Math.min(rows, r0 + mb);
        im2col(x, g, grp, r0, r1, buf);
        RingGemm.gemm(buf, 0, kdim, bp, y, r0 * g.co() + grp * cog, g.co(), r1 - r0, Parallel.sequential());
      }
    });
  }

  /** Row r - r0 of buf = the receptive field of output position r (group grp's channels), zeros where padded. */
  static void im2col(long[] x, ConvGeometry g, int grp, int r0, int r1, long[] buf) {
    int oh = g.outH(), ow = g.outW(), c = g.c(), cig = c / g.groups(), fw = g.fw();
    int kdim = g.fh() * fw * cig, rowLen = fw * cig;
    for (int r = r0; r < r1; r++) {
      int b = r / (oh * ow), rem = r - b * oh * ow, oy = rem / ow, ox = rem - oy * ow;
      int dst = (r - r0) * kdim;
      int x0 = ox * g.strideW() - g.padLeft();
      int kx0 = Math.max(0, -x0), kx1 = Math.min(fw, g.w() - x0);
      for (int ky = 0; ky < g.fh(); ky++, dst += rowLen) {
        int iy = oy * g.strideH() - g.padTop() + ky;
        if (iy < 0 || iy >= g.h() || kx0 >= kx1) {
          Arrays.fill(buf, dst, dst + rowLen, 0L);
          continue;
        }
        if (kx0 > 0) Arrays.fill(buf, dst, dst + kx0 * cig, 0L);
        int src = ((b * g.h() + iy) * g.w() + x0 + kx0) * c + grp * cig;
        if (cig == c) {
          System.arraycopy(x, src, buf, dst + kx0 * cig, (kx1 - kx0) * cig);
        } else {
          for (int kx = kx0; kx < kx1; kx++, src += c) System.arraycopy(x, src, buf, dst + kx * cig, cig);
        }
        if (kx1 < fw) Arrays.fill(buf, dst + kx1 * cig, dst + rowLen, 0L);
      }
    }
  }

  /** One input channel per group: y[., j] += x[., j / cog] * f[ky, kx, 0, j], rows of output in parallel. */
  private static void depthwise(long[] x, long[] f, ConvGeometry g, long[] y, Parallel pool) {
    int oh = g.outH(), ow = g.outW(), c = g.c(), co = g.co(), cog = co / g.groups();
    int lines = g.n() * oh;
    int tasks = pool.threads() <= 1 ? 1 : Math.min(lines, 4 * pool.threads());
    int per = (lines + tasks - 1) / tasks;
    pool.forEach((lines + per - 1) / per, task -> {
      for (int line = task * per; line < Math.min(lines, (task + 1) * per); line++) {
        int b = line / oh, oy = line - b * oh;
        for (int ox = 0; ox < ow; ox++) {
          int yBase = (line * ow + ox) * co;
          for (int ky = 0; ky < g.fh(); ky++) {
            int iy = oy * g.strideH() - g.padTop() + ky;
            if (iy < 0 || iy >= g.h()) continue;
            for (int kx = 0; kx < g.fw(); kx++) {
              int ix = ox * g.strideW() - g.padLeft() + kx;
              if (ix < 0 || ix >= g.w()) continue;
              int xBase = ((b * g.h() + iy) * g.w() + ix) * c, fBase = (ky * g.fw() + kx) * co;
              if (cog == 1) {
                for (int j = 0; j < co; j++) y[yBase + j] += x[xBase + j] * f[fBase + j];
              } else {
                for (int ch = 0; ch < c; ch++) {
                  long xv = x[xBase + ch];
                  int o0 = ch * cog;
                  for (int o = 0; o < cog; o++) y[yBase + o0 + o] += xv * f[fBase + o0 + o];
                }
              }
            }
          }
        }
      }
    });
  }

  /**
   * Gathers pooling windows: out[w * count + i] is the i-th window element of output position i, for
   * window slot w in 0..kh*kw-1 (slot-major, so a tournament can pair whole slot vectors). A padded
   * position takes a copy of the window's first valid element, which gives TensorFlow's max-pool
   * semantics (padding ignored) to any max over the window.
   */
  public static long[] gatherWindows(long[] x, PoolGeometry g) {
    int oh = g.outH(), ow = g.outW();
    int count = g.n() * oh * ow * g.c();
    int slots = g.kh() * g.kw();
    long[] out = new long[slots * count];
    for (int b = 0; b < g.n(); b++)
      for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++) {
          int y0 = oy * g.strideH() - g.padTop(), x0 = ox * g.strideW() - g.padLeft();
          int fy = Math.max(0, y0), fx = Math.max(0, x0);
          int outBase = ((b * oh + oy) * ow + ox) * g.c();
          for (int ky = 0; ky < g.kh(); ky++)
            for (int kx = 0; kx < g.kw(); kx++) {
              int iy = y0 + ky, ix = x0 + kx;
              boolean inside = iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w();
              int srcBase = ((b * g.h() + (inside ? iy : fy)) * g.w() + (inside ? ix : fx)) * g.c();
              int dst = (ky * g.kw() + kx) * count + outBase;
              System.arraycopy(x, srcBase, out, dst, g.c());
            }
        }
    return out;
  }

  /** Sum over each pooling window, padded positions contributing 0. */
  public static long[] windowSum(long[] x, PoolGeometry g) {
    int oh = g.outH(), ow = g.outW();
    long[] y = new long[g.n() * oh * ow * g.c()];
    for (int b = 0; b < g.n(); b++)
      for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++) {
          int yBase = ((b * oh + oy) * ow + ox) * g.c();
          for (int ky = 0; ky < g.kh(); ky++) {
            int iy = oy * g.strideH() - g.padTop() + ky;
            if (iy < 0 || iy >= g.h()) continue;
            for (int kx = 0; kx < g.kw(); kx++) {
              int ix = ox * g.strideW() - g.padLeft() + kx;
              if (ix < 0 || ix >= g.w()) continue;
              int xBase = ((b * g.h() + iy) * g.w() + ix) * g.c();
              for (int ch = 0; ch < g.c(); ch++) y[yBase + ch] += x[xBase + ch];
            }
          }
        }
    return y;
  }
}
