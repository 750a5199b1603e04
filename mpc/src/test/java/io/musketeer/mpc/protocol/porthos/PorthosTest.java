package io.musketeer.mpc.protocol.porthos;

import static io.musketeer.mpc.testkit.ThreeParty.of;
import static io.musketeer.mpc.testkit.ThreeParty.open;
import static io.musketeer.mpc.testkit.ThreeParty.share;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.TrafficStats;
import io.musketeer.mpc.protocol.Beaver;
import io.musketeer.mpc.protocol.Comparison;
import io.musketeer.mpc.protocol.Reveal;
import io.musketeer.mpc.protocol.Session;
import io.musketeer.mpc.protocol.TruncMode;
import io.musketeer.mpc.runtime.Protocols;
import io.musketeer.mpc.testkit.BothTransports;
import io.musketeer.mpc.testkit.ThreeParty;
import io.musketeer.mpc.testkit.ThreeParty.Net;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PorthosTest {
  static final int[] SIZES = {1, 2, 7, 129, 20001};
  static final long LO = -(1L << 62), HI = (1L << 62) - 1;
  static final long[] EDGES = {0, 1, -1, 2, -2, LO, HI, LO + 1, HI - 1, 4096, -4096};
  static final Comparison PORTHOS = Protocols.comparison("porthos");
  static final int UNBOUNDED = Comparison.UNBOUNDED;

  /** Values in the DReLU range [−2^62, 2^62), starting with the edge values. */
  static long[] inRange(int n, Random rnd) {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      if (i < EDGES.length) v[i] = EDGES[(i + n) % EDGES.length];
      else if (i % 3 == 0) v[i] = rnd.nextInt(2001) - 1000;
      else v[i] = rnd.nextLong() >> 2;
    }
    return v;
  }

  static void assertTraffic(ThreeParty.Result<?> r, Party p, long bytes, long messages, long rounds) {
    TrafficStats.Snapshot t = r.traffic(p);
    assertEquals(bytes, t.bytesSent(), p + " bytes sent");
    assertEquals(messages, t.messagesSent(), p + " messages sent");
    assertEquals(rounds, t.rounds(), p + " flights");
  }

  @Test
  void byNameFindsPorthosOnly() {
    assertSame(Porthos.INSTANCE, Protocols.comparison("Porthos"));
    assertEquals("porthos", Porthos.INSTANCE.name());
    assertThrows(IllegalArgumentException.class, () -> Protocols.comparison("nope"));
  }

  /** Programmer errors fail at once, at the party that made them, before anything is sent. */
  @Test
  void wrongSizesAndBoundsAreRefused() {
    for (int bad : new int[] {0, 64}) {
      assertThrows(IllegalArgumentException.class, () -> PORTHOS.drelu(null, null, 0, bad));
      assertThrows(IllegalArgumentException.class, () -> PORTHOS.relu(null, null, 0, bad));
      assertThrows(IllegalArgumentException.class, () -> PORTHOS.reluTruncate(null, null, 0, 12, bad, TruncMode.LOCAL_AFTER_RELU));
      assertThrows(IllegalArgumentException.class, () -> PORTHOS.maxPool(null, null, 1, 0, bad));
      assertThrows(IllegalArgumentException.class, () -> PORTHOS.argMax(null, null, 0, 1, bad));
    }
    Comparison.checkBound(1);
    Comparison.checkBound(63);
    assertThrows(IllegalArgumentException.class, () -> PORTHOS.maxPool(null, null, 0, 1, UNBOUNDED));
    assertThrows(IllegalArgumentException.class, () -> PORTHOS.argMax(null, null, 1, 0, UNBOUNDED));
    List<ThreeParty.PartyFn<Object>> calls = List.of(
        s -> PORTHOS.drelu(s, s.isHelper() ? null : new long[3], 4, UNBOUNDED),
        s -> PORTHOS.relu(s, s.isHelper() ? null : new long[5], 4, UNBOUNDED),
        s -> PORTHOS.maxPool(s, s.isHelper() ? null : new long[7], 2, 4, UNBOUNDED),
        s -> PORTHOS.argMax(s, s.isHelper() ? null : new long[7], 2, 4, UNBOUNDED),
        s -> PORTHOS.select(s, s.isHelper() ? null : new long[4], s.isHelper() ? null : new long[3], s.isHelper() ? null : new long[4], 4),
        s -> ShareConvert.run(s, s.isHelper() ? null : new long[3], 4),
        s -> ComputeMsb.run(s, s.isHelper() ? null : new long[3], 4),
        s -> Beaver.multiply(s, s.isHelper() ? null : new long[4], s.isHelper() ? null : new long[3], 4),
        s -> Beaver.matmul(s, s.isHelper() ? null : new long[5], s.isHelper() ? null : new long[6], 2, 3, 2),
        s -> Reveal.clientInput(s, new long[3], 4),
        s -> Reveal.serverInput(s, new long[3], 4),
        s -> Reveal.rerandomize(s, s.isHelper() ? null : new long[3], 4));
    for (ThreeParty.PartyFn<Object> call : calls) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ThreeParty.run(call));
      assertTrue(e.getMessage().startsWith("share array has"), e.getMessage());
    }
  }

  // ------------------------------------------------------------------ PrivateCompare

  @BothTransports
  void privateCompareMatchesUnsignedComparison(Net net) {
    Random rnd = new Random(11);
    for (int n : new int[] {1, 7, 129, 9000}) {
      long[] x = new long[n], r = new long[n];
      byte[] beta = new byte[n];
      long[] special = {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, 1};
      for (int i = 0; i < n; i++) {
        x[i] = i < 25 ? special[i % 5] : rnd.nextLong();
        r[i] = i < 25 ? special[(i / 5) % 5] : (i % 4 == 0 ? x[i] + rnd.nextInt(3) - 1 : rnd.nextLong());
        beta[i] = (byte) rnd.nextInt(2);
      }
      byte[][] bits = bitShares(x, rnd);
      var res = ThreeParty.over(net).run(s -> PrivateCompare.run(s, s.isHelper() ? null : bits[s.self().ordinal()], s.isHelper() ? null : r,
          s.isHelper() ? null : beta, n));
      for (int i = 0; i < n; i++) {
        int expect = beta[i] ^ (Long.compareUnsigned(x[i], r[i]) > 0 ? 1 : 0);
        assertEquals(expect, res.helper()[i], "value " + i);
      }
      assertTraffic(res, Party.CLIENT, 64L * n + 16, 1, 1);
      assertTraffic(res, Party.SERVER, 64L * n + 16, 1, 1);
      assertTraffic(res, Party.HELPER, 0, 0, 0);
    }
  }

  /** Random Z_p shares of the bits of x, MSB first: {client, server}. */
  static byte[][] bitShares(long[] x, Random rnd) {
    byte[] a = new byte[x.length * 64], b = new byte[x.length * 64];
    for (int i = 0; i < x.length; i++)
      for (int k = 0; k < 64; k++) {
        int bit = (int) (x[i] >>> (63 - k)) & 1, u = rnd.nextInt(127);
        a[i * 64 + k] = (byte) u;
        b[i * 64 + k] = (byte) Math.floorMod(bit - u, 127);
      }
    return new byte[][] {a, b};
  }

  // ------------------------------------------------------------------ ShareConvert and ComputeMSB

  @BothTransports
  void shareConvertGivesOddRingShares(Net net) {
    Random rnd = new Random(12);
    for (int n : SIZES) {
      long[] a = new long[n];
      for (int i = 0; i < n; i++) a[i] = i < 6 ? new long[] {0, 1, -2, Long.MIN_VALUE, Long.MAX_VALUE, -3}[i] : rnd.nextLong();
      for (int i = 0; i < n; i++) if (a[i] == -1L) a[i] = 0;
      long[][] as = share(a, rnd);
      var r = ThreeParty.over(net).run(s -> ShareConvert.run(s, of(s, as), n));
      for (int i = 0; i < n; i++) assertEquals(a[i], OddRing.add(r.client()[i], r.server()[i]), "element " + i);
      // P_j: ã (l) + PrivateCompare (64 lam); H: x bits and δ (halved, 64 lam + l), η' shares (2 l).
      assertTraffic(r, Party.CLIENT, 72L * n + 32, 2, 2);
      assertTraffic(r, Party.SERVER, 72L * n + 32, 2, 2);
      assertTraffic(r, Party.HELPER, 88L * n + 64, 4, 2);
      assertEquals(72L * (n - n / 2) + 16 + 8L * n + 16, r.traffic(Party.CLIENT).bytesReceived() - 0);
    }
  }

  @BothTransports
  void computeMsbOfOddRingShares(Net net) {
    Random rnd = new Random(13);
    for (int n : SIZES) {
      long[] a = new long[n], a0 = new long[n], a1 = new long[n];
      long[] edges = {0, 1, Long.MAX_VALUE, Long.MIN_VALUE, -2, (1L << 62)};
      for (int i = 0; i < n; i++) {
        a[i] = i < edges.length ? edges[i] : rnd.nextLong();
        if (a[i] == -1L) a[i] = 0;
        do a0[i] = rnd.nextLong(); while (a0[i] == -1L);
        a1[i] = OddRing.sub(a[i], a0[i]);
      }
      var r = ThreeParty.over(net).run(s -> ComputeMsb.run(s, s.isClient() ? a0 : s.isServer() ? a1 : null, n));
      long[] b = open(r.client(), r.server());
      for (int i = 0; i < n; i++) assertEquals(a[i] >>> 63, b[i], "element " + i);
      // P_j: c (l), PrivateCompare (64 lam), Beaver E,F (2 l); H: bits and LSB of r (64 lam + l) and C1 (l)
      // in one flight, β' (l) in the next.
      assertTraffic(r, Party.CLIENT, 88L * n + 48, 3, 3);
      assertTraffic(r, Party.SERVER, 88L * n + 48, 3, 3);
      assertTraffic(r, Party.HELPER, 88L * n + 5 * 16, 5, 2);
    }
  }

  // ------------------------------------------------------------------ DReLU and ReLU

  @BothTransports
  void dreluIsSignBitWithPorthosCost(Net net) {
    Random rnd = new Random(14);
    for (int n : SIZES) {
      long[] x = inRange(n, rnd);
      long[][] xs = share(x, rnd);
      var r = ThreeParty.over(net).run(s -> PORTHOS.drelu(s, of(s, xs), n, UNBOUNDED));
      assertNull(r.helper());
      long[] b = open(r.client(), r.server());
      for (int i = 0; i < n; i++) assertEquals(x[i] >= 0 ? 1 : 0, b[i], "element " + i);
      // 1280, 1280 and 1408 bits per element (PROTOCOLS §5) plus 16-byte frame headers. The helper sends
      // one frame per primitive: ShareConvert's and ComputeMSB's dealings, η' (and the server's C1 of θ),
      // β', in 3 flights.
      assertTraffic(r, Party.CLIENT, 160L * n + 5 * 16, 5, 5);
      assertTraffic(r, Party.SERVER, 160L * n + 5 * 16, 5, 5);
      assertTraffic(r, Party.HELPER, 176L * n + 9 * 16, 9, 3);
    }
  }

  @BothTransports
  void reluIsExactWithPorthosCost(Net net) {
    Random rnd = new Random(15);
    for (int n : SIZES) {
      long[] x = inRange(n, rnd);
      long[][] xs = share(x, rnd);
      var r = ThreeParty.over(net).run(s -> PORTHOS.relu(s, of(s, xs), n, UNBOUNDED));
      long[] y = open(r.client(), r.server());
      for (int i = 0; i < n; i++) assertEquals(Math.max(x[i], 0), y[i], "element " + i);
      // 1408 + 1408 + 1472 = 4288 bits per element. Flights on the critical path: P->H, H->P, P->H,
      // H->P, P<->P, P->H, H->P, P<->P, P<->P = 9; each share holder sends in 6 of them, the helper in 3
      // (10 frames: the DReLU's 9 and the C1 of the final product).
      assertTraffic(r, Party.CLIENT, 176L * n + 6 * 16, 6, 6);
      assertTraffic(r, Party.SERVER, 176L * n + 6 * 16, 6, 6);
      assertTraffic(r, Party.HELPER, 184L * n + 10 * 16, 10, 3);
      long total = r.traffic(Party.CLIENT).bytesSent() + r.traffic(Party.SERVER).bytesSent() + r.traffic(Party.HELPER).bytesSent();
      assertEquals(4288L * n / 8 + 22 * 16, total);
    }
  }

  @BothTransports
  void reluTruncateOffersTheLocalModesOnly(Net net) {
    Random rnd = new Random(20);
    int n = 301, f = 12;
    long[] x = inRange(n, rnd);
    for (int i = 0; i < n; i++) x[i] >>= 8; // keep the local truncation's failure probability negligible
    long[][] xs = share(x, rnd);
    for (TruncMode mode : new TruncMode[] {TruncMode.LOCAL_AFTER_RELU, TruncMode.LOCAL_BEFORE_RELU}) {
      var r = ThreeParty.over(net).run(s -> PORTHOS.reluTruncate(s, of(s, xs), n, f, UNBOUNDED, mode));
      long[] y = open(r.client(), r.server());
      for (int i = 0; i < n; i++) {
        long want = Math.max(x[i], 0) >> f;
        assertTrue(y[i] - want == 0 || y[i] - want == 1 || (mode == TruncMode.LOCAL_BEFORE_RELU && want == 0 && y[i] == 0),
            mode + " element " + i + ": " + y[i] + " for " + want);
      }
      assertTraffic(r, Party.CLIENT, 176L * n + 6 * 16, 6, 6); // a ReLU's traffic: truncation is local
    }
    assertEquals(java.util.EnumSet.of(TruncMode.LOCAL_AFTER_RELU, TruncMode.LOCAL_BEFORE_RELU), PORTHOS.truncModes());
    for (TruncMode mode : new TruncMode[] {TruncMode.STOCHASTIC, TruncMode.EXACT}) {
      assertThrows(UnsupportedOperationException.class, () -> PORTHOS.reluTruncate(null, null, 0, f, UNBOUNDED, mode));
    }
    assertThrows(IllegalArgumentException.class, () -> PORTHOS.relu(null, null, 0, 64));
  }

  @BothTransports
  void reluOnTrivialInputShares(Net net) {
    long[] x = {5, -5, 0, HI, LO, -1, 1};
    var r = ThreeParty.over(net).run(s -> Reveal.toClient(s, PORTHOS.relu(s, Reveal.clientInput(s, s.isClient() ? x : null, x.length), x.length, UNBOUNDED)));
    assertArrayEquals(new long[] {5, 0, 0, HI, 0, 0, 1}, r.client());
  }

  @BothTransports
  void sequentialCallsStayInStep(Net net) {
    Random rnd = new Random(16);
    long[] x = inRange(50, rnd);
    long[][] xs = share(x, rnd);
    var r = ThreeParty.over(net).run(s -> {
      long[] a = PORTHOS.relu(s, of(s, xs), 50, UNBOUNDED);
      long[] b = PORTHOS.drelu(s, a, 50, UNBOUNDED);
      long[] c = PORTHOS.select(s, b, of(s, xs), a, 50);
      return new long[][] {a, b, c};
    });
    long[] a = open(r.client()[0], r.server()[0]), b = open(r.client()[1], r.server()[1]), c = open(r.client()[2], r.server()[2]);
    for (int i = 0; i < 50; i++) {
      assertEquals(Math.max(0, x[i]), a[i]);
      assertEquals(1, b[i]);
      assertEquals(x[i], c[i]);
    }
  }

  @BothTransports
  void emptyInputsCostNothing(Net net) {
    var r = ThreeParty.over(net).run(s -> PORTHOS.relu(s, s.isHelper() ? null : new long[0], 0, UNBOUNDED));
    assertEquals(0, r.client().length);
    assertTraffic(r, Party.CLIENT, 0, 0, 0);
    assertTraffic(r, Party.HELPER, 0, 0, 0);
  }

  // ------------------------------------------------------------------ MaxPool and ArgMax

  @BothTransports
  void maxPoolMatchesCleartextOnGatheredWindows(Net net) {
    Random rnd = new Random(17);
    var g = new io.musketeer.core.PoolGeometry(1, 9, 7, 3, 3, 3, 2, 2, 1, 1, 1, 1);
    long[] img = new long[9 * 7 * 3];
    for (int i = 0; i < img.length; i++) img[i] = (rnd.nextLong() >> 3) * (i % 5 == 0 ? 0 : 1) - (i % 7 == 0 ? 1L << 60 : 0);
    long[] windows = io.musketeer.core.RingKernels.gatherWindows(img, g);
    int slots = 9, count = windows.length / slots;
    checkMaxPool(net, windows, slots, count, rnd);
    for (int k : new int[] {1, 2, 3, 5, 8}) {
      int cnt = 37;
      long[] w = new long[k * cnt];
      for (int i = 0; i < w.length; i++) w[i] = i % 4 == 0 ? rnd.nextInt(5) - 2 : rnd.nextLong() >> 3;
      checkMaxPool(net, w, k, cnt, rnd);
    }
  }

  private static void checkMaxPool(Net net, long[] windows, int slots, int count, Random rnd) {
    checkMaxPool(net, windows, slots, count, rnd, Session.DEFAULT_BATCH);
  }

  private static void checkMaxPool(Net net, long[] windows, int slots, int count, Random rnd, int batch) {
    long[][] ws = share(windows, rnd);
    var r = ThreeParty.over(net).batch(batch).run(s -> PORTHOS.maxPool(s, of(s, ws), slots, count, UNBOUNDED));
    long[] m = open(r.client(), r.server());
    for (int i = 0; i < count; i++) {
      long best = windows[i];
      for (int j = 1; j < slots; j++) best = Math.max(best, windows[j * count + i]);
      assertEquals(best, m[i], "window " + i);
    }
    // k−1 ReLUs per window, 9 flights per level: the client sends in 6 of them per level.
    if (batch != Session.DEFAULT_BATCH) return;
    int levels = 32 - Integer.numberOfLeadingZeros(slots - 1);
    long reluBytes = 176L * (slots - 1) * count;
    assertEquals(reluBytes + levels * 6L * 16, r.traffic(Party.CLIENT).bytesSent());
    assertEquals(6L * levels, r.traffic(Party.CLIENT).rounds());
  }

  @BothTransports
  void argMaxReturnsFirstIndexOfMaximum(Net net) {
    Random rnd = new Random(18);
    for (int len : new int[] {1, 2, 3, 7, 10, 33}) {
      int rows = 13;
      long[] x = new long[rows * len];
      for (int i = 0; i < x.length; i++) x[i] = rnd.nextInt(4) - 2; // many ties
      for (int j = 0; j < len; j++) x[3 * len + j] = 7; // a row of equal values: index 0
      if (len > 2) x[5 * len + len - 1] = HI; // maximum at the end
      long[][] xs = share(x, rnd);
      var r = ThreeParty.over(net).run(s -> PORTHOS.argMax(s, of(s, xs), rows, len, UNBOUNDED));
      long[] idx = open(r.client(), r.server());
      long[] want = io.musketeer.core.RingOps.argMax(new io.musketeer.core.RingTensor(io.musketeer.core.Shape.of(rows, len), x), 1);
      assertArrayEquals(want, idx, "len " + len);
      // Values and indices in one select: per comparison one DReLU (1280 bits) and 2 products (2 x 128).
      int levels = 32 - Integer.numberOfLeadingZeros(len - 1);
      assertEquals((160L + 32) * (len - 1) * rows + levels * 6L * 16, r.traffic(Party.CLIENT).bytesSent());
    }
  }

  @BothTransports
  void largeInputsRunInSequentialBatches(Net net) {
    Random rnd = new Random(19);
    int batch = 50;
    {
      int n = 129; // batches of 50, 50, 29
      long[] x = inRange(n, rnd);
      long[][] xs = share(x, rnd);
      var r = ThreeParty.over(net).seed(1).batch(batch).run(s -> PORTHOS.relu(s, of(s, xs), n, UNBOUNDED));
      long[] y = open(r.client(), r.server());
      for (int i = 0; i < n; i++) assertEquals(Math.max(x[i], 0), y[i]);
      assertTraffic(r, Party.CLIENT, 176L * n + 3 * 6 * 16, 18, 18);
      var d = ThreeParty.over(net).seed(1).batch(batch).run(s -> PORTHOS.drelu(s, of(s, xs), n, UNBOUNDED));
      long[] b = open(d.client(), d.server());
      for (int i = 0; i < n; i++) assertEquals(x[i] >= 0 ? 1 : 0, b[i]);
      long[] w = new long[5 * 31];
      for (int i = 0; i < w.length; i++) w[i] = rnd.nextLong() >> 3; // pairwise differences stay in range
      checkMaxPool(net, w, 5, 31, rnd, batch);
      long[] v = new long[7 * 20];
      for (int i = 0; i < v.length; i++) v[i] = rnd.nextInt(3);
      long[][] vs = share(v, rnd);
      var a = ThreeParty.over(net).seed(1).batch(batch).run(s -> PORTHOS.argMax(s, of(s, vs), 7, 20, UNBOUNDED));
      assertArrayEquals(io.musketeer.core.RingOps.argMax(new io.musketeer.core.RingTensor(io.musketeer.core.Shape.of(7, 20), v), 1),
          open(a.client(), a.server()));
    }
  }
}
