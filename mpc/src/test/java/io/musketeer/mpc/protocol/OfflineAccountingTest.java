package io.musketeer.mpc.protocol;

import static io.musketeer.mpc.testkit.ThreeParty.of;
import static io.musketeer.mpc.testkit.ThreeParty.share;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.ConvGeometry;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.testkit.ThreeParty;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The offline part of the traffic (what BENCHMARKS.md reports as offline bytes) as the protocols
 * report it: every frame the helper sends in a Beaver product is input-independent, so the helper's
 * offline count must equal its whole traffic, frame for frame; the server's masked weights likewise; the
 * time spent producing them is counted and plausible. And the share-length checks of the products.
 */
class OfflineAccountingTest {
  record Meter(long bytes, long messages, double seconds) {
    static Meter of(Session s) {
      return new Meter(s.offline().bytes(), s.offline().messages(), s.offline().seconds());
    }
  }

  @Test
  void theHelpersBeaverDealingIsAllOfItsTrafficAndCountedAsOffline() {
    Random rnd = new Random(8);
    int m = 40, k = 60, n = 50;
    long[][] xs = share(new long[m * k], rnd), ys = share(new long[k * n], rnd), es = share(new long[300], rnd);
    ConvGeometry g = new ConvGeometry(1, 12, 12, 4, 3, 3, 8, 1, 1, 1, 1, 1, 1, 1);
    long[][] cx = share(new long[g.inputShape().size()], rnd), cf = share(new long[g.filterShape().size()], rnd);
    var r = ThreeParty.run(s -> {
      Beaver.matmul(s, of(s, xs), of(s, ys), m, k, n);
      Beaver.conv2d(s, of(s, cx), of(s, cf), g);
      Beaver.multiply(s, of(s, es), of(s, es), 300);
      return Meter.of(s);
    });
    Meter h = r.helper();
    assertEquals(r.traffic(Party.HELPER).bytesSent(), h.bytes(), "the helper's bytes");
    assertEquals(r.traffic(Party.HELPER).messagesSent(), h.messages(), "the helper's frames");
    assertEquals(3, h.messages());
    assertTrue(h.seconds() > 0 && h.seconds() < 60, "time producing the dealing: " + h.seconds() + " s");
    for (Party p : List.of(Party.CLIENT, Party.SERVER)) {
      Meter v = p == Party.CLIENT ? r.client() : r.server();
      assertEquals(0, v.bytes(), p + " sends nothing input-independent in a Beaver product");
      assertEquals(0, v.messages(), p.toString());
    }
  }

  @Test
  void eachKindOfDealingCountsItsTime() {
    Random rnd = new Random(10);
    long[][] xs = share(new long[64 * 64], rnd), es = share(new long[4096], rnd);
    var product = ThreeParty.run(s -> {
      Beaver.matmul(s, of(s, xs), of(s, xs), 64, 64, 64);
      return Meter.of(s);
    });
    var elementwise = ThreeParty.run(s -> {
      Beaver.multiply(s, of(s, es), of(s, es), 4096);
      return Meter.of(s);
    });
    for (Meter h : new Meter[] {product.helper(), elementwise.helper()}) {
      assertEquals(1, h.messages());
      assertTrue(h.seconds() > 0 && h.seconds() < 60, h.seconds() + " s");
    }
  }

  @Test
  void theServersMaskedWeightsAndTheHelpersDealingAreOffline() {
    Random rnd = new Random(9);
    int m = 3, k = 30, n = 20;
    long[] w = new long[k * n];
    long[][] xs = share(new long[m * k], rnd);
    var r = ThreeParty.run(s -> {
      WeightProduct.Masks masks = new WeightProduct.Masks(false);
      WeightProduct.matmul(s, masks, 1, of(s, xs), s.isServer() ? w : null, m, k, n);
      return Meter.of(s);
    });
    assertEquals(8L * k * n + 16, r.server().bytes(), "the masked weights");
    assertEquals(1, r.server().messages());
    assertEquals(r.traffic(Party.HELPER).bytesSent(), r.helper().bytes());
    assertEquals(1, r.helper().messages());
    assertTrue(r.helper().seconds() > 0 && r.helper().seconds() < 60, r.helper().seconds() + " s");
    assertEquals(0, r.client().bytes(), "the client's masked input depends on the input");
  }

  @Test
  void productsRefuseSharesOfTheWrongLength() {
    List<ThreeParty.PartyFn<Object>> calls = List.of(
        s -> Beaver.matmul(s, s.isHelper() ? null : new long[6], s.isHelper() ? null : new long[5], 2, 3, 2),
        s -> Beaver.multiply(s, s.isHelper() ? null : new long[3], s.isHelper() ? null : new long[4], 4),
        s -> WeightProduct.matmul(s, new WeightProduct.Masks(false), 1, s.isHelper() ? null : new long[5], s.isServer() ? new long[6] : null, 2, 3, 2),
        s -> WeightProduct.matmul(s, new WeightProduct.Masks(false), 1, s.isHelper() ? null : new long[6], s.isServer() ? new long[5] : null, 2, 3, 2),
        s -> WeightProduct.matmul(s, new WeightProduct.Masks(false), 1, s.isServer() ? new long[5] : s.isClient() ? new long[6] : null,
            s.isServer() ? new long[6] : null, 2, 3, 2));
    for (ThreeParty.PartyFn<Object> call : calls) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ThreeParty.run(call));
      assertTrue(e.getMessage().startsWith("share array has"), e.getMessage());
    }
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> Beaver.checkLength(null, 3));
    assertEquals("share array has no elements, expected 3", none.getMessage());
  }
}
