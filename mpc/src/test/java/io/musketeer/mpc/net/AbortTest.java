package io.musketeer.mpc.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.testkit.ThreeParty;
import io.musketeer.mpc.testkit.ThreeParty.Net;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A party that gives up tells the peer waiting on it why, over both transports. */
class AbortTest {
  @ParameterizedTest
  @ValueSource(strings = {"memory", "tcp"})
  void theWaitingPeerLearnsTheReason(String kind) {
    try (ThreeParty.Connected n = ThreeParty.connect(kind.equals("tcp") ? Net.TCP : Net.MEMORY)) {
      n.get(Party.HELPER).abort("helper failed: lost connection to server (reset)");
      TransportException e = assertThrows(TransportException.class,
          () -> n.get(Party.CLIENT).receiveLongs(Party.HELPER, Steps.id("test/after-abort"), 4));
      assertEquals("helper stopped: helper failed: lost connection to server (reset)", e.getMessage());
      // the link stays failed
      assertThrows(TransportException.class, () -> n.get(Party.CLIENT).receiveLongs(Party.HELPER, Steps.id("test/again"), 1));
    }
  }
}
