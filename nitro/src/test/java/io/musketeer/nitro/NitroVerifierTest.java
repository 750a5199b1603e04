package io.musketeer.nitro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.attest.AttestationException;
import io.musketeer.mpc.attest.IntegrityProvider;
import io.musketeer.mpc.attest.Policy;
import io.musketeer.mpc.net.Fingerprint;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Nitro verifier on a real attestation document (see src/test/resources/.../README.md for its
 * source and licence), verified at its own time, and on documents made under a test PKI through the
 * same code path: tampered, wrong PCR, broken chain, wrong root, expired, bound to another session.
 */
class NitroVerifierTest {
  static final String PCR3 = "639a8b65f68b0223cbb14a0032487e5656d260434e3d1a10e7ec1407fb86143860717fc8afee90df7a1604111709af46";
  static final String PCR4 = "9ab5a1aba055ee41ee254b9b251a58259b29fa1096859762744e9ac73b5869b25e51223854d9f86adbb37fe69f3e5d1c";
  /** The document's own timestamp (2024-11-14 23:46:29.450 UTC), when its signing certificate was valid. */
  static final Instant REAL_TIME = Instant.ofEpochMilli(1731627989450L);

  static byte[] realDocument() throws IOException {
    try (InputStream in = NitroVerifierTest.class.getResourceAsStream("real-attestation-document.hex")) {
      return HexFormat.of().parseHex(new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip());
    }
  }

  static NitroVerifier verifier(String policy) {
    return NitroVerifier.of(Policy.parse(policy, "test policy"));
  }

  static final String REAL_POLICY = "nitro.pcr3.server = " + PCR3 + "\nnitro.pcr4.server = " + PCR4 + "\n";

  @Test
  void aRealDocumentVerifiesAgainstTheAwsRootAtItsOwnTime() throws IOException {
    AttestationDocument d = verifier(REAL_POLICY).verifyDocument(Party.SERVER, realDocument(), REAL_TIME);
    assertEquals(REAL_TIME, d.timestamp());
    assertEquals(NitroProvider.AWS_ROOT_G1, Fingerprint.of(d.cabundle().get(0)));
    assertEquals(32, d.userData().length);
    assertEquals(0, d.nonce().length);
    assertEquals(NitroProvider.AWS_ROOT_G1, Fingerprint.of(NitroProvider.awsRoot()));
  }

  @Test
  void aRealDocumentWithOneBitChangedIsRefused() throws IOException {
    byte[] doc = realDocument();
    for (int at : new int[] {200, 2000, 4300, doc.length - 10}) { // PCRs, certificate, user data, signature
      byte[] t = doc.clone();
      t[at] ^= 0x10;
      AttestationException e = assertThrows(AttestationException.class, () -> verifier(REAL_POLICY).verifyDocument(Party.SERVER, t, REAL_TIME));
      assertTrue(e.getMessage().contains("invalid signature") || e.getMessage().contains("malformed") || e.getMessage().contains("PCR")
          || e.getMessage().contains("chain"), "byte " + at + ": " + e.getMessage());
    }
  }

  @Test
  void aRealDocumentWithAnotherPcrInThePolicyIsRefused() throws IOException {
    String wrong = PCR3.replace('6', '7');
    AttestationException e = assertThrows(AttestationException.class,
        () -> verifier("nitro.pcr3.server = " + wrong + "\n").verifyDocument(Party.SERVER, realDocument(), REAL_TIME));
    assertEquals("the server's PCR3 is " + PCR3 + ", the policy expects " + wrong + ": another enclave image, kernel or application", e.getMessage());
    e = assertThrows(AttestationException.class, () -> verifier("").verifyDocument(Party.SERVER, realDocument(), REAL_TIME));
    assertTrue(e.getMessage().startsWith("the policy names no PCR for the server"), e.getMessage());
  }

  @Test
  void aRealDocumentLaterThanItsCertificateOrItsMaximumAgeIsRefused() throws IOException {
    AttestationException e = assertThrows(AttestationException.class,
        () -> verifier(REAL_POLICY).verifyDocument(Party.SERVER, realDocument(), REAL_TIME.plus(Duration.ofDays(1))));
    assertTrue(e.getMessage().contains("expired"), e.getMessage());
    e = assertThrows(AttestationException.class,
        () -> verifier(REAL_POLICY + "nitro.max-age = 60\n").verifyDocument(Party.SERVER, realDocument(), REAL_TIME.plus(Duration.ofMinutes(5))));
    assertTrue(e.getMessage().contains("more than 60 s before now") && e.getMessage().contains("expired or replayed"), e.getMessage());
  }

