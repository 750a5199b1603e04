package io.musketeer.mpc.protocol.fast;

import static io.musketeer.mpc.testkit.ThreeParty.of;
import static io.musketeer.mpc.testkit.ThreeParty.open;
import static io.musketeer.mpc.testkit.ThreeParty.share;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.protocol.Comparison;
import io.musketeer.mpc.protocol.TruncMode;
import io.musketeer.mpc.runtime.Protocols;
import io.musketeer.mpc.testkit.BothTransports;
import io.musketeer.mpc.testkit.ThreeParty;
import io.musketeer.mpc.testkit.ThreeParty.Net;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The "fast" comparison protocol's calls against their cleartext definitions, over both transports. */
class FastComparisonTest {
  static final Comparison FAST = Protocols.comparison("fast");

  @Test
  void selectedByName() {
    assertSame(Fast.INSTANCE, Protocols.comparison("Fast"));
    assertTrue(Protocols.names().contains("fast"));
  }

  static long[] values(int n, int k, Random rnd) {
    long[] x = new long[n];
    long two = 1L << k;
    for (int i = 0; i < n; i++) {
      long v = i % 5 == 0 ? rnd.nextInt(7) - 3 : rnd.nextLong() >> (63 - k);
      x[i] = Math.max(-two, Math.min(two - 1, v));
    }
    return x;
  }

  @BothTransports
  void reluDreluAndFusedTruncation(Net net) {
    Random rnd = new Random(5);
    int n = 20001, k = 30, f = 12;
    long[] x = values(n, k, rnd);
    long[][] sh = share(x, rnd);
    var r = ThreeParty.over(net).run(s -> new long[][] {
        FAST.drelu(s, of(s, sh), n, k), FAST.relu(s, of(s, sh), n, k),
        FAST.reluTruncate(s, of(s, sh), n, f, k, TruncMode.EXACT), FAST.reluTruncate(s, of(s, sh), n, f, k, TruncMode.STOCHASTIC),
        FAST.truncateRevealed(s, of(s, sh), n, f, k), FAST.reluTruncate(s, of(s, sh), n, f, k, TruncMode.LOCAL_BEFORE_RELU)});
    long[][] o = new long[6][];
    for (int c = 0; c < 6; c++) o[c] = open(r.client()[c], r.server()[c]);
    for (int i = 0; i < n; i++) {
      long v = x[i];
      assertEquals(v >= 0 ? 1 : 0, o[0][i], "drelu " + v);
      assertEquals(Math.max(v, 0), o[1][i], "relu " + v);
      assertEquals(Math.max(v >> f, 0), o[2][i], "exact " + v);
      long st = o[3][i] - Math.max(v >> f, 0);
      assertTrue(st == 0 || (st == 1 && v >= 0), "stochastic " + v);
      assertEquals(v >> f, o[4][i], "revealed truncation " + v);
      assertTrue(Math.abs(o[5][i] - Math.max(v >> f, 0)) <= 1, "local " + v);
    }
  }

  /**
   * An AvgPool's or ReduceMean's division within a bound is exact: ⌊x/d⌋ for every value, the edges of the
   * bound included, and divisors from 1 to ResNet's 49 and SqueezeNet's 169; one exact TRUNC call (three
   * flights).
   */
  @BothTransports
  void divisionWithinABoundIsExact(Net net) {
    Random rnd = new Random(11);
    long[] all = {1, 2, 3, 4, 7, 9, 49, 169, 1000};
    long[][] divisorsAt = {all, all, {1, 2, 3, 4, 7, 9, 49}, {49, 169}};
    int[] bounds = {1, 8, 21, 22};
    for (int c = 0; c < bounds.length; c++) {
      int k = bounds[c], n = 3001;
      long[] divisors = divisorsAt[c];
      assertTrue(Fast.Division.of(divisors[0], divisors[divisors.length - 1], k) != null, "k " + k + " fits");
      long[] x = values(n, k, rnd), d = new long[n];
      x[0] = -(1L << k);
      x[1] = (1L << k) - 1;
      x[2] = -1;
      x[3] = 0;
      for (int i = 0; i < n; i++) d[i] = divisors[i % divisors.length];
      long[][] sh = share(x, rnd);
      var r = ThreeParty.over(net).run(s -> FAST.divide(s, of(s, sh), d, n, k));
      long[] o = open(r.client(), r.server());
      for (int i = 0; i < n; i++) assertEquals(Math.floorDiv(x[i], d[i]), o[i], "k " + k + ": " + x[i] + " / " + d[i]);
      assertEquals(2, r.traffic(Party.CLIENT).rounds(), "k " + k + ": one exact truncation, the client's two flights of it");
    }
  }

