package io.musketeer.mpc.protocol.porthos;

import static io.musketeer.mpc.testkit.ThreeParty.of;
import static io.musketeer.mpc.testkit.ThreeParty.open;
import static io.musketeer.mpc.testkit.ThreeParty.share;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.protocol.Comparison;
import io.musketeer.mpc.testkit.ThreeParty;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The smallest shapes the comparison stack accepts (a 1x1 pooling window, argmax over one value, no windows) and PrivateCompare's input checks. */
class PorthosEdgesTest {
  private static final Comparison PORTHOS = Porthos.INSTANCE;
  private static final int UNBOUNDED = Comparison.UNBOUNDED;

  @Test
  void aOneSlotWindowIsItsOwnMaximumAndNoWindowsIsNoWork() {
    Random rnd = new Random(21);
    long[] v = {5, -7, 0, 1L << 40};
    long[][] vs = share(v, rnd);
    var r = ThreeParty.run(s -> PORTHOS.maxPool(s, of(s, vs), 1, 4, UNBOUNDED));
    assertArrayEquals(v, open(r.client(), r.server()));
    assertEquals(0, r.traffic(Party.CLIENT).bytesSent(), "one slot needs no comparison");
    var none = ThreeParty.run(s -> PORTHOS.maxPool(s, s.isHelper() ? null : new long[0], 3, 0, UNBOUNDED));
    assertEquals(0, none.client().length);
    assertEquals(0, none.traffic(Party.HELPER).bytesSent());
  }

  @Test
  void argMaxOverOneValueIsIndexZero() {
    Random rnd = new Random(22);
    long[][] xs = share(new long[] {9, -9, 3}, rnd);
    var r = ThreeParty.run(s -> PORTHOS.argMax(s, of(s, xs), 3, 1, UNBOUNDED));
    assertArrayEquals(new long[] {0, 0, 0}, open(r.client(), r.server()));
    var none = ThreeParty.run(s -> PORTHOS.argMax(s, s.isHelper() ? null : new long[0], 0, 3, UNBOUNDED));
    assertEquals(0, none.client().length, "no rows");
  }

  @Test
  void selectRefusesAnAlternativeOfTheWrongLength() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ThreeParty.run(
        s -> PORTHOS.select(s, s.isHelper() ? null : new long[4], s.isHelper() ? null : new long[4], s.isHelper() ? null : new long[3], 4)));
    assertTrue(e.getMessage().startsWith("share array has"), e.getMessage());
  }

  @Test
  void privateCompareRefusesInputsShorterThanN() {
    int n = 4;
    byte[] shortBits = new byte[64 * n - 1], bits = new byte[64 * n], beta = new byte[n];
    long[] r = new long[n];
    for (ThreeParty.PartyFn<Object> call : java.util.List.<ThreeParty.PartyFn<Object>>of(
        s -> PrivateCompare.run(s, s.isHelper() ? null : shortBits, s.isHelper() ? null : r, s.isHelper() ? null : beta, n),
        s -> PrivateCompare.run(s, s.isHelper() ? null : bits, s.isHelper() ? null : new long[n - 1], s.isHelper() ? null : beta, n),
        s -> PrivateCompare.run(s, s.isHelper() ? null : bits, s.isHelper() ? null : r, s.isHelper() ? null : new byte[n - 1], n))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ThreeParty.run(call));
      assertTrue(e.getMessage().startsWith("PrivateCompare inputs do not match n"), e.getMessage());
    }
  }

  @Test
  void aBatchOfOneComparisonAtATimeGivesTheSameResultsAndZeroIsRefused() {
    Random rnd = new Random(23);
    long[] x = {-3, 0, 7, -(1L << 40), 1L << 40};
    long[][] xs = share(x, rnd);
    var r = ThreeParty.over(ThreeParty.Net.MEMORY).batch(1).run(s -> {
      assertEquals(1, s.batchSize());
      return PORTHOS.relu(s, of(s, xs), x.length, UNBOUNDED);
    });
    long[] y = open(r.client(), r.server());
    for (int i = 0; i < x.length; i++) assertEquals(Math.max(x[i], 0), y[i], "element " + i);
    var whole = ThreeParty.run(s -> PORTHOS.relu(s, of(s, xs), x.length, UNBOUNDED));
    assertArrayEquals(y, open(whole.client(), whole.server()));
    assertEquals(5 * whole.traffic(Party.CLIENT).rounds(), r.traffic(Party.CLIENT).rounds(), "five batches, each with a whole batch's flights");
    assertThrows(IllegalArgumentException.class, () -> ThreeParty.over(ThreeParty.Net.MEMORY).batch(0).run(s -> null));
  }

  @Test
  void aRevealedTruncationChecksItsBound() {
    for (int bad : new int[] {0, 64}) {
      assertThrows(IllegalArgumentException.class, () -> PORTHOS.truncateRevealed(null, null, 0, 12, bad));
    }
  }
}
