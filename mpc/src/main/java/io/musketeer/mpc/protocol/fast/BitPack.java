package io.musketeer.mpc.protocol.fast;

/**
 * Fields of 1..64 bits packed into a long[] message, least significant bits first: a λ-bit Z_p element
 * costs λ bits on the wire, as FASTRELU.md §9 counts. A writer or reader covers one region of the
 * message (a chunk's part), so regions can be filled in parallel.
 */
final class BitPack {
  private BitPack() {}

  /** Longs needed for count fields of the given width. */
  static int longs(long count, int bits) {
    return (int) ((count * bits + 63) >>> 6);
  }

  static final class Writer {
    private final long[] buf;
    private int pos;
    private long acc;
    private int used;

    Writer(long[] buf, int longOffset) {
      this.buf = buf;
      this.pos = longOffset;
    }

    /** Appends the low {@code bits} bits of v (the other bits of v must be zero). */
    void put(long v, int bits) {
      acc |= v << used;
      used += bits;
      if (used >= 64) {
        buf[pos++] = acc;
        used -= 64;
        acc = used == 0 ? 0 : v >>> (bits - used);
      }
    }

    /** Writes the last partial long, if any. */
    void flush() {
      if (used > 0) {
        buf[pos++] = acc;
        used = 0;
        acc = 0;
      }
    }
  }

  static final class Reader {
    private final long[] buf;
    private int pos;
    private long acc;
    private int avail;

    Reader(long[] buf, int longOffset) {
      this.buf = buf;
      this.pos = longOffset;
    }

    /** The next field of {@code bits} bits (1..64). */
    long get(int bits) {
      long mask = bits == 64 ? -1L : (1L << bits) - 1;
      if (avail >= bits) {
        long v = acc & mask;
        acc = bits == 64 ? 0 : acc >>> bits;
        avail -= bits;
        return v;
      }
      long next = buf[pos++];
      long v = (acc | (avail == 0 ? next : next << avail)) & mask;
      int fromNext = bits - avail;
      acc = fromNext == 64 ? 0 : next >>> fromNext;
      avail = 64 - fromNext;
      return v;
    }
  }
}
