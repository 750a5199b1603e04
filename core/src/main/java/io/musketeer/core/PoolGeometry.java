package io.musketeer.core;

/** The geometry of a 2-D pooling window over an NHWC tensor. */
public record PoolGeometry(
    int n, int h, int w, int c,
    int kh, int kw,
    int strideH, int strideW,
    int padTop, int padBottom, int padLeft, int padRight) {

  public PoolGeometry {
    if (kh < 1 || kw < 1 || strideH < 1 || strideW < 1) throw new IllegalArgumentException("bad pooling window");
    // a compact constructor sees the parameters, not yet the fields: outH()/outW() would read zeros here
    if (h + padTop + padBottom < kh || w + padLeft + padRight < kw) {
      throw new IllegalArgumentException("pooling output would be empty");
    }
  }

  public int outH() {
    return (h + padTop + padBottom - kh) / strideH + 1;
  }

  public int outW() {
    return (w + padLeft + padRight - kw) / strideW + 1;
  }

  public Shape outputShape() {
    return Shape.of(n, outH(), outW(), c);
  }

  /** Number of window positions inside the image for output (oy, ox): the divisor of TensorFlow's AvgPool. */
  public int validCount(int oy, int ox) {
    int y0 = oy * strideH - padTop, x0 = ox * strideW - padLeft;
    int ys = Math.max(0, y0), ye = Math.min(h, y0 + kh);
    int xs = Math.max(0, x0), xe = Math.min(w, x0 + kw);
    return Math.max(0, ye - ys) * Math.max(0, xe - xs);
  }
}
