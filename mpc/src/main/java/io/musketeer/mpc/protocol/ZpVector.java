package io.musketeer.mpc.protocol;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * out[j] = s[j]·c[j] + zOff + zSign·z[j] mod 127 over whole arrays with the Vector API (16 lanes of
 * 16 bits; reduction by folding, as 128 ≡ 1 mod 127). Loaded only when the {@code jdk.incubator.vector}
 * module is present; {@link PrivateCompare} has the scalar equivalent.
 */
final class ZpVector {
  private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_128;
  private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_256;

  private ZpVector() {}

  /** s in [1,126], c in [0,255] (unsigned byte), z in [0,126]; writes out[oo + j]; returns the j where the scalar tail starts. */
  static int mulAdd(byte[] s, byte[] c, byte[] z, byte[] out, int oo, int n, boolean plus) {
    ShortVector off = ShortVector.broadcast(SHORTS, (short) (plus ? 0 : Zp.P));
    int j = 0;
    for (; j + 16 <= n; j += 16) {
      ShortVector sv = (ShortVector) ByteVector.fromArray(BYTES, s, j).convertShape(VectorOperators.B2S, SHORTS, 0);
      ShortVector cv = ((ShortVector) ByteVector.fromArray(BYTES, c, j).convertShape(VectorOperators.B2S, SHORTS, 0)).and((short) 0xff);
      ShortVector zv = (ShortVector) ByteVector.fromArray(BYTES, z, j).convertShape(VectorOperators.B2S, SHORTS, 0);
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
   * (which has room for raw.length values); the values are exactly the accepted bytes in order.
   */
  static int accept(byte[] raw, byte[] vals, boolean star, byte[] value, byte[] acceptTable) {
    int j = 0, n = raw.length;
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
    return j;
  }
}
