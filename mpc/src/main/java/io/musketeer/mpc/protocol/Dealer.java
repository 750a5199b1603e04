package io.musketeer.mpc.protocol;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.random.Prg;

/**
 * The helper's dealing of shares of values it knows in the clear, with Porthos's halving rule
 * (PRG_COMM_OPTI; PROTOCOLS.md §3.3). For items i &lt; ⌊n/2⌋ the client's share comes from the
 * client–helper stream and the helper sends the server's; for the other items the server's share comes
 * from the server–helper stream and the helper sends the client's. So the helper sends n items where
 * SecureNN sent 2n; the client receives n − ⌊n/2⌋ of them and the server ⌊n/2⌋. A received share is
 * uniform to its receiver, who lacks the other pair's seed.
 *
 * <p>An item is either one long (Z_L or Z_{L-1}) or the 64 Z_p shares of the bits of a 64-bit value,
 * most significant bit first (index k holds bit 63−k), one byte each. Received items are laid out
 * item-major in the receiver's message, in item order. Bit streams are derived per {@link Par#CHUNK}
 * items so that dealing runs on all cores.
 */
final class Dealer {
  static final int BITS = 64;

  private Dealer() {}

  /** Items of n that party p receives from the helper. */
  static int received(Party p, int n) {
    return p == Party.CLIENT ? n - n / 2 : n / 2;
  }

  // ------------------------------------------------------------------ Z_p bit shares

  /** Helper: deals the bits of v[0..n) into toC (items ⌊n/2⌋..n−1) and toS (items 0..⌊n/2⌋−1). */
  static void helperBits(Session s, String purpose, long op, long[] v, int n, byte[] toC, int offC, byte[] toS, int offS) {
    int h = n / 2;
    Par.forEachChunk(n, c -> {
      int lo = c * Par.CHUNK, hi = Math.min(n, lo + Par.CHUNK);
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
    Par.forEachChunk(n, c -> {
      int lo = c * Par.CHUNK, hi = Math.min(n, lo + Par.CHUNK);
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
    return s.random().shared(other, purpose + "#" + chunk, op);
  }

  // ------------------------------------------------------------------ single values

  /** Helper: deals v[0..n) over Z_L (odd = false) or Z_{L-1} (odd = true), as longs in the two messages. */
  static void helperLongs(Session s, String purpose, long op, long[] v, int n, boolean odd, byte[] toC, int offC, byte[] toS, int offS) {
    int h = n / 2;
    long[] u = draw(s.random().shared(Party.CLIENT, purpose, op), h, odd);
    for (int i = 0; i < h; i++) Wire.putLong(toS, offS + 8 * i, odd ? OddRing.sub(v[i], u[i]) : v[i] - u[i]);
    u = draw(s.random().shared(Party.SERVER, purpose, op), n - h, odd);
    for (int i = h; i < n; i++) Wire.putLong(toC, offC + 8 * (i - h), odd ? OddRing.sub(v[i], u[i - h]) : v[i] - u[i - h]);
  }

  /** Share holder: its n shares dealt by {@link #helperLongs}. */
  static long[] partyLongs(Session s, String purpose, long op, int n, boolean odd, byte[] msg, int off) {
    int h = n / 2;
    long[] out = new long[n];
    if (s.isClient()) {
      long[] u = draw(s.random().shared(Party.HELPER, purpose, op), h, odd);
      System.arraycopy(u, 0, out, 0, h);
      Wire.getLongs(msg, off, out, h, n - h);
    } else {
      Wire.getLongs(msg, off, out, 0, h);
      long[] u = draw(s.random().shared(Party.HELPER, purpose, op), n - h, odd);
      System.arraycopy(u, 0, out, h, n - h);
    }
    return out;
  }

  private static long[] draw(Prg prg, int n, boolean odd) {
    long[] u = new long[n];
    if (odd) OddRing.fill(prg, u, 0, n);
    else prg.fill(u, 0, n);
    return u;
  }
}
