package io.musketeer.nitro;

import com.authlete.cose.COSEException;
import com.authlete.cose.COSEVerifier;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.attest.AttestationException;
import io.musketeer.mpc.attest.IntegrityProvider;
import io.musketeer.mpc.attest.Policy;
import io.musketeer.mpc.net.Fingerprint;
import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Verifies Nitro attestation documents against a policy, in this order: the document's structure;
 * its root ({@code cabundle[0]}) against the trusted root's fingerprint ({@code nitro.root}, by default
 * the AWS Nitro Enclaves root G1); the certificate chain from that root to the signing certificate
 * (PKIX, at the verification time; AWS publishes no revocation for it); the COSE_Sign1 signature
 * (ES384) with the signing certificate's key; the document's age ({@code nitro.max-age} seconds,
 * default 600); the PCRs the policy names for the peer's role ({@code nitro.pcrN.ROLE = HEX ...}, at
 * least one); and last, for a session, its binding: {@code user_data} must be the report data,
 * {@code nonce} the channel binding and {@code public_key} the peer's TLS key.
 */
public final class NitroVerifier implements IntegrityProvider.Verifier {
  static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(10);
  static final Duration SKEW = Duration.ofMinutes(1);
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
  private static final int ES384 = -35;

  private final Fingerprint root;
  private final Duration maxAge;
  private final Map<Party, Map<Integer, List<String>>> pcrs;

  NitroVerifier(Fingerprint root, Duration maxAge, Map<Party, Map<Integer, List<String>>> pcrs) {
    this.root = root;
    this.maxAge = maxAge;
    this.pcrs = pcrs;
  }

  /** The verifier for {@code policy}'s {@code nitro.*} settings. */
  static NitroVerifier of(Policy policy) {
    Fingerprint root;
    Duration maxAge;
    try {
      root = policy.value("nitro.root").map(Fingerprint::parse).orElse(NitroProvider.AWS_ROOT_G1);
      maxAge = policy.value("nitro.max-age").map(s -> Duration.ofSeconds(Long.parseLong(s))).orElse(DEFAULT_MAX_AGE);
    } catch (IllegalArgumentException e) {
      throw new AttestationException("policy " + policy.source() + ": " + e.getMessage());
    }
    Map<Party, Map<Integer, List<String>>> pcrs = new java.util.EnumMap<>(Party.class);
    for (String key : policy.keys("nitro.")) {
      String rest = key.substring("nitro.".length());
      if (rest.equals("root") || rest.equals("max-age")) continue;
      String[] parts = rest.split("\\.");
      if (parts.length != 2 || !parts[0].matches("pcr([0-9]|[12][0-9]|3[01])")) {
        throw new AttestationException("policy " + policy.source() + ": unknown key '" + key + "' (expected nitro.root, nitro.max-age or nitro.pcrN.ROLE)");
      }
      Party role;
      try {
        role = Party.parse(parts[1]);
      } catch (IllegalArgumentException e) {
        throw new AttestationException("policy " + policy.source() + ": " + key + ": " + e.getMessage());
      }
      List<String> values = new ArrayList<>();
      for (String v : policy.values(key)) {
        String hex = v.toLowerCase(java.util.Locale.ROOT);
        if (!hex.matches("([0-9a-f]{2}){32,64}")) throw new AttestationException("policy " + policy.source() + ": " + key + " is not a PCR value in hex: " + v);
        values.add(hex);
      }
      pcrs.computeIfAbsent(role, r -> new TreeMap<>()).put(Integer.parseInt(parts[0].substring(3)), values);
    }
    return new NitroVerifier(root, maxAge, pcrs);
  }

  @Override
  public void verify(Party peer, byte[] evidence, IntegrityProvider.Binding expected, Instant now) {
    AttestationDocument doc = verifyDocument(peer, evidence, now);
    String who = "the " + peer.label() + "'s attestation document";
    if (!Arrays.equals(doc.userData(), expected.reportData()) || !Arrays.equals(doc.nonce(), expected.nonce())
        || !Arrays.equals(doc.publicKey(), expected.publicKey())) {
      throw new AttestationException(who + " is bound to another session or channel (its user_data, nonce or public_key differ from this "
          + "connection's): replayed or relayed evidence");
    }
  }

