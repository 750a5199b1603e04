package io.musketeer.testkit;

/**
 * Plain-loop definitions of the geometric ops over NHWC tensors, written from the definitions and
 * sharing no code with the kernels (not even their output-size arithmetic), in double precision: the
 * independent reference for op-level tests of the float and ring kernels and of the secure executor.
 */
public final class Reference {
  private Reference() {}

  /** An NHWC tensor's dimensions. */
  public record Nhwc(int n, int h, int w, int c) {
    public int size() {
      return n * h * w * c;
    }

    int at(int b, int y, int x, int ch) {
      return ((b * h + y) * w + x) * c + ch;
    }
  }

  /** A 2-D window: size, strides, and padding before/after on each axis. */
  public record Window(int kh, int kw, int sh, int sw, int padTop, int padBottom, int padLeft, int padRight) {
    public int outH(int h) {
      return Math.floorDiv(h + padTop + padBottom - kh, sh) + 1;
    }

    public int outW(int w) {
      return Math.floorDiv(w + padLeft + padRight - kw, sw) + 1;
    }

    public Nhwc output(Nhwc in, int channels) {
      return new Nhwc(in.n(), outH(in.h()), outW(in.w()), channels);
    }
  }

  /** TensorFlow's SAME padding of one axis, {before, after}: the odd extra element goes after. */
  public static int[] samePadding(int in, int k, int s) {
    int out = (in + s - 1) / s;
    int total = Math.max(0, (out - 1) * s + k - in);
    return new int[] {total / 2, total - total / 2};
  }

  /** Convolution with an HWIO filter [kh, kw, c/groups, co]; padded positions read zero. */
  public static double[] conv2d(double[] x, Nhwc in, double[] f, Window win, int co, int groups) {
    Nhwc out = win.output(in, co);
    int cig = in.c() / groups, cog = co / groups;
    double[] y = new double[out.size()];
    for (int b = 0; b < in.n(); b++)
      for (int oy = 0; oy < out.h(); oy++)
        for (int ox = 0; ox < out.w(); ox++)
          for (int o = 0; o < co; o++) {
            double s = 0;
            for (int ky = 0; ky < win.kh(); ky++)
              for (int kx = 0; kx < win.kw(); kx++) {
                int iy = oy * win.sh() + ky - win.padTop(), ix = ox * win.sw() + kx - win.padLeft();
                if (iy < 0 || iy >= in.h() || ix < 0 || ix >= in.w()) continue;
                for (int ci = 0; ci < cig; ci++) {
                  s += x[in.at(b, iy, ix, (o / cog) * cig + ci)] * f[((ky * win.kw() + kx) * cig + ci) * co + o];
                }
              }
            y[out.at(b, oy, ox, o)] = s;
          }
    return y;
  }

  /** Max over each window; padded positions take no part. */
  public static double[] maxPool(double[] x, Nhwc in, Window win) {
    return pool(x, in, win, true, false);
  }

  /** Mean over each window; the divisor counts padded positions (as zeros) only if {@code countPadding}. */
  public static double[] avgPool(double[] x, Nhwc in, Window win, boolean countPadding) {
    return pool(x, in, win, false, countPadding);
  }

  private static double[] pool(double[] x, Nhwc in, Window win, boolean max, boolean countPadding) {
    Nhwc out = win.output(in, in.c());
    double[] y = new double[out.size()];
    for (int b = 0; b < in.n(); b++)
      for (int oy = 0; oy < out.h(); oy++)
        for (int ox = 0; ox < out.w(); ox++)
          for (int ch = 0; ch < in.c(); ch++) {
            double m = Double.NEGATIVE_INFINITY, s = 0;
            int inside = 0;
            for (int ky = 0; ky < win.kh(); ky++)
              for (int kx = 0; kx < win.kw(); kx++) {
                int iy = oy * win.sh() + ky - win.padTop(), ix = ox * win.sw() + kx - win.padLeft();
                if (iy < 0 || iy >= in.h() || ix < 0 || ix >= in.w()) continue;
                double v = x[in.at(b, iy, ix, ch)];
                m = Math.max(m, v);
                s += v;
                inside++;
              }
            y[out.at(b, oy, ox, ch)] = max ? m : s / (countPadding ? win.kh() * win.kw() : inside);
          }
    return y;
  }
}
