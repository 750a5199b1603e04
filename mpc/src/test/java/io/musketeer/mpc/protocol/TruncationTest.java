package io.musketeer.mpc.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.mpc.Party;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TruncationTest {
  private static long reconstructTrunc(long z0, long z1, int f) {
    return Truncation.truncate(Party.CLIENT, new long[] {z0}, f)[0] + Truncation.truncate(Party.SERVER, new long[] {z1}, f)[0];
  }

  private static long reconstructDiv(long z0, long z1, long d) {
    long[] dd = {d};
    return Truncation.divide(Party.CLIENT, new long[] {z0}, dd)[0] + Truncation.divide(Party.SERVER, new long[] {z1}, dd)[0];
  }

  private static boolean signedOverflow(long z0, long z1) {
    return ((z0 ^ (z0 + z1)) & (z1 ^ (z0 + z1))) < 0;
  }

  @Test
  void resultIsFloorOrCeilWhenSharesDoNotOverflow() {
    Random rnd = new Random(5);
    int f = 12;
    long[] zs = {0, 1, -1, 4096, -4096, 4097, -4097, 123456789, -987654321, 1L << 40, -(1L << 40)};
    for (long z : zs) {
      for (int t = 0; t < 2000; t++) {
        long z0 = rnd.nextLong(), z1 = z - z0;
        if (signedOverflow(z0, z1)) continue;
        long got = reconstructTrunc(z0, z1, f);
        long fl = Math.floorDiv(z, 1L << f), ce = Math.ceilDiv(z, 1L << f);
        assertTrue(got == fl || got == ce, "truncation outside floor/ceil");
        if (z % (1L << f) == 0) assertEquals(fl, got);
        for (long d : new long[] {1, 3, 9, 49, 4096}) {
          long q = reconstructDiv(z0, z1, d);
          assertTrue(q == Math.floorDiv(z, d) || q == Math.ceilDiv(z, d), "division outside floor/ceil");
        }
      }
    }
    // Trivial shares (x, 0) never overflow: exact floor division.
    assertEquals(Math.floorDiv(-4097, 4096), reconstructTrunc(-4097, 0, 12));
  }

  @Test
  void failureRateMatchesPrediction() {
    // With a uniform client share, the signed shares overflow with probability (|z|+1)/2^64.
    Random rnd = new Random(6);
    int f = 12, trials = 40000;
    for (long z : new long[] {1L << 62, -(1L << 62), 3L << 61}) {
      double p = (Math.abs((double) z) + 1) / Math.pow(2, 64);
      int failT = 0, failD = 0;
      for (int t = 0; t < trials; t++) {
        long z0 = rnd.nextLong(), z1 = z - z0;
        long got = reconstructTrunc(z0, z1, f);
        boolean bad = got != Math.floorDiv(z, 1L << f) && got != Math.ceilDiv(z, 1L << f);
        if (bad) {
          failT++;
          // The failure is exactly an overflow, and the result is off by 2^(64-f).
          assertTrue(signedOverflow(z0, z1));
          long off = got - (z >> f);
          assertTrue(Math.abs(Math.abs(off) - (1L << (64 - f))) <= 1);
        } else {
          assertTrue(!signedOverflow(z0, z1));
        }
        long q = reconstructDiv(z0, z1, 9);
        if (q != Math.floorDiv(z, 9) && q != Math.ceilDiv(z, 9)) failD++;
      }
      double mean = p * trials, sd = Math.sqrt(trials * p * (1 - p));
      assertTrue(Math.abs(failT - mean) < 5 * sd, "truncation failures " + failT + " vs expected " + mean);
      assertTrue(Math.abs(failD - mean) < 5 * sd, "division failures " + failD + " vs expected " + mean);
    }
  }

  @Test
  void helperGetsNull() {
    assertEquals(null, Truncation.truncate(Party.HELPER, null, 3));
    assertEquals(null, Truncation.divide(Party.HELPER, null, null));
  }

  @Test
  void shiftsAndDivisorsAreChecked() {
    long[] z = {-5, 5};
    assertEquals(-1, Truncation.truncate(Party.CLIENT, z, 62)[0]); // 62 is the largest shift
    assertEquals(0, Truncation.truncate(Party.CLIENT, z, 0)[0] + 5);
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Truncation.truncate(Party.CLIENT, z, 63));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Truncation.truncate(Party.CLIENT, z, -1));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Truncation.divide(Party.CLIENT, z, new long[] {1, 0}));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Truncation.divide(Party.CLIENT, z, new long[] {1}));
    assertEquals(-2, Truncation.divide(Party.CLIENT, z, new long[] {3, 1})[0]); // the client floors
    assertEquals(-1, Truncation.divide(Party.SERVER, z, new long[] {3, 1})[0]); // the server ceils
    assertEquals(null, Truncation.divide(Party.HELPER, z, new long[] {3, 1}));
  }
}
