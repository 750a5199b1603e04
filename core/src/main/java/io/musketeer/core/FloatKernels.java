package io.musketeer.core;

/** Float32 reference kernels (NHWC, HWIO filters). Accumulation in float, as TensorFlow does. */
public final class FloatKernels {
  private FloatKernels() {}

  /** c[m,n] = a[m,k] * b[k,n], row-major. */
  public static float[] matmul(float[] a, float[] b, int m, int k, int n) {
    float[] c = new float[m * n];
    for (int i = 0; i < m; i++) {
      int ci = i * n;
      for (int p = 0; p < k; p++) {
        float av = a[i * k + p];
        if (av == 0f) continue;
        int bp = p * n;
        for (int j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
      }
    }
    return c;
  }

  public static float[] conv2d(float[] x, float[] f, ConvGeometry g) {
    int oh = g.outH(), ow = g.outW(), cig = g.c() / g.groups(), cog = g.co() / g.groups();
    float[] y = new float[g.n() * oh * ow * g.co()];
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
                  float xv = x[xBase + grp * cig + ci];
                  if (xv == 0f) continue;
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

  /** Max pooling; padded positions are ignored (TensorFlow semantics). */
  public static float[] maxPool(float[] x, PoolGeometry g) {
    int oh = g.outH(), ow = g.outW();
    float[] y = new float[g.n() * oh * ow * g.c()];
    for (int b = 0; b < g.n(); b++)
      for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
          for (int ch = 0; ch < g.c(); ch++) {
            float m = Float.NEGATIVE_INFINITY;
            for (int ky = 0; ky < g.kh(); ky++) {
              int iy = oy * g.strideH() - g.padTop() + ky;
              if (iy < 0 || iy >= g.h()) continue;
              for (int kx = 0; kx < g.kw(); kx++) {
                int ix = ox * g.strideW() - g.padLeft() + kx;
                if (ix < 0 || ix >= g.w()) continue;
                m = Math.max(m, x[((b * g.h() + iy) * g.w() + ix) * g.c() + ch]);
              }
            }
            y[((b * oh + oy) * ow + ox) * g.c() + ch] = m;
          }
    return y;
  }

  /** Average pooling; the divisor counts only positions inside the image unless {@code countPadding}. */
  public static float[] avgPool(float[] x, PoolGeometry g, boolean countPadding) {
    int oh = g.outH(), ow = g.outW();
    float[] y = new float[g.n() * oh * ow * g.c()];
    for (int b = 0; b < g.n(); b++)
      for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++) {
          int d = countPadding ? g.kh() * g.kw() : g.validCount(oy, ox);
          for (int ch = 0; ch < g.c(); ch++) {
            float s = 0;
            for (int ky = 0; ky < g.kh(); ky++) {
              int iy = oy * g.strideH() - g.padTop() + ky;
              if (iy < 0 || iy >= g.h()) continue;
              for (int kx = 0; kx < g.kw(); kx++) {
                int ix = ox * g.strideW() - g.padLeft() + kx;
                if (ix < 0 || ix >= g.w()) continue;
                s += x[((b * g.h() + iy) * g.w() + ix) * g.c() + ch];
              }
            }
            y[((b * oh + oy) * ow + ox) * g.c() + ch] = s / d;
          }
        }
    return y;
  }
}