  @Test
  void aRealDocumentUnderAnotherTrustedRootIsRefused() throws IOException {
    Fingerprint other = Fingerprint.of(new TestNitro().root);
    AttestationException e = assertThrows(AttestationException.class,
        () -> verifier(REAL_POLICY + "nitro.root = " + other + "\n").verifyDocument(Party.SERVER, realDocument(), REAL_TIME));
    assertEquals("the server's attestation document chains to root " + NitroProvider.AWS_ROOT_G1 + ", the policy trusts " + other
        + ": wrong trust root", e.getMessage());
  }

  // ------------------------------------------------------------ documents under a test PKI

  static IntegrityProvider.Binding binding(int seed) {
    byte[] r = new byte[64], n = new byte[32], k = new byte[91];
    java.util.Arrays.fill(r, (byte) seed);
    java.util.Arrays.fill(n, (byte) (seed + 1));
    java.util.Arrays.fill(k, (byte) (seed + 2));
    return new IntegrityProvider.Binding(r, n, k);
  }

  static String testPolicy(TestNitro pki) {
    return "nitro.root = " + Fingerprint.of(pki.root) + "\nnitro.pcr0.helper = " + "05".repeat(48) + "\nnitro.pcr2.helper = " + "07".repeat(48) + "\n";
  }

  @Test
  void aSessionDocumentVerifiesAndMustBeBoundToThisSession() {
    TestNitro pki = new TestNitro();
    IntegrityProvider.Binding b = binding(1);
    byte[] doc = pki.document(TestNitro.pcrs(5), b.reportData(), b.nonce(), b.publicKey(), Instant.now());
    NitroVerifier v = verifier(testPolicy(pki));
    v.verify(Party.HELPER, doc, b, Instant.now());
    AttestationException e = assertThrows(AttestationException.class, () -> v.verify(Party.HELPER, doc, binding(9), Instant.now()));
    assertTrue(e.getMessage().contains("is bound to another session or channel"), e.getMessage());
    // the same document for another role meets that role's PCRs, or none
    e = assertThrows(AttestationException.class, () -> v.verify(Party.CLIENT, doc, b, Instant.now()));
    assertTrue(e.getMessage().startsWith("the policy names no PCR for the client"), e.getMessage());
  }

  @Test
  void aBrokenChainIsRefused() {
    TestNitro pki = new TestNitro();
    IntegrityProvider.Binding b = binding(1);
    NitroVerifier v = verifier(testPolicy(pki));
    Instant now = Instant.now();
    // the intermediate left out of the bundle
    byte[] missing = TestNitro.document(TestNitro.pcrs(5), b.reportData(), b.nonce(), b.publicKey(), now, pki.leaf, java.util.List.of(pki.root), pki.leafKey);
    assertTrue(assertThrows(AttestationException.class, () -> v.verify(Party.HELPER, missing, b, now)).getMessage().contains("broken certificate chain"));
    // a signing certificate issued by a key outside the chain, with the intermediate's name
    var rogueKey = TestNitro.keyPair();
    var rogueLeaf = TestNitro.cert("CN=test enclave", pki.leafKey, "CN=test nitro intermediate", rogueKey, false, now.minus(Duration.ofHours(1)),
        now.plus(Duration.ofHours(1)));
    byte[] rogue = TestNitro.document(TestNitro.pcrs(5), b.reportData(), b.nonce(), b.publicKey(), now, rogueLeaf, java.util.List.of(pki.root, pki.inter),
        pki.leafKey);
    assertTrue(assertThrows(AttestationException.class, () -> v.verify(Party.HELPER, rogue, b, now)).getMessage().contains("broken certificate chain"));
    // signed with a key that is not the signing certificate's
    byte[] forged = TestNitro.document(TestNitro.pcrs(5), b.reportData(), b.nonce(), b.publicKey(), now, pki.leaf, java.util.List.of(pki.root, pki.inter),
        rogueKey);
    assertTrue(assertThrows(AttestationException.class, () -> v.verify(Party.HELPER, forged, b, now)).getMessage().contains("invalid signature"));
  }

