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
}