  /**
   * Without a bound a division or a truncation is still exact: the local one, floor or ceiling, then one
   * DRELU of the remainder (three flights, the client's two). Values up to 2^50, so that the shares' sum
   * never overflows in the test (the local quotient's failure, whose odds are |x|/2^64).
   */
  @BothTransports
  void unboundedDivisionsAndTruncationsAreExactToo(Net net) {
    Random rnd = new Random(13);
    int n = 3001, f = 12;
    long[] divisors = {1, 2, 3, 7, 49, 169, 1000};
    long[] x = values(n, 50, rnd), d = new long[n];
    x[0] = 0;
    x[1] = -1;
    x[2] = 49 * 1000L;
    x[3] = -49 * 1000L - 1;
    for (int i = 0; i < n; i++) d[i] = divisors[i % divisors.length];
    long[][] sh = share(x, rnd);
    var r = ThreeParty.over(net).run(s -> FAST.divide(s, of(s, sh), d, n, Comparison.UNBOUNDED));
    long[] o = open(r.client(), r.server());
    for (int i = 0; i < n; i++) assertEquals(Math.floorDiv(x[i], d[i]), o[i], "unbounded: " + x[i] + " / " + d[i]);
    assertEquals(2, r.traffic(Party.CLIENT).rounds(), "one DRELU of the remainders");
    var t = ThreeParty.over(net).run(s -> FAST.truncate(s, of(s, sh), n, f, Comparison.UNBOUNDED));
    long[] ot = open(t.client(), t.server());
    for (int i = 0; i < n; i++) assertEquals(x[i] >> f, ot[i], "unbounded truncation: " + x[i]);
    assertEquals(2, t.traffic(Party.CLIENT).rounds(), "one DRELU of the remainders");
  }

  @Test
  void anExactDivisionFitsTheRingOrIsNotMade() {
    assertEquals(null, Fast.Division.of(49, 49, Comparison.UNBOUNDED));
    // ResNet-50's global average, sums within 2^21: N = 27, t = 33, n·m < 2^27 · ⌈2^33/49⌉ < 2^55
    assertEquals(new Fast.Division(33, 55), Fast.Division.of(49, 49, 21));
    assertEquals(new Fast.Division(37, 63), Fast.Division.of(49, 49, 25));
    assertEquals(null, Fast.Division.of(49, 49, 26), "n·m may pass 2^63");
    // an AvgPool whose padded corner windows count 4 of 9: m is largest for the smallest divisor
    assertEquals(new Fast.Division(28, 50), Fast.Division.of(4, 9, 20));
    assertEquals(new Fast.Division(32, 58), Fast.Division.of(1, 49, 20), "a window of one: m = 2^t");
    assertEquals(null, Fast.Division.of(0, 4, 10), "no divisor below 1");
    assertEquals(null, Fast.Division.of(5, 4, 10), "the smallest divisor first");
  }

