package io.musketeer.mpc.protocol.fast;

/**
 * Reduction mod a small prime p by one multiplication (Barrett): with M = ⌈2^32/p⌉,
 * ⌊x·M / 2^32⌋ = ⌊x/p⌋ for 0 ≤ x &lt; 2^24 and p &lt; 256, because the error x·(M − 2^32/p)/2^32 is
 * below 2^−8 &lt; 1/p. Avoids an integer division per zero-test position.
 */
final class ZpMod {
  static final int LIMIT = 1 << 24;
  final int p;
  private final long m;

  ZpMod(int p) {
    if (p < 2 || p > 255) throw new IllegalArgumentException("p out of range");
    this.p = p;
    this.m = ((1L << 32) + p - 1) / p;
  }

  /** x mod p for 0 ≤ x &lt; 2^24. */
  int mod(int x) {
    return x - (int) ((x * m) >>> 32) * p;
  }
}
