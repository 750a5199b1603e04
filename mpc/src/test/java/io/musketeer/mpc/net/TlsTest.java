package io.musketeer.mpc.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.testkit.ThreeParty;
import io.musketeer.mpc.testkit.ThreeParty.Net;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** TLS links: the same frames and counts as plaintext, and every way a certificate can be wrong refused before a share is sent. */
@Timeout(120)
class TlsTest {
  private static final Timeouts SHORT = ThreeParty.testTimeouts().withConnectTimeout(Duration.ofSeconds(2));

  @Test
  void tlsCarriesTheSameFramesAndCountsAsInMemory() {
    Map<Party, TrafficStats.Snapshot> tls, mem;
    try (ThreeParty.Connected n = ThreeParty.connect(Net.TLS)) {
      ThreeParty.parallel(p -> TcpTransportTest.script(n.get(p)));
      tls = ThreeParty.parallel(p -> n.get(p).stats().snapshot());
    }
    try (ThreeParty.Connected n = ThreeParty.connect(Net.MEMORY)) {
      ThreeParty.parallel(p -> TcpTransportTest.script(n.get(p)));
      mem = ThreeParty.parallel(p -> n.get(p).stats().snapshot());
    }
    assertEquals(mem, tls);
  }

  @Test
  void bothEndsOfALinkShareItsBindingAndNoOtherLinkHasIt() {
    List<byte[]> all = new java.util.ArrayList<>();
    for (int session = 0; session < 2; session++) {
      try (ThreeParty.Connected n = ThreeParty.connect(Net.TLS)) {
        for (Party a : Party.values()) {
          for (Party b : Party.values()) {
            if (a.ordinal() >= b.ordinal()) continue;
            byte[] ab = n.get(a).channelBinding(b);
            assertEquals(TlsSecurity.BINDING_BYTES, ab.length);
            assertArrayEquals(ab, n.get(b).channelBinding(a), a.label() + "-" + b.label());
            all.add(ab);
          }
        }
      }
    }
    for (int i = 0; i < all.size(); i++) {
      for (int j = i + 1; j < all.size(); j++) assertFalse(Arrays.equals(all.get(i), all.get(j)), "links " + i + " and " + j);
    }
    if (Runtime.version().feature() >= 25) assertTrue(TlsSecurity.hasExporter(), "JDK 25 has the TLS exporter");
  }

  @Test
  void theCertificateBindingIsSymmetric() {
    byte[] a = {1, 2, 3}, b = {1, 2, 4};
    assertArrayEquals(TlsSecurity.certificateBinding(a, b), TlsSecurity.certificateBinding(b, a));
    assertFalse(Arrays.equals(TlsSecurity.certificateBinding(a, b), TlsSecurity.certificateBinding(a, a)));
  }

  // ---------------------------------------------------------------- refusals

  /** One party's view: its peers file and its own key (null: plaintext). */
  private record Setup(Peers peers, PartyKey key) {
    LinkSecurity security() {
      return key == null ? LinkSecurity.plaintext() : new TlsSecurity(key, peers);
    }
  }

  /**
   * Runs set-up for the parties in {@code setups} (server and helper listening on fresh ports,
   * patched into every peers file) and returns each party's outcome: its transport or its error.
   */
  private static Map<Party, Object> connect(Map<Party, Setup> setups) {
    Map<Party, LinkSecurity> security = new EnumMap<>(Party.class);
    setups.forEach((p, s) -> security.put(p, s.security()));
    Map<Party, ServerSocket> listeners = new EnumMap<>(Party.class);
    int[] ports = new int[3];
    for (Party p : new Party[] {Party.SERVER, Party.HELPER}) {
      ServerSocket ss = ThreeParty.listen();
      ports[p.ordinal()] = ss.getLocalPort();
      if (setups.containsKey(p)) listeners.put(p, ss);
    }
    Map<Party, Object> out = ThreeParty.outcomes(p -> {
      Setup s = setups.get(p);
      if (s == null) return null;
      Peers peers = new Peers(s.peers().client(), new Peers.Address("127.0.0.1", ports[1]), new Peers.Address("127.0.0.1", ports[2]), s.peers().pins());
      return TcpTransport.connect(new Connector(p, peers, SHORT, security.get(p)), listeners.get(p));
    });
    for (Object o : out.values()) if (o instanceof Transport t) t.close();
    return out;
  }