  @Test
  void aWrongPcrATamperedOrAnExpiredTestDocumentIsRefused() {
    TestNitro pki = new TestNitro();
    IntegrityProvider.Binding b = binding(1);
    NitroVerifier v = verifier(testPolicy(pki));
    byte[] otherImage = pki.document(TestNitro.pcrs(6), b.reportData(), b.nonce(), b.publicKey(), Instant.now());
    assertTrue(assertThrows(AttestationException.class, () -> v.verify(Party.HELPER, otherImage, b, Instant.now())).getMessage()
        .startsWith("the helper's PCR0 is " + "06".repeat(48)));
    byte[] good = pki.document(TestNitro.pcrs(5), b.reportData(), b.nonce(), b.publicKey(), Instant.now());
    byte[] tampered = good.clone();
    int at = indexOf(tampered, b.reportData());
    tampered[at] ^= 1;
    assertTrue(assertThrows(AttestationException.class, () -> v.verify(Party.HELPER, tampered, b, Instant.now())).getMessage().contains("invalid signature"));
    TestNitro old = new TestNitro(Instant.now().minus(Duration.ofDays(2)), Instant.now().minus(Duration.ofDays(1)));
    byte[] expired = old.document(TestNitro.pcrs(5), b.reportData(), b.nonce(), b.publicKey(), Instant.now().minus(Duration.ofDays(1)).minusSeconds(60));
    NitroVerifier vOld = verifier(testPolicy(old));
    assertTrue(assertThrows(AttestationException.class, () -> vOld.verify(Party.HELPER, expired, b, Instant.now())).getMessage().contains("expired"));
    assertTrue(assertThrows(AttestationException.class, () -> v.verify(Party.HELPER, new byte[] {1, 2, 3}, b, Instant.now())).getMessage()
        .contains("malformed"));
  }

  @Test
  void theAttesterAsksTheSecureModuleForABoundDocument() {
    TestNitro pki = new TestNitro();
    IntegrityProvider.Binding b = binding(3);
    // a stand-in for /dev/nsm that answers as the NSM does, signing under the test PKI
    NsmAttester.Device nsm = request -> {
      var fields = (com.authlete.cbor.CBORPairList) ((com.authlete.cbor.CBORPairList) new com.authlete.cbor.CBORDecoder(request).next())
          .findByKey("Attestation").getValue();
      byte[] doc = pki.document(TestNitro.pcrs(5), bytes(fields, "user_data"), bytes(fields, "nonce"), bytes(fields, "public_key"), Instant.now());
      return new com.authlete.cbor.CBORPairList(new com.authlete.cbor.CBORPair(new com.authlete.cbor.CBORString("Attestation"),
          new com.authlete.cbor.CBORPairList(new com.authlete.cbor.CBORPair(new com.authlete.cbor.CBORString("document"),
              new com.authlete.cbor.CBORByteArray(doc))))).encode();
    };
    byte[] doc = new NsmAttester(nsm).attest(b);
    verifier(testPolicy(pki)).verify(Party.HELPER, doc, b, Instant.now());
    AttestationException e = assertThrows(AttestationException.class, () -> NsmAttester.document(new com.authlete.cbor.CBORPairList(
        new com.authlete.cbor.CBORPair(new com.authlete.cbor.CBORString("Error"), new com.authlete.cbor.CBORString("InvalidArgument"))).encode()));
    assertEquals("the Nitro Secure Module answered with an error: InvalidArgument", e.getMessage());
  }

  @Test
  void outsideAnEnclaveTheAttesterSaysWhatIsMissing() {
    org.junit.jupiter.api.Assumptions.assumeFalse(java.nio.file.Files.exists(NsmAttester.DEVICE), "inside an enclave");
    AttestationException e = assertThrows(AttestationException.class, () -> new NitroProvider().attester(Map.of()));
    assertTrue(e.getMessage().contains("/dev/nsm"), e.getMessage());
    assertEquals("nitro", IntegrityProvider.named("nitro").name());
  }

  static byte[] bytes(com.authlete.cbor.CBORPairList m, String key) {
    return m.findByKey(key).getValue() instanceof com.authlete.cbor.CBORByteArray b ? b.getValue() : new byte[0];
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
      return i;
    }
    throw new AssertionError("not found");
  }
}
