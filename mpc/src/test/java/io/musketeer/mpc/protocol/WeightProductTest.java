package io.musketeer.mpc.protocol;

import static io.musketeer.mpc.testkit.ThreeParty.of;
import static io.musketeer.mpc.testkit.ThreeParty.open;
import static io.musketeer.mpc.testkit.ThreeParty.share;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.musketeer.core.ConvGeometry;
import io.musketeer.core.RingKernels;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.testkit.BothTransports;
import io.musketeer.mpc.testkit.ThreeParty;
import io.musketeer.mpc.testkit.ThreeParty.Net;
import java.util.Random;

/** One-sided products with the server's weights: correct, and the traffic of the class comment. */
class WeightProductTest {
  static long[] random(int n, Random rnd) {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) v[i] = rnd.nextLong();
    return v;
  }

  @BothTransports
  void matmulAndConvByServerWeights(Net net) {
    Random rnd = new Random(4);
    int m = 3, k = 37, n = 11;
    long[] x = random(m * k, rnd), w = random(k * n, rnd);
    ConvGeometry geo = new ConvGeometry(1, 9, 8, 5, 3, 3, 7, 2, 1, 1, 1, 0, 1, 1);
    long[] cx = random(geo.inputShape().size(), rnd), cw = random(geo.filterShape().size(), rnd);
    long[][] xs = share(x, rnd), cxs = share(cx, rnd);
    var r = ThreeParty.over(net).run(s -> {
      WeightProduct.Masks masks = new WeightProduct.Masks(false);
      long[] wm = s.isServer() ? w : null, wc = s.isServer() ? cw : null;
      return new long[][] {WeightProduct.matmul(s, masks, 1, of(s, xs), wm, m, k, n), WeightProduct.conv2d(s, masks, 2, of(s, cxs), wc, geo)};
    });
    assertArrayEquals(RingKernels.matmul(x, w, m, k, n), open(r.client()[0], r.server()[0]));
    assertArrayEquals(RingKernels.conv2d(cx, cw, geo), open(r.client()[1], r.server()[1]));
    // client |X|, server |W|, helper |Y|, 16 header bytes a frame
    assertEquals(8L * (m * k + geo.inputShape().size()) + 32, r.traffic(Party.CLIENT).bytesSent());
    assertEquals(8L * (k * n + geo.filterShape().size()) + 32, r.traffic(Party.SERVER).bytesSent());
    assertEquals(8L * (m * n + geo.outputShape().size()) + 32, r.traffic(Party.HELPER).bytesSent());
    assertEquals(2, r.traffic(Party.CLIENT).rounds(), "one flight per product");
  }

  @BothTransports
  void keptMasksAreSentOncePerLayer(Net net) {
    Random rnd = new Random(5);
    int m = 2, k = 20, n = 6;
    long[] w = random(k * n, rnd), x1 = random(m * k, rnd), x2 = random(m * k, rnd);
    long[][] s1 = share(x1, rnd), s2 = share(x2, rnd);
    var r = ThreeParty.over(net).run(s -> {
      WeightProduct.Masks masks = new WeightProduct.Masks(true);
      long[] wm = s.isServer() ? w : null;
      long[] a = WeightProduct.matmul(s, masks, 7, of(s, s1), wm, m, k, n);
      long[] b = WeightProduct.matmul(s, masks, 7, of(s, s2), wm, m, k, n);
      return new long[][] {a, b};
    });
    assertArrayEquals(RingKernels.matmul(x1, w, m, k, n), open(r.client()[0], r.server()[0]));
    assertArrayEquals(RingKernels.matmul(x2, w, m, k, n), open(r.client()[1], r.server()[1]));
    assertEquals(8L * k * n + 16, r.traffic(Party.SERVER).bytesSent(), "the masked weights travel once");
  }
}
