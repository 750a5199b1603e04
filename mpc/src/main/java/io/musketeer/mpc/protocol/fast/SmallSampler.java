package io.musketeer.mpc.protocol.fast;

import io.musketeer.mpc.random.Prg;

/**
 * Exactly uniform values in Z_q (or in Z_q \ {0}) for a small modulus q, by rejection over the bytes
 * of a PRG stream (FASTRELU.md §7, "Randomness"): a byte b is accepted iff b &lt; ⌊256/q⌋·q (and, for
 * the non-zero variant, b mod q ≠ 0), and yields b mod q. Both holders of a stream accept the same
 * bytes, so they stay in step. Not thread-safe.
 */
final class SmallSampler {
  private static final int RAW = 4096;
  private final Prg prg;
  private final byte[] value = new byte[256];
  private final byte[] accept = new byte[256];
  private final byte[] raw = new byte[RAW];
  private final byte[] vals = new byte[RAW];
  private int pos, count;

  SmallSampler(Prg prg, int q, boolean nonZero) {
    if (q < 2 || q > 128) throw new IllegalArgumentException("modulus must be in 2..128");
    this.prg = prg;
    int limit = 256 - 256 % q;
    for (int b = 0; b < 256; b++) {
      value[b] = (byte) (b % q);
      accept[b] = (byte) (b < limit && !(nonZero && b % q == 0) ? 1 : 0);
    }
  }

  private void refill() {
    prg.fill(raw, 0, RAW);
    int j = 0;
    for (int i = 0; i < RAW; i++) {
      int b = raw[i] & 0xff;
      vals[j] = value[b];
      j += accept[b];
    }
    count = j;
    pos = 0;
  }

  int next() {
    if (pos == count) refill();
    return vals[pos++];
  }

  /** The next len values into dst[off ..]. */
  void take(byte[] dst, int off, int len) {
    while (len > 0) {
      if (pos == count) refill();
      int n = Math.min(len, count - pos);
      System.arraycopy(vals, pos, dst, off, n);
      pos += n;
      off += n;
      len -= n;
    }
  }
}
