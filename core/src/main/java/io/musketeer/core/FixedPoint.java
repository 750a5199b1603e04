package io.musketeer.core;

/**
 * Fixed-point codec between reals and Z_2^64: x is held as round(x * 2^scale) in two's complement.
 * Decoding reads the ring element as a signed 64-bit integer.
 */
public final class FixedPoint {
  private FixedPoint() {}

  public static long encode(double x, int scale) {
    if (!Double.isFinite(x)) throw new IllegalArgumentException("cannot encode a non-finite value");
    double scaled = Math.rint(x * Math.scalb(1.0, scale));
    if (Math.abs(scaled) >= 0x1p63) throw new IllegalArgumentException("value out of the 64-bit fixed-point range at scale " + scale);
    return (long) scaled;
  }

  public static double decode(long v, int scale) {
    return Math.scalb((double) v, -scale);
  }

  public static RingTensor encode(FloatTensor t, int scale) {
    float[] src = t.data();
    long[] out = new long[src.length];
    double m = Math.scalb(1.0, scale);
    for (int i = 0; i < src.length; i++) {
      double scaled = Math.rint(src[i] * m);
      if (!(Math.abs(scaled) < 0x1p63)) {
        throw new IllegalArgumentException("tensor holds a value that is not finite or out of the fixed-point range at scale " + scale);
      }
      out[i] = (long) scaled;
    }
    return new RingTensor(t.shape(), out);
  }

  public static FloatTensor decode(RingTensor t, int scale) {
    long[] src = t.data();
    float[] out = new float[src.length];
    for (int i = 0; i < src.length; i++) out[i] = (float) Math.scalb((double) src[i], -scale);
    return new FloatTensor(t.shape(), out);
  }

  /** Cleartext truncation by {@code bits}: arithmetic shift, i.e. floor division by 2^bits. */
  public static long truncate(long v, int bits) {
    return v >> bits;
  }
}
