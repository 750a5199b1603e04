package io.musketeer.mpc.protocol;

import io.musketeer.mpc.random.Prg;

/**
 * The field Z_p with p = 127 used for shares of single bits in PrivateCompare (PROTOCOLS.md §2); one
 * element is one byte on the wire. Sampling follows PROTOCOLS.md §3.2: a byte, rejected when at least
 * 254, then reduced mod 127; Z_p^* also rejects 0.
 */
final class Zp {
  static final int P = 127;

  private Zp() {}

  /** A buffered sampler of Z_p values over one PRG stream; not thread-safe. */
  static final class Sampler {
    private final Prg prg;
    private final byte[] buf = new byte[4096];
    private int pos = buf.length;

    Sampler(Prg prg) {
      this.prg = prg;
    }

    int raw() {
      if (pos == buf.length) {
        prg.fill(buf, 0, buf.length);
        pos = 0;
      }
      return buf[pos++] & 0xff;
    }

    /** Uniform in [0, 127). */
    int zp() {
      while (true) {
        int b = raw();
        if (b < 254) return b >= P ? b - P : b;
      }
    }

    /** Uniform in [1, 127). */
    int zpStar() {
      while (true) {
        int b = raw();
        if (b < 254 && b != 0 && b != P) return b >= P ? b - P : b;
      }
    }
  }
}