  private static Map<Party, Setup> everyone(ThreeParty.Keys keys, Function<Party, Setup> change) {
    Map<Party, Setup> m = new EnumMap<>(Party.class);
    for (Party p : Party.values()) {
      Setup custom = change.apply(p);
      m.put(p, custom != null ? custom : new Setup(keys.pins(), keys.keys().get(p)));
    }
    return m;
  }

  private static String error(Map<Party, Object> out, Party p) {
    return assertInstanceOf(TransportException.class, out.get(p), p.label() + " should have failed").getMessage();
  }

  @Test
  void allRightConnects() {
    ThreeParty.Keys keys = ThreeParty.Keys.fresh();
    Map<Party, Object> out = connect(everyone(keys, p -> null));
    for (Party p : Party.values()) assertInstanceOf(FramedTransport.class, out.get(p), String.valueOf(out.get(p)));
  }

  /** Keys that musketeer keygen did not make: an RSA certificate is served for the handshake's RSA signature schemes. */
  @Test
  void anRsaKeyConnects() throws Exception {
    ThreeParty.Keys keys = ThreeParty.Keys.fresh();
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    java.security.KeyPair kp = g.generateKeyPair();
    org.bouncycastle.asn1.x500.X500Name name = new org.bouncycastle.asn1.x500.X500Name("CN=an operator's own RSA key");
    Instant now = Instant.now();
    var cert = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(
        new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(name, java.math.BigInteger.TWO, java.util.Date.from(now.minusSeconds(60)),
            java.util.Date.from(now.plus(Duration.ofDays(1))), name, kp.getPublic())
            .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withRSA").build(kp.getPrivate())));
    PartyKey rsa = new PartyKey(kp.getPrivate(), cert);
    Peers pins = keys.pins().withPins(Party.SERVER, List.of(rsa.fingerprint()));
    Map<Party, Object> out = connect(everyone(keys, p -> new Setup(pins, p == Party.SERVER ? rsa : keys.keys().get(p))));
    for (Party p : Party.values()) assertInstanceOf(FramedTransport.class, out.get(p), String.valueOf(out.get(p)));
  }

  @Test
  void aServerWithAnotherCertificateIsRefusedByTheClientWithBothFingerprints() {
    ThreeParty.Keys keys = ThreeParty.Keys.fresh();
    PartyKey impostor = PartyKey.generate(Party.SERVER, List.of(), PartyKey.DEFAULT_VALIDITY);
    Map<Party, Object> out = connect(everyone(keys, p -> p == Party.SERVER ? new Setup(keys.pins(), impostor) : null));
    String c = error(out, Party.CLIENT);
    assertTrue(c.matches("the server at 127\\.0\\.0\\.1:\\d+ presented certificate " + impostor.fingerprint() + ", the peers file pins "
        + keys.keys().get(Party.SERVER).fingerprint() + java.util.regex.Pattern.quote(TlsSecurity.ANOTHER_MODE)), c);
    // the client refused before its hello: the server never learnt who called
    String s = error(out, Party.SERVER);
    assertFalse(s.contains("says it is"), s);
  }

  @Test
  void aClientWithAnUnpinnedCertificateIsRefusedByServerAndHelper() {
    ThreeParty.Keys keys = ThreeParty.Keys.fresh();
    PartyKey stranger = PartyKey.generate(Party.CLIENT, List.of(), PartyKey.DEFAULT_VALIDITY);
    Map<Party, Object> out = connect(everyone(keys, p -> p == Party.CLIENT ? new Setup(keys.pins(), stranger) : null));
    String s = error(out, Party.SERVER);
    assertTrue(s.matches("the client at /127\\.0\\.0\\.1:\\d+ presented certificate " + stranger.fingerprint() + ", the peers file pins "
        + keys.keys().get(Party.CLIENT).fingerprint() + java.util.regex.Pattern.quote(TlsSecurity.ANOTHER_MODE)), s);
    error(out, Party.CLIENT);
  }

  @Test
  void aPeerWhoseRoleHasNoPinIsRefused() {
    ThreeParty.Keys keys = ThreeParty.Keys.fresh();
    Peers noHelperPin = keys.pins().withPins(Party.HELPER, List.of());
    Map<Party, Object> out = connect(everyone(keys, p -> p == Party.SERVER ? new Setup(noHelperPin, keys.keys().get(p)) : null));
    String s = error(out, Party.SERVER);
    assertTrue(s.startsWith("the peers file pins no certificate for the helper (the helper at 127.0.0.1:"), s);
  }

  @Test
  void anExpiredCertificateIsRefusedWithItsDate() {
    ThreeParty.Keys keys = ThreeParty.Keys.fresh();
    Instant t = Instant.parse("2025-03-01T10:00:00Z");
    PartyKey expired = PartyKey.generate(Party.HELPER, List.of(), t.minus(Duration.ofDays(30)), t);
    Peers pins = keys.pins().withPins(Party.HELPER, List.of(expired.fingerprint()));
    Map<Party, Object> out = connect(everyone(keys, p -> new Setup(pins, p == Party.HELPER ? expired : keys.keys().get(p))));
    // both dial the helper; whichever checks first refuses it, and the helper then gives up on the other
    String pattern = "the helper at 127\\.0\\.0\\.1:\\d+ presented certificate " + expired.fingerprint()
        + ", which expired on 2025-03-01 10:00 UTC; make it a new key \\(musketeer keygen --role helper\\) and pin that in every peers file";
    String c = error(out, Party.CLIENT), s = error(out, Party.SERVER);
    assertTrue(c.matches(pattern) || s.matches(pattern), c + " / " + s);
  }

  @Test
  void aPlaintextClientIsRefusedByATlsServer() {
    ThreeParty.Keys keys = ThreeParty.Keys.fresh();
    Map<Party, Object> out = connect(everyone(keys, p -> p == Party.CLIENT ? new Setup(keys.pins(), null) : null));
    String s = error(out, Party.SERVER);
    assertTrue(s.matches("the peer at /127\\.0\\.0\\.1:\\d+ does not speak TLS \\(is it running with --plaintext\\?\\); run all three parties with TLS "
        + "\\(the default\\) or all with --plaintext"), s);
    String c = error(out, Party.CLIENT);
    assertTrue(c.matches("server at 127\\.0\\.0\\.1:\\d+ speaks TLS, but the client runs with --plaintext; run all three parties with TLS "
        + "\\(the default\\) or all with --plaintext"), c);
  }

  @Test
  void aTlsClientIsRefusedByAPlaintextServer() {
    ThreeParty.Keys keys = ThreeParty.Keys.fresh();
    Map<Party, Object> out = connect(everyone(keys, p -> p == Party.SERVER ? new Setup(keys.pins(), null) : null));
    String s = error(out, Party.SERVER);
    assertTrue(s.matches("peer at /127\\.0\\.0\\.1:\\d+ speaks TLS, but the server runs with --plaintext; run all three parties with TLS "
        + "\\(the default\\) or all with --plaintext"), s);
    String c = error(out, Party.CLIENT);
    assertTrue(c.matches("TLS handshake with the server at 127\\.0\\.0\\.1:\\d+ failed \\(.*\\); is it running with --plaintext, .*"), c);
  }
}
