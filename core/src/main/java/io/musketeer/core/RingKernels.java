package io.musketeer.core;

/**
 * Kernels over Z_2^64 ({@code long} arithmetic wraps). The bilinear kernels serve cleartext fixed-point
 * evaluation and every local product of the secure protocols.
 */
public final class RingKernels {
  private RingKernels() {}

  /** c[m,n] = a[m,k] * b[k,n] mod 2^64, row-major. */
  public static long[] matmul(long[] a, long[] b, int m, int k, int n) {
    long[] c = new long[m * n];
    for (int i = 0; i < m; i++) {
      int ci = i * n;
      for (int p = 0; p < k; p++) {
        long av = a[i * k + p];
        if (av == 0) continue;
        int bp = p * n;
        for (int j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
      }
    }
    return c;
  }

  /** NHWC convolution with an HWIO filter, mod 2^64; padded positions read as 0. */
  public static long[] conv2d(long[] x, long[] f, ConvGeometry g) {
    int oh = g.outH(), ow = g.outW(), cig = g.c() / g.groups(), cog = g.co() / g.groups();
    long[] y = new long[g.n() * oh * ow * g.co()];
    for (int b = 0; b < g.n(); b++) {
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          int yBase = ((b * oh + oy) * ow + ox) * g.co();
          for (int ky = 0; ky < g.fh(); ky++) {
            int iy = oy * g.strideH() - g.padTop() + ky;
            if (iy < 0 || iy >= g.h()) continue;
            for (int kx = 0; kx < g.fw(); kx++) {
              int ix = ox * g.strideW() - g.padLeft() + kx;
              if (ix < 0 || ix >= g.w()) continue;
              int xBase = ((b * g.h() + iy) * g.w() + ix) * g.c();
              int fBase = (ky * g.fw() + kx) * cig * g.co();
              for (int grp = 0; grp < g.groups(); grp++) {
                for (int ci = 0; ci < cig; ci++) {
                  long xv = x[xBase + grp * cig + ci];
                  if (xv == 0) continue;
                  int fRow = fBase + ci * g.co() + grp * cog;
                  int yRow = yBase + grp * cog;
                  for (int o = 0; o < cog; o++) y[yRow + o] += xv * f[fRow + o];
                }
              }
            }
          }
        }
      }
    }
    return y;
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
