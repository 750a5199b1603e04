package io.musketeer.mpc.protocol.porthos;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * out[j] = s[j]·c[j] + zOff + zSign·z[j] mod 127 over whole arrays with the Vector API (16 lanes of
 * 16 bits; reduction by folding, as 128 ≡ 1 mod 127). Loaded only when the {@code jdk.incubator.vector}
 * module is present; {@link PrivateCompare} has the scalar equivalent.
 */
final class ZpVector {
  private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_128;
  private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_256;

  /** XOR_SHUFFLE[r] moves lane i ^ r to lane i: the position mask's permutation within one vector. */
  private static final VectorShuffle<Short>[] XOR_SHUFFLE = xorShuffles();

  private ZpVector() {}

  @SuppressWarnings("unchecked")
  private static VectorShuffle<Short>[] xorShuffles() {
    VectorShuffle<Short>[] out = new VectorShuffle[16];
    for (int r = 0; r < 16; r++) {
      int[] idx = new int[16];
      for (int i = 0; i < 16; i++) idx[i] = i ^ r;
      out[r] = VectorShuffle.fromValues(SHORTS, idx);
    }
    return out;
  }

  /**
   * PrivateCompare's first pass for one value, 16 positions per vector (same result as the scalar
   * {@code PrivateCompare.prefix} without the special case): c[k] = Σ_{i<k} w[i] + a[k] reduced to
   * [0, 128], written to position k XOR rho. The running sums stay below 64·128, so they fit in 16 bits
   * unreduced; the prefix sum within a vector takes four shifted adds.
   */
  static void prefix(boolean p0, byte[] x, int xo, long t, int beta, int rho, byte[] c, int co) {
    int p0i = p0 ? 1 : 0;
    long tBits = Long.reverse(t); // bit k = t's bit 63 - k, the bit compared at position k
    short carry = 0;
    VectorShuffle<Short> within = XOR_SHUFFLE[rho & 15];
    int blockXor = rho >>> 4;
    for (int b = 0; b < 4; b++) {
      ShortVector xv = (ShortVector) ByteVector.fromArray(BYTES, x, xo + 16 * b).convertShape(VectorOperators.B2S, SHORTS, 0);
      VectorMask<Short> tk = VectorMask.fromLong(SHORTS, tBits >>> (16 * b));
      // w = x XOR t in shares: x where t = 0, (client: 1) - x where t = 1
      ShortVector w = xv.blend(xv.neg().add((short) (p0i + Zp.P)), tk);
      ShortVector a = beta == 0
          ? xv.neg().add((short) (Zp.P + p0i)).add((short) p0i, tk) // P - x + p0·(1 + t)
          : xv.add((short) p0i).sub((short) p0i, tk); // x + p0·(1 - t)
      ShortVector incl = w.add(w.unslice(1));
      incl = incl.add(incl.unslice(2));
      incl = incl.add(incl.unslice(4));
      incl = incl.add(incl.unslice(8)).add(carry);
      ShortVector v = incl.sub(w).add(a);
      carry = incl.lane(15);
      v = v.and((short) 127).add(v.lanewise(VectorOperators.LSHR, 7));
      v = v.and((short) 127).add(v.lanewise(VectorOperators.LSHR, 7));
      v = v.rearrange(within);
      ((ByteVector) v.convertShape(VectorOperators.S2B, BYTES, 0)).intoArray(c, co + 16 * (b ^ blockXor));
    }
  }

  /**
   * s[oo + j] in [1,126], c[j] in [0,255] (unsigned byte), z[oo + j] in [0,126]; writes out[oo + j];
   * returns the j where the scalar tail starts.
   */
  static int mulAdd(byte[] s, byte[] c, byte[] z, byte[] out, int oo, int n, boolean plus) {
    ShortVector off = ShortVector.broadcast(SHORTS, (short) (plus ? 0 : Zp.P));
    int j = 0;
    for (; j + 16 <= n; j += 16) {
      ShortVector sv = (ShortVector) ByteVector.fromArray(BYTES, s, oo + j).convertShape(VectorOperators.B2S, SHORTS, 0);
      ShortVector cv = ((ShortVector) ByteVector.fromArray(BYTES, c, j).convertShape(VectorOperators.B2S, SHORTS, 0)).and((short) 0xff);
      ShortVector zv = (ShortVector) ByteVector.fromArray(BYTES, z, oo + j).convertShape(VectorOperators.B2S, SHORTS, 0);
      ShortVector v = sv.mul(cv).add(off); // <= 126·255 + 127 < 2^15
      v = plus ? v.add(zv) : v.sub(zv);
      v = v.and((short) 127).add(v.lanewise(VectorOperators.LSHR, 7));
      v = v.and((short) 127).add(v.lanewise(VectorOperators.LSHR, 7)); // <= 129
      v = v.sub((short) 127, v.compare(VectorOperators.GE, (short) 127));
      ((ByteVector) v.convertShape(VectorOperators.S2B, BYTES, 0)).intoArray(out, oo + j);
    }
    return j;
  }

  /**
   * Rejection sampling of 16 raw bytes at a time: when all 16 are accepted (the common case) they are
   * reduced and stored together; otherwise byte by byte. Returns the number of values written to vals
   * (from vals[vo], with room for raw.length values); the values are exactly the accepted bytes in order.
   */
  static int accept(byte[] raw, byte[] vals, int vo, boolean star, byte[] value, byte[] acceptTable) {
    int j = vo, n = raw.length;
    for (int i = 0; i + 16 <= n; i += 16) {
      ByteVector v = ByteVector.fromArray(BYTES, raw, i);
      // Unsigned compares via the sign flip: b < bound  <=>  (b ^ 0x80) < (bound ^ 0x80) as signed.
      ByteVector f = v.lanewise(VectorOperators.XOR, (byte) 0x80);
      if (f.compare(VectorOperators.LT, (byte) ((star ? 252 : 254) ^ 0x80)).allTrue()) {
        ByteVector r;
        if (star) { // 1 + (b mod 126)
          r = v.add((byte) 1).sub((byte) 126, f.compare(VectorOperators.GE, (byte) (126 ^ 0x80)));
        } else { // b mod 127
          r = v.sub((byte) 127, f.compare(VectorOperators.GE, (byte) (127 ^ 0x80)));
        }
        r.intoArray(vals, j);
        j += 16;
      } else {
        for (int k = i; k < i + 16; k++) {
          int b = raw[k] & 0xff;
          vals[j] = value[b];
          j += acceptTable[b];
        }
      }
    }
    return j - vo;
  }

  /** Helper: β'[i] = 1 iff some position of value i opens to 0 mod 127 (d0 + d1 is 0 or 127 as a byte). */
  static void open(byte[] d0, byte[] d1, byte[] out, int lo, int hi) {
    for (int i = lo; i < hi; i++) {
      VectorMask<Byte> zero = BYTES.maskAll(false);
      for (int k = i * 64, end = k + 64; k < end; k += 16) {
        ByteVector e = ByteVector.fromArray(BYTES, d0, k).add(ByteVector.fromArray(BYTES, d1, k));
        zero = zero.or(e.compare(VectorOperators.EQ, (byte) 0)).or(e.compare(VectorOperators.EQ, (byte) Zp.P));
      }
      out[i] = (byte) (zero.anyTrue() ? 1 : 0);
    }
  }
}
