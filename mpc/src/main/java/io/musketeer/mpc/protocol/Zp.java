package io.musketeer.mpc.protocol;

import io.musketeer.mpc.random.Prg;

/**
 * The field Z_p with p = 127 used for shares of single bits in PrivateCompare (PROTOCOLS.md §2); one
 * element is one byte on the wire. Sampling is by rejection over the bytes of a PRG stream
 * (PROTOCOLS.md §3.2): Z_p accepts a byte below 254 and reduces it mod 127; Z_p^* accepts a byte below
 * 252 and maps it to 1 + (b mod 126). Both are exactly uniform.
 */
final class Zp {
  static final int P = 127;
  private static final byte[] VALUE = new byte[256], VALUE_STAR = new byte[256];
  private static final byte[] ACCEPT = new byte[256], ACCEPT_STAR = new byte[256];

  static {
    for (int b = 0; b < 256; b++) {
      ACCEPT[b] = (byte) (b < 254 ? 1 : 0);
      VALUE[b] = (byte) (b % P);
      ACCEPT_STAR[b] = (byte) (b < 252 ? 1 : 0);
      VALUE_STAR[b] = (byte) (1 + b % (P - 1));
    }
  }

  private Zp() {}

  /**
   * A buffered sampler of Z_p (or Z_p^*) values over one PRG stream; not thread-safe. It yields exactly
   * the accepted bytes of the stream in order, but accepts a whole buffer at a time without branches.
   */
  static final class Sampler {
    private static final int RAW = 8192;
    private final Prg prg;
    private final byte[] value, accept;
    private final byte[] raw = new byte[RAW];
    private final byte[] vals = new byte[RAW];
    private int pos, count;

    Sampler(Prg prg, boolean star) {
      this.prg = prg;
      this.value = star ? VALUE_STAR : VALUE;
      this.accept = star ? ACCEPT_STAR : ACCEPT;
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

    /** Copies the next len values into dst[off ..]. */
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
}
