package io.musketeer.mpc.protocol.porthos;

import io.musketeer.mpc.protocol.Dealer;
import io.musketeer.mpc.random.Prg;

/**
 * Arithmetic in the odd ring Z_{L-1} = {0, ..., 2^64 - 2} mod 2^64 - 1 (PROTOCOLS.md §2), used only
 * inside ShareConvert and ComputeMSB. Inputs may be any 64-bit pattern (2^64 - 1 reads as 0); outputs
 * are always reduced.
 */
final class OddRing {
  static final long TOP = -1L; // 2^64 - 1, which is 0 in this ring

  /** The odd ring for {@link Dealer}'s dealing of single values. */
  static final Dealer.Ring RING = new Dealer.Ring() {
    @Override
    public void fill(Prg prg, long[] dst, int off, int len) {
      OddRing.fill(prg, dst, off, len);
    }

    @Override
    public long sub(long a, long b) {
      return OddRing.sub(a, b);
    }
  };

  private OddRing() {}

  static long add(long a, long b) {
    long s = a + b;
    if (Long.compareUnsigned(s, a) < 0) s += 1;
    return s == TOP ? 0 : s;
  }

  static long neg(long b) {
    return (b == 0 || b == TOP) ? 0 : TOP - b;
  }

  static long sub(long a, long b) {
    return add(a, neg(b));
  }

  /** Uniform in Z_{L-1}: 64 bits, rejecting 2^64 - 1. */
  static long sample(Prg prg) {
    while (true) {
      long v = prg.nextLong();
      if (v != TOP) return v;
    }
  }

  static void fill(Prg prg, long[] dst, int off, int len) {
    prg.fill(dst, off, len);
    for (int i = off; i < off + len; i++) {
      while (dst[i] == TOP) dst[i] = prg.nextLong();
    }
  }
}
