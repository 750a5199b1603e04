package io.musketeer.mpc.protocol.porthos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.mpc.random.Prg;
import org.junit.jupiter.api.Test;

class ZpTest {
  @Test
  void samplerYieldsExactlyTheAcceptedBytesInOrder() {
    for (int variant = 0; variant < 4; variant++) {
      boolean star = (variant & 1) == 1, vector = (variant & 2) == 2;
      byte[] key = new byte[16];
      key[0] = (byte) (star ? 1 : 2);
      Zp.Sampler fast = new Zp.Sampler(new Prg(key), star, vector);
      Prg ref = new Prg(key);
      int[] hist = new int[127];
      int n = 300_000;
      for (int i = 0; i < n; i++) {
        int want;
        while (true) {
          int b = ref.nextByte();
          if (star && b < 252) {
            want = 1 + b % 126;
            break;
          }
          if (!star && b < 254) {
            want = b % 127;
            break;
          }
        }
        int got = fast.next();
        assertEquals(want, got);
        hist[got]++;
      }
      // uniform on Z_p (or Z_p^*)
      double e = n / (star ? 126.0 : 127.0), chi2 = 0;
      for (int v = star ? 1 : 0; v < 127; v++) chi2 += (hist[v] - e) * (hist[v] - e) / e;
      assertTrue(chi2 < 200, "chi-square " + chi2);
      if (star) assertEquals(0, hist[0]);
    }
  }

  @Test
  void oddRingArithmetic() {
    long top = -1L, max = -2L; // 2^64-1 (== 0) and 2^64-2
    assertEquals(0, OddRing.add(max, 1));
    assertEquals(1, OddRing.add(max, 2));
    assertEquals(0, OddRing.add(top, 0));
    assertEquals(5, OddRing.add(top, 5));
    assertEquals(max, OddRing.neg(1));
    assertEquals(0, OddRing.neg(0));
    assertEquals(max, OddRing.sub(0, 1));
    java.math.BigInteger m = java.math.BigInteger.TWO.pow(64).subtract(java.math.BigInteger.ONE);
    java.util.Random rnd = new java.util.Random(3);
    for (int i = 0; i < 10000; i++) {
      long a = rnd.nextLong(), b = rnd.nextLong();
      if (i % 10 == 0) b = -2L - (i % 3);
      java.math.BigInteger ba = new java.math.BigInteger(Long.toUnsignedString(a)), bb = new java.math.BigInteger(Long.toUnsignedString(b));
      assertEquals(ba.add(bb).mod(m).longValue(), OddRing.add(a, b));
      assertEquals(ba.subtract(bb).mod(m).longValue(), OddRing.sub(a, b));
    }
  }

  @Test
  void vectorPrefixEqualsScalarPrefix() {
    java.util.Random rnd = new java.util.Random(5);
    byte[] x = new byte[64], scalar = new byte[64], vector = new byte[64];
    for (int trial = 0; trial < 20_000; trial++) {
      for (int k = 0; k < 64; k++) x[k] = (byte) rnd.nextInt(127);
      long r = switch (trial % 4) {
        case 0 -> rnd.nextLong();
        case 1 -> 0L;
        case 2 -> Long.MIN_VALUE;
        default -> rnd.nextLong() >>> rnd.nextInt(64);
      };
      int beta = rnd.nextInt(2), rho = rnd.nextInt(64);
      boolean p0 = rnd.nextBoolean();
      PrivateCompare.prefix(p0, x, 0, r, beta, null, rho, scalar, 0, false);
      PrivateCompare.prefix(p0, x, 0, r, beta, null, rho, vector, 0, true);
      for (int k = 0; k < 64; k++) {
        // both reduce to [0, 128]; compare as residues mod 127
        assertEquals((scalar[k] & 0xff) % 127, (vector[k] & 0xff) % 127, "trial " + trial + " position " + k);
      }
    }
  }

  /** take() of ragged lengths, across buffer ends and whole buffers, yields exactly the values next() yields. */
  @Test
  void takeYieldsTheSameValuesAsNext() {
    for (int variant = 0; variant < 4; variant++) {
      boolean star = (variant & 1) == 1, vector = (variant & 2) == 2;
      byte[] key = new byte[16];
      key[1] = (byte) (5 + variant);
      Zp.Sampler bulk = new Zp.Sampler(new Prg(key), star, vector), one = new Zp.Sampler(new Prg(key), star, vector);
      java.util.Random rnd = new java.util.Random(variant);
      for (int round = 0; round < 40; round++) {
        int len = round % 5 == 0 ? 8192 + rnd.nextInt(20000) : rnd.nextInt(3000);
        byte[] got = new byte[len + 2];
        bulk.take(got, 1, len);
        for (int i = 0; i < len; i++) assertEquals(one.next(), got[1 + i], "variant " + variant + ", round " + round + ", value " + i);
        assertEquals(0, got[0]);
        assertEquals(0, got[len + 1]);
        if (round % 3 == 0) assertEquals(one.next(), bulk.next(), "next() after take()");
      }
    }
  }
}
