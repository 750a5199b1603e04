package io.musketeer.mpc.protocol.porthos;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.protocol.Chunks;
import io.musketeer.mpc.protocol.Dealer;
import io.musketeer.mpc.protocol.Session;
import io.musketeer.mpc.random.Prg;

/**
 * The helper's dealing of Z_p shares of the 64 bits of values it knows (x in ShareConvert, r in
 * ComputeMSB; PROTOCOLS.md §2 and §3.3), with the halving rule of {@link Dealer}: an item is the 64
 * shares of one value's bits, most significant bit first (index k holds bit 63−k), one byte each.
 * Received items are laid out item-major in the receiver's message, in item order. Streams are derived
 * per {@link Chunks#SIZE} items so that dealing runs on all workers.
 */
final class BitDealer {
  static final int BITS = 64;

  private BitDealer() {}

  /** Helper: deals the bits of v[0..n) into toC (items ⌊n/2⌋..n−1) and toS (items 0..⌊n/2⌋−1). */
  static void helperBits(Session s, String purpose, long op, long[] v, int n, byte[] toC, int offC, byte[] toS, int offS) {
    int h = n / 2;
    Chunks.forEach(s, n, c -> {
      int lo = c * Chunks.SIZE, hi = Math.min(n, lo + Chunks.SIZE);
      if (lo < h) {
        int end = Math.min(hi, h);
        Zp.Sampler z = new Zp.Sampler(chunkStream(s, Party.CLIENT, purpose, op, c), false);
        z.take(toS, offS + lo * BITS, (end - lo) * BITS);
        for (int i = lo; i < end; i++) dealOne(v[i], toS, offS + i * BITS);
      }
      if (hi > h) {
        int start = Math.max(lo, h);
        Zp.Sampler z = new Zp.Sampler(chunkStream(s, Party.SERVER, purpose, op, c), false);
        z.take(toC, offC + (start - h) * BITS, (hi - start) * BITS);
        for (int i = start; i < hi; i++) dealOne(v[i], toC, offC + (i - h) * BITS);
      }
    });
  }

  /**
   * out[off+k] = bit_k(v) − u[k] mod p, where out[off..off+64) already holds u (the item's 64 values
   * of the chunk's stream: the chunk's values are drawn at once, in item order).
   */
  private static void dealOne(long v, byte[] out, int off) {
    for (int k = 0; k < BITS; k++) {
      int d = ((int) (v >>> (63 - k)) & 1) - out[off + k];
      out[off + k] = (byte) (d + (Zp.P & (d >> 31)));
    }
  }

  /** Share holder, before the dealing arrives: the n·64 bit shares with the items it draws filled in (a scratch buffer of this purpose). */
  static byte[] partyBitsDrawn(Session s, String purpose, long op, int n) {
    int h = n / 2;
    boolean client = s.isClient();
    byte[] out = s.scratch().bytes(purpose, n * BITS);
    Chunks.forEach(s, n, c -> {
      int lo = c * Chunks.SIZE, hi = Math.min(n, lo + Chunks.SIZE);
      int sLo = client ? lo : Math.max(lo, h), sHi = client ? Math.min(hi, h) : hi;
      if (sLo < sHi) {
        new Zp.Sampler(chunkStream(s, Party.HELPER, purpose, op, c), false).take(out, sLo * BITS, (sHi - sLo) * BITS);
      }
    });
    return out;
  }

  /** Share holder: fills in the items it receives, from the dealt part of msg at off. */
  static void partyBitsReceived(Session s, byte[] out, int n, byte[] msg, int off) {
    int h = n / 2;
    if (s.isClient()) System.arraycopy(msg, off, out, h * BITS, (n - h) * BITS);
    else System.arraycopy(msg, off, out, 0, h * BITS);
  }

  private static Prg chunkStream(Session s, Party other, String purpose, long op, int chunk) {
    return s.random().sharedChunk(other, purpose, op, chunk);
  }
}
