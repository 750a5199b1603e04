package io.musketeer.mpc.protocol;

import static io.musketeer.mpc.testkit.ThreeParty.of;
import static io.musketeer.mpc.testkit.ThreeParty.open;
import static io.musketeer.mpc.testkit.ThreeParty.share;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.musketeer.core.ConvGeometry;
import io.musketeer.core.RingKernels;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.TrafficStats;
import io.musketeer.mpc.testkit.BothTransports;
import io.musketeer.mpc.testkit.ThreeParty;
import io.musketeer.mpc.testkit.ThreeParty.Net;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BeaverTest {
  static final long[] EDGES = {0, 1, -1, 2, -2, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 62, -(1L << 62)};

  static long[] values(int n, Random rnd) {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) v[i] = i < EDGES.length ? EDGES[(i * 7 + n) % EDGES.length] : rnd.nextLong();
    return v;
  }

  @BothTransports
  void multiplyMatchesCleartextWithWrapping(Net net) {
    Random rnd = new Random(1);
    for (int n : new int[] {1, 7, 129, 1000}) {
      long[] x = values(n, rnd), y = values(n, rnd);
      for (int i = 0; i < Math.min(n, EDGES.length); i++) y[i] = EDGES[EDGES.length - 1 - i];
      long[][] xs = share(x, rnd), ys = share(y, rnd);
      var r = ThreeParty.over(net).run(s -> Beaver.multiply(s, of(s, xs), of(s, ys), n));
      assertNull(r.helper());
      long[] z = open(r.client(), r.server());
      for (int i = 0; i < n; i++) assertEquals(x[i] * y[i], z[i], "element " + i);
      // Exact traffic: each share holder sends E,F (2n longs) in one message, the helper C1 (n longs).
      assertEquals(16L * n + 16, r.traffic(Party.CLIENT).bytesSent());
      assertEquals(16L * n + 16, r.traffic(Party.SERVER).bytesSent());
      assertEquals(8L * n + 16, r.traffic(Party.HELPER).bytesSent());
      assertEquals(1, r.traffic(Party.CLIENT).rounds());
      assertEquals(1, r.traffic(Party.HELPER).rounds());
    }
  }

  @BothTransports
  void trivialInputSharesWork(Net net) {
    Random rnd = new Random(2);
    int n = 7;
    long[] x = values(n, rnd), w = values(n, rnd);
    var r = ThreeParty.over(net).run(s -> {
      long[] xs = Reveal.clientInput(s, s.isClient() ? x : null, n);
      long[] ws = Reveal.serverInput(s, s.isServer() ? w : null, n);
      return Reveal.toClient(s, Beaver.multiply(s, xs, ws, n));
    });
    for (int i = 0; i < n; i++) assertEquals(x[i] * w[i], r.client()[i]);
    assertNull(r.server());
  }

  @BothTransports
  void matmulMatchesCleartext(Net net) {
    Random rnd = new Random(3);
    int[][] dims = {{1, 1, 1}, {3, 7, 5}, {7, 1, 129}, {16, 33, 9}};
    for (int[] d : dims) {
      int m = d[0], k = d[1], n = d[2];
      long[] x = values(m * k, rnd), y = values(k * n, rnd);
      long[][] xs = share(x, rnd), ys = share(y, rnd);
      var r = ThreeParty.over(net).run(s -> Beaver.matmul(s, of(s, xs), of(s, ys), m, k, n));
      assertArrayEquals(RingKernels.matmul(x, y, m, k, n), open(r.client(), r.server()));
      assertEquals(8L * (m * k + k * n) + 16, r.traffic(Party.CLIENT).bytesSent());
      assertEquals(8L * (m * k + k * n) + 16, r.traffic(Party.SERVER).bytesSent());
      assertEquals(8L * m * n + 16, r.traffic(Party.HELPER).bytesSent());
    }
  }

  @BothTransports
  void convIsConvOptiWithUnreshapedMasks(Net net) {
    Random rnd = new Random(4);
    ConvGeometry[] gs = {
        new ConvGeometry(1, 5, 7, 3, 3, 3, 4, 1, 1, 1, 1, 1, 1, 1),
        new ConvGeometry(2, 9, 9, 4, 5, 5, 2, 2, 2, 2, 2, 1, 2, 1),
        new ConvGeometry(1, 6, 6, 4, 1, 1, 6, 2, 2, 0, 0, 0, 0, 2),
        new ConvGeometry(1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1)};
    for (ConvGeometry g : gs) {
      int nx = g.inputShape().size(), nw = g.filterShape().size(), ny = g.outputShape().size();
      long[] x = values(nx, rnd), w = values(nw, rnd);
      long[][] xs = share(x, rnd), ws = share(w, rnd);
      var r = ThreeParty.over(net).run(s -> Beaver.conv2d(s, of(s, xs), of(s, ws), g));
      assertArrayEquals(RingKernels.conv2d(x, w, g), open(r.client(), r.server()), g.toString());
      TrafficStats.Snapshot c = r.traffic(Party.CLIENT);
      assertEquals(8L * (nx + nw) + 16, c.bytesSent());
      assertEquals(8L * (nx + nw) + 16, r.traffic(Party.SERVER).bytesSent());
      assertEquals(8L * ny + 16, r.traffic(Party.HELPER).bytesSent());
      assertEquals(1, c.messagesSent());
    }
  }

  @BothTransports
  void freshMasksPerCall(Net net) {
    // Two products of the same inputs send different E,F: masks are never reused.
    long[][] xs = {{5, 6}, {7, 8}};
    var r = ThreeParty.over(net).run(s -> {
      long[] a = Beaver.multiply(s, of(s, xs), of(s, xs), 2);
      long[] b = Beaver.multiply(s, of(s, xs), of(s, xs), 2);
      return new long[][] {a, b};
    });
    assertEquals(open(r.client()[0], r.server()[0])[0], open(r.client()[1], r.server()[1])[0]);
    org.junit.jupiter.api.Assertions.assertNotEquals(r.client()[0][0], r.client()[1][0]);
  }
}
