package io.musketeer.mpc.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Transport;
import io.musketeer.mpc.net.TransportException;
import io.musketeer.mpc.testkit.ThreeParty;
import io.musketeer.mpc.testkit.ThreeParty.Net;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class KeyAgreementTest {
  private static Map<Party, Map<Party, byte[]>> agree(ThreeParty.Connected n, String context) {
    return ThreeParty.parallel(p -> KeyAgreement.pairSeeds(n.get(p), context));
  }

  /** The three pair seeds, checking that both ends of each pair derived the same one. */
  private static List<byte[]> pairSeeds(Map<Party, Map<Party, byte[]>> s) {
    List<byte[]> out = new ArrayList<>();
    for (Party a : Party.values()) {
      for (Party b : Party.values()) {
        if (a.ordinal() >= b.ordinal()) continue;
        byte[] ab = s.get(a).get(b);
        assertEquals(32, ab.length);
        assertArrayEquals(ab, s.get(b).get(a), a.label() + " and " + b.label() + " disagree");
        out.add(ab);
      }
    }
    return out;
  }

  private static void assertAllDistinct(List<byte[]> seeds) {
    for (int i = 0; i < seeds.size(); i++) {
      for (int j = i + 1; j < seeds.size(); j++) assertFalse(Arrays.equals(seeds.get(i), seeds.get(j)), "seeds " + i + " and " + j + " are equal");
    }
  }

  @Test
  void bothEndsOfEachPairAgreeAndThePairsDiffer() {
    try (ThreeParty.Connected n = ThreeParty.connect(Net.MEMORY)) {
      Map<Party, Map<Party, byte[]>> s = agree(n, "program 1a2b");
      List<byte[]> seeds = pairSeeds(s);
      assertAllDistinct(seeds);
      // the helper holds exactly its two seeds, neither of which is the client-server seed
      assertEquals(2, s.get(Party.HELPER).size());
      byte[] clientServer = s.get(Party.CLIENT).get(Party.SERVER);
      for (byte[] h : s.get(Party.HELPER).values()) assertFalse(Arrays.equals(h, clientServer));
    }
  }

  @Test
  void everySessionGetsFreshSeeds() {
    List<byte[]> all = new ArrayList<>();
    try (ThreeParty.Connected n = ThreeParty.connect(Net.MEMORY)) {
      all.addAll(pairSeeds(agree(n, "same context")));
      all.addAll(pairSeeds(agree(n, "same context")));
      all.addAll(pairSeeds(agree(n, "another context")));
    }
    assertAllDistinct(all);
  }

  @Test
  void worksOverTcp() {
    try (ThreeParty.Connected n = ThreeParty.connect(Net.TCP)) {
      assertAllDistinct(pairSeeds(agree(n, "tcp session")));
    }
  }

  @Test
  void theRandomnessStreamsAgreeExactlyWithinEachPair() {
    try (ThreeParty.Connected n = ThreeParty.connect(Net.MEMORY)) {
      Map<Party, Randomness> r = ThreeParty.parallel(p -> KeyAgreement.establish(n.get(p), "ctx"));
      for (Party a : Party.values()) {
        for (Party b : Party.values()) {
          if (a == b) continue;
          assertArrayEquals(r.get(a).shared(b, "beaver/a", 7).longs(100), r.get(b).shared(a, "beaver/a", 7).longs(100));
        }
      }
      long[] cs = r.get(Party.CLIENT).shared(Party.SERVER, "x", 1).longs(4);
      assertFalse(Arrays.equals(cs, r.get(Party.HELPER).shared(Party.CLIENT, "x", 1).longs(4)));
      assertFalse(Arrays.equals(cs, r.get(Party.HELPER).shared(Party.SERVER, "x", 1).longs(4)));
      assertFalse(Arrays.equals(r.get(Party.CLIENT).own("x", 1).longs(4), r.get(Party.SERVER).own("x", 1).longs(4)));
      assertEquals("Randomness(client)", r.get(Party.CLIENT).toString());
    }
  }

  @Test
  void anInvalidPublicKeyIsRefused() {
    try (ThreeParty.Connected n = ThreeParty.connect(Net.MEMORY)) {
      Map<Party, Object> out = ThreeParty.outcomes(p -> {
        Transport t = n.get(p);
        if (p == Party.CLIENT) { // sends u = 0, a point of small order: the shared secret would be all zeros
          t.send(Party.SERVER, KeyAgreement.STEP, new byte[32]);
          t.send(Party.HELPER, KeyAgreement.STEP, new byte[32]);
          return null;
        }
        return KeyAgreement.pairSeeds(t, "ctx");
      });
      for (Party p : List.of(Party.SERVER, Party.HELPER)) {
        assertEquals("key agreement with client failed: it sent an invalid public key (a point of small order)",
            assertInstanceOf(TransportException.class, out.get(p)).getMessage());
      }
    }
  }

  /** RFC 7748 section 6.1: both public keys from their private keys, and the shared secret from either side. */
  @Test
  void x25519MatchesRfc7748() {
    HexFormat hex = HexFormat.of();
    byte[] alicePrivate = hex.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    byte[] bobPrivate = hex.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    byte[] alicePublic = KeyAgreement.publicKey(alicePrivate), bobPublic = KeyAgreement.publicKey(bobPrivate);
    assertEquals("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", hex.formatHex(alicePublic));
    assertEquals("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", hex.formatHex(bobPublic));
    String shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
    assertEquals(shared, hex.formatHex(KeyAgreement.agree(bobPrivate, alicePublic)));
    assertEquals(shared, hex.formatHex(KeyAgreement.agree(alicePrivate, bobPublic)));
    assertNull(KeyAgreement.agree(alicePrivate, new byte[32]), "u = 0 has small order: no secret");
    byte[] one = new byte[32];
    one[0] = 1;
    assertNull(KeyAgreement.agree(alicePrivate, one), "u = 1 has small order: no secret");
  }

  @Test
  void hkdfMatchesRfc5869() {
    HexFormat hex = HexFormat.of();
    // test case 1
    assertEquals("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
        hex.formatHex(KeyAgreement.hkdf(hex.parseHex("000102030405060708090a0b0c"), hex.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
            hex.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42)));
    // test case 3: empty salt and info
    assertEquals("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
        hex.formatHex(KeyAgreement.hkdf(new byte[0], hex.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), new byte[0], 42)));
  }

  @Test
  void differentContextsGiveDifferentSeedsFromTheSameSecret() {
    byte[] ikm = new byte[32];
    assertNotEquals(HexFormat.of().formatHex(KeyAgreement.hkdf(new byte[1], ikm, new byte[] {1}, 32)),
        HexFormat.of().formatHex(KeyAgreement.hkdf(new byte[1], ikm, new byte[] {2}, 32)));
  }

  /** A transport that reports {@code binding} as its channel binding to every peer. */
  private static Transport bound(Transport t, byte[] binding) {
    return new Transport() {
      public io.musketeer.mpc.Party self() { return t.self(); }
      public void send(Party to, int step, long[] d, int o, int n) { t.send(to, step, d, o, n); }
      public void send(Party to, int step, byte[] d, int o, int n) { t.send(to, step, d, o, n); }
      public void receive(Party from, int step, long[] d, int o, int n) { t.receive(from, step, d, o, n); }
      public void receive(Party from, int step, byte[] d, int o, int n) { t.receive(from, step, d, o, n); }
      public io.musketeer.mpc.net.TrafficStats stats() { return t.stats(); }
      public byte[] channelBinding(Party peer) { return binding.clone(); }
      public void abort(String reason) { t.abort(reason); }
      public void close() { t.close(); }
    };
  }

  /**
   * The pair seed takes the channel binding: two ends that see different channels (a relay between
   * two TLS connections) get different seeds, so the relay's pair cannot run the protocol.
   */
  @Test
  void seedsAreBoundToTheChannel() {
    try (ThreeParty.Connected n = ThreeParty.connect(Net.MEMORY)) {
      Map<Party, Map<Party, byte[]>> s = ThreeParty.parallel(p ->
          KeyAgreement.pairSeeds(bound(n.get(p), p == Party.CLIENT ? new byte[] {1} : new byte[] {2}), "ctx"));
      assertFalse(Arrays.equals(s.get(Party.CLIENT).get(Party.SERVER), s.get(Party.SERVER).get(Party.CLIENT)),
          "client and server saw different channels but agreed on a seed");
      assertArrayEquals(s.get(Party.SERVER).get(Party.HELPER), s.get(Party.HELPER).get(Party.SERVER), "both saw binding 2");
    }
  }

  @Test
  void worksOverTls() {
    try (ThreeParty.Connected n = ThreeParty.connect(Net.TLS)) {
      assertAllDistinct(pairSeeds(agree(n, "tls session")));
    }
  }
}
