package io.musketeer.core;

/**
 * The geometry of a 2-D convolution in NHWC with an HWIO filter of shape [fh, fw, c/groups, co].
 * Shared by the float and ring kernels and by the secure convolution protocol.
 */
public record ConvGeometry(
    int n, int h, int w, int c,
    int fh, int fw, int co,
    int strideH, int strideW,
    int padTop, int padBottom, int padLeft, int padRight,
    int groups) {

  public ConvGeometry {
    if (groups < 1 || c % groups != 0 || co % groups != 0) {
      throw new IllegalArgumentException("channels " + c + " -> " + co + " are not divisible by groups " + groups);
    }
    if (strideH < 1 || strideW < 1) throw new IllegalArgumentException("strides must be positive");
    // a compact constructor sees the parameters, not yet the fields: outH()/outW() would read zeros here
    if (fh < 1 || fw < 1 || h + padTop + padBottom < fh || w + padLeft + padRight < fw) {
      throw new IllegalArgumentException("convolution output would be empty");
    }
  }

  public int outH() {
    return (h + padTop + padBottom - fh) / strideH + 1;
  }

  public int outW() {
    return (w + padLeft + padRight - fw) / strideW + 1;
  }

  public Shape inputShape() {
    return Shape.of(n, h, w, c);
  }

  public Shape filterShape() {
    return Shape.of(fh, fw, c / groups, co);
  }

  public Shape outputShape() {
    return Shape.of(n, outH(), outW(), co);
  }

  /** Multiply-accumulates of one evaluation. */
  public long macs() {
    return (long) n * outH() * outW() * co * fh * fw * (c / groups);
  }
}