  @Test
  void truncationsRefuseShiftsOutsideTheRing() {
    var r = ThreeParty.over(Net.MEMORY).run(s -> {
      long[] x = s.isHelper() ? null : new long[4];
      for (int bits : new int[] {-1, 63}) {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> FAST.truncate(s, x, 4, bits, 20));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> FAST.truncateRevealed(s, x, 4, bits, 20));
      }
      return FAST.truncate(s, x, 4, 0, 20); // a shift of 0 is the value itself, with no call
    });
    assertEquals(0, r.traffic(Party.CLIENT).rounds());
  }

  /** Cleartext max of each window, slot-major like gatherWindows. */
  static long[] maxOfWindows(long[] w, int slots, int count) {
    long[] m = new long[count];
    for (int i = 0; i < count; i++) {
      m[i] = w[i];
      for (int s = 1; s < slots; s++) m[i] = Math.max(m[i], w[s * count + i]);
    }
    return m;
  }

  @BothTransports
  void maxPoolTournamentWithTiesAndNegatives(Net net) {
    Random rnd = new Random(9);
    for (int slots : new int[] {1, 2, 3, 4, 9, 13}) {
      int count = 1237, k = 20;
      long[] w = values(slots * count, k, rnd);
      for (int i = 0; i < count; i += 7) for (int s = 0; s < slots; s++) w[s * count + i] = -5; // all-negative ties
      for (int i = 3; i < count; i += 11) w[(slots - 1) * count + i] = w[i]; // first and last tie
      long[][] sh = share(w, rnd);
      var r = ThreeParty.over(net).seed(slots).run(s -> FAST.maxPool(s, of(s, sh), slots, count, k));
      assertArrayEquals(maxOfWindows(w, slots, count), open(r.client(), r.server()), slots + " slots");
    }
  }

  /** First index of the maximum of each row. */
  static long[] argMaxRows(long[] x, int rows, int len) {
    long[] out = new long[rows];
    for (int r = 0; r < rows; r++) {
      int best = 0;
      for (int j = 1; j < len; j++) if (x[r * len + j] > x[r * len + best]) best = j;
      out[r] = best;
    }
    return out;
  }

  @BothTransports
  void argMaxFirstIndexOnTies(Net net) {
    Random rnd = new Random(3);
    for (int len : new int[] {1, 2, 3, 10, 1001}) {
      int rows = 37, k = 24;
      long[] x = values(rows * len, k, rnd);
      for (int j = 0; j < len; j++) x[j] = 7; // row 0: all tied
      if (len > 2) {
        x[len + 1] = x[len + len - 1] = 1L << 23; // row 1: the maximum twice
        for (int j = 0; j < len; j++) if (j != 1 && j != len - 1) x[len + j] = Math.min(x[len + j], 5);
      }
      long[][] sh = share(x, rnd);
      var r = ThreeParty.over(net).seed(len).run(s -> FAST.argMax(s, of(s, sh), rows, len, k));
      assertArrayEquals(argMaxRows(x, rows, len), open(r.client(), r.server()), len + " classes");
    }
  }

  @BothTransports
  void unboundedInputsUseTheWholeRing(Net net) {
    Random rnd = new Random(1);
    int n = 3001;
    long[] x = new long[n];
    for (int i = 0; i < n; i++) x[i] = i < 4 ? new long[] {Long.MIN_VALUE, Long.MAX_VALUE, 0, -1}[i] : rnd.nextLong();
    long[][] sh = share(x, rnd);
    var r = ThreeParty.over(net).run(s -> FAST.relu(s, of(s, sh), n, Comparison.UNBOUNDED));
    long[] o = open(r.client(), r.server());
    for (int i = 0; i < n; i++) assertEquals(Math.max(x[i], 0), o[i]);
  }

  @BothTransports
  void smallBatchesGiveTheSameResultInMoreFlights(Net net) {
    Random rnd = new Random(2);
    int n = 10_000, k = 16;
    long[] x = values(n, k, rnd);
    long[][] sh = share(x, rnd);
    var whole = ThreeParty.over(net).batch(Integer.MAX_VALUE).run(s -> FAST.relu(s, of(s, sh), n, k));
    var split = ThreeParty.over(net).batch(3000).run(s -> FAST.relu(s, of(s, sh), n, k));
    assertArrayEquals(open(whole.client(), whole.server()), open(split.client(), split.server()));
    assertEquals(2, whole.traffic(Party.CLIENT).rounds());
    assertEquals(8, split.traffic(Party.CLIENT).rounds(), "four batches of two sending flights each");
  }
}