  /**
   * Everything but the session binding: what a verifier of any Nitro document checks.
   *
   * @throws AttestationException naming what failed
   */
  AttestationDocument verifyDocument(Party peer, byte[] evidence, Instant now) {
    String who = "the " + peer.label() + "'s attestation document";
    AttestationDocument doc;
    try {
      doc = AttestationDocument.parse(evidence);
    } catch (IllegalArgumentException e) {
      throw new AttestationException(who + " is malformed (" + e.getMessage() + ")");
    }
    if (!"SHA384".equals(doc.digest())) throw new AttestationException(who + " uses digest " + printable(doc.digest()) + ", not SHA384");
    X509Certificate docRoot = doc.cabundle().get(0);
    Fingerprint rootPrint = Fingerprint.of(docRoot);
    if (!rootPrint.equals(root)) {
      throw new AttestationException(who + " chains to root " + rootPrint + ", the policy trusts " + root + ": wrong trust root");
    }
    checkChain(who, doc, docRoot, now);
    try {
      Object alg = doc.cose().getProtectedHeader().getAlg();
      if (!(alg instanceof Number n) || n.intValue() != ES384) throw new AttestationException(who + " is signed with COSE algorithm " + alg + ", not ES384");
      if (!new COSEVerifier(doc.certificate().getPublicKey()).verify(doc.cose())) {
        throw new AttestationException(who + " has an invalid signature: it was altered or forged");
      }
    } catch (COSEException e) {
      throw new AttestationException(who + " has an invalid signature: it was altered or forged (" + e.getMessage() + ")");
    }
    if (doc.timestamp().isBefore(now.minus(maxAge))) {
      throw new AttestationException(who + " was made at " + TIME.format(doc.timestamp()) + ", more than " + maxAge.toSeconds()
          + " s before now (" + TIME.format(now) + "): expired or replayed (nitro.max-age)");
    }
    if (doc.timestamp().isAfter(now.plus(SKEW))) {
      throw new AttestationException(who + " was made at " + TIME.format(doc.timestamp()) + ", after now (" + TIME.format(now) + "): is a clock wrong?");
    }
    Map<Integer, List<String>> wanted = pcrs.getOrDefault(peer, Map.of());
    if (wanted.isEmpty()) {
      throw new AttestationException("the policy names no PCR for the " + peer.label() + " (add nitro.pcr0." + peer.label() + " = HEX, the enclave image's "
          + "measurement that nitro-cli build-enclave prints)");
    }
    for (var e : wanted.entrySet()) {
      byte[] actual = doc.pcrs().get(e.getKey());
      String hex = actual == null ? "absent" : HexFormat.of().formatHex(actual);
      if (!e.getValue().contains(hex)) {
        throw new AttestationException("the " + peer.label() + "'s PCR" + e.getKey() + " is " + hex + ", the policy expects "
            + String.join(" or ", e.getValue()) + ": another enclave image, kernel or application");
      }
    }
    return doc;
  }

  private static void checkChain(String who, AttestationDocument doc, X509Certificate root, Instant now) {
    List<X509Certificate> path = new ArrayList<>();
    path.add(doc.certificate());
    for (int i = doc.cabundle().size() - 1; i >= 1; i--) path.add(doc.cabundle().get(i));
    try {
      CertPath cp = CertificateFactory.getInstance("X.509").generateCertPath(path);
      PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
      params.setRevocationEnabled(false);
      params.setDate(Date.from(now));
      CertPathValidator.getInstance("PKIX").validate(cp, params);
    } catch (CertPathValidatorException e) {
      if (e.getReason() == CertPathValidatorException.BasicReason.EXPIRED || e.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
        X509Certificate c = e.getIndex() >= 0 && e.getIndex() < path.size() ? path.get(e.getIndex()) : doc.certificate();
        throw new AttestationException(who + " has a certificate valid from " + TIME.format(c.getNotBefore().toInstant()) + " to "
            + TIME.format(c.getNotAfter().toInstant()) + ", not at " + TIME.format(now) + ": expired (or a clock is wrong)");
      }
      throw new AttestationException(who + " has a broken certificate chain (" + e.getMessage() + ")");
    } catch (GeneralSecurityException e) {
      throw new AttestationException(who + " has a broken certificate chain (" + e.getMessage() + ")");
    }
  }

  private static String printable(String s) {
    return s.chars().filter(c -> c >= 0x20 && c < 0x7f).limit(20).mapToObj(c -> String.valueOf((char) c)).collect(Collectors.joining());
  }
}
