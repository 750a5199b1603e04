package io.musketeer.mpc.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.testkit.ThreeParty.Net;
import org.junit.jupiter.api.Timeout;

/** The harness itself: values and traffic come back per party, and a failing party neither hangs the others nor hides its error. */
@Timeout(30)
class ThreePartyTest {
  @BothTransports
  void valuesAndTrafficPerParty(Net net) {
    var r = ThreeParty.over(net).run(s -> {
      if (s.isClient()) s.net().send(Party.HELPER, 7, new long[] {41});
      if (s.isHelper()) return s.net().receiveLongs(Party.CLIENT, 7, 1)[0] + 1;
      return null;
    });
    assertEquals(42L, r.helper());
    assertEquals(null, r.client());
    assertEquals(8 + 16, r.traffic(Party.CLIENT).bytesSent());
    assertEquals(8 + 16, r.traffic(Party.HELPER).bytesReceived());
  }

  @BothTransports
  void theFirstFailureIsRethrownAndTheOthersAreReleased(Net net) {
    long start = System.nanoTime();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ThreeParty.over(net).run(s -> {
      if (s.isServer()) throw new IllegalStateException("server gives up");
      return s.net().receiveLongs(Party.SERVER, 7, 1); // would wait 20 s for a frame that never comes
    }));
    assertEquals("server gives up", e.getMessage());
    assertTrue(System.nanoTime() - start < 10_000_000_000L, "the waiting parties were released when the server failed");
  }

  @BothTransports
  void seedsAreFixedPerTag(Net net) {
    var a = ThreeParty.over(net).seed(5).run(s -> s.random().own("x", 0).nextLong());
    var b = ThreeParty.over(net).seed(5).run(s -> s.random().own("x", 0).nextLong());
    var c = ThreeParty.over(net).seed(6).run(s -> s.random().own("x", 0).nextLong());
    assertEquals(a.values(), b.values());
    assertTrue(!a.client().equals(c.client()));
  }
}
