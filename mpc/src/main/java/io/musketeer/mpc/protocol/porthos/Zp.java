package io.musketeer.mpc.protocol.porthos;

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

  static final boolean VECTOR = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

  private Zp() {}

  /**
   * A buffered sampler of Z_p (or Z_p^*) values over one PRG stream; not thread-safe. It yields exactly
   * the accepted bytes of the stream in order, but accepts a whole buffer at a time without branches.
   */
  static final class Sampler {
    private static final int RAW = 8192;
    private static final java.lang.invoke.VarHandle LONGS =
        java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private final Prg prg;
    private final boolean star;
    private final byte[] value, accept;
    private final byte[] raw = new byte[RAW];
    private final byte[] vals = new byte[RAW];
    private int pos, count;

    private final boolean vector;

    Sampler(Prg prg, boolean star) {
      this(prg, star, VECTOR);
    }

    /** {@code vector = false} forces the SWAR path (tests compare both). */
    Sampler(Prg prg, boolean star, boolean vector) {
      this.vector = vector && VECTOR;
      this.prg = prg;
      this.star = star;
      this.value = star ? VALUE_STAR : VALUE;
      this.accept = star ? ACCEPT_STAR : ACCEPT;
    }

    /**
     * Accepts a buffer of raw bytes. Eight bytes at a time: when none of them is rejected (the common
     * case) they are reduced together in one long (SWAR); otherwise byte by byte.
     */
    private void refill() {
      prg.fill(raw, 0, RAW);
      if (vector) {
        count = ZpVector.accept(raw, vals, 0, star, value, accept);
        pos = 0;
        return;
      }
      int j = 0;
      for (int i = 0; i < RAW; i += 8) {
        long v = (long) LONGS.get(raw, i);
        // A byte is rejected iff it is 0xFE/0xFF (Z_p) or 0xFC..0xFF (Z_p^*), i.e. iff ~(b | low) is zero.
        long t = ~(v | (star ? 0x0303030303030303L : 0x0101010101010101L));
        if (((t - 0x0101010101010101L) & ~t & 0x8080808080808080L) == 0) {
          long r;
          if (star) { // 1 + (b mod 126) for b < 252
            long ge = ((v + 0x0202020202020202L) & 0x8080808080808080L) >>> 7;
            r = v + 0x0101010101010101L - ge * 126;
          } else { // b mod 127 for b < 254
            long ge = ((v + 0x0101010101010101L) & 0x8080808080808080L) >>> 7;
            r = v - ge * 127;
          }
          LONGS.set(vals, j, r);
          j += 8;
        } else {
          for (int k = i; k < i + 8; k++) {
            int b = raw[k] & 0xff;
            vals[j] = value[b];
            j += accept[b];
          }
        }
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
        if (pos == count && vector && len >= RAW) {
          // a whole buffer fits: accept straight into the destination, skipping the copy
          prg.fill(raw, 0, RAW);
          int n = ZpVector.accept(raw, dst, off, star, value, accept);
          off += n;
          len -= n;
          continue;
        }
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
