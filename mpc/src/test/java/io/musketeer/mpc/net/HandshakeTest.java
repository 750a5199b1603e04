package io.musketeer.mpc.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.testkit.ThreeParty;
import io.musketeer.mpc.testkit.ThreeParty.Net;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class HandshakeTest {
  private static final String HASH = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809";

  private static ThreeParty.Connected open(String kind) {
    return ThreeParty.connect(kind.equals("tcp") ? Net.TCP : Net.MEMORY);
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "tcp"})
  void equalHashesPass(String kind) {
    try (ThreeParty.Connected n = open(kind)) {
      Map<Party, Object> out = ThreeParty.outcomes(p -> {
        Handshake.verifyProgram(n.get(p), HASH);
        return null;
      });
      for (Party p : Party.values()) assertNull(out.get(p));
      // the links are in step afterwards
      n.get(Party.CLIENT).send(Party.SERVER, 5, new long[] {3});
      assertEquals(3, n.get(Party.SERVER).receiveLongs(Party.CLIENT, 5, 1)[0]);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "tcp"})
  void aDifferentProgramIsRefusedByEveryone(String kind) {
    String other = "5e6f7a8b" + HASH.substring(8);
    try (ThreeParty.Connected n = open(kind)) {
      Map<Party, Object> out = ThreeParty.outcomes(p -> {
        Handshake.verifyProgram(n.get(p), p == Party.SERVER ? other : HASH);
        return null;
      });
      assertEquals("program mismatch with server: our hash 1a2b3c4d…, theirs 5e6f7a8b…; both must run the same model, scale, protocol and comparison batch",
          assertInstanceOf(TransportException.class, out.get(Party.CLIENT)).getMessage());
      assertEquals("program mismatch with server: our hash 1a2b3c4d…, theirs 5e6f7a8b…; both must run the same model, scale, protocol and comparison batch",
          assertInstanceOf(TransportException.class, out.get(Party.HELPER)).getMessage());
      assertEquals("program mismatch with client: our hash 5e6f7a8b…, theirs 1a2b3c4d…; both must run the same model, scale, protocol and comparison batch",
          assertInstanceOf(TransportException.class, out.get(Party.SERVER)).getMessage());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "tcp"})
  void hashesThatDifferLateOrInLengthShowWhereTheyDiffer(String kind) {
    String late = HASH.substring(0, 20) + "ff" + HASH.substring(22);
    String shorter = HASH.substring(0, 40);
    try (ThreeParty.Connected n = open(kind)) {
      Map<Party, Object> out = ThreeParty.outcomes(p -> {
        Handshake.verifyProgram(n.get(p), switch (p) {
          case CLIENT -> HASH;
          case SERVER -> late;
          case HELPER -> shorter;
        });
        return null;
      });
      assertEquals("program mismatch with server: our hash " + HASH.substring(0, 24) + "…, theirs " + late.substring(0, 24)
          + "…; both must run the same model, scale, protocol and comparison batch", ((Exception) out.get(Party.CLIENT)).getMessage());
      assertEquals("program mismatch with client: our hash " + shorter.substring(0, 40) + ", theirs " + HASH.substring(0, 44)
          + "…; both must run the same model, scale, protocol and comparison batch", ((Exception) out.get(Party.HELPER)).getMessage());
    }
  }
}
