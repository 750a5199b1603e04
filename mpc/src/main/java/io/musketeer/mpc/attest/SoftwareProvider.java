package io.musketeer.mpc.attest;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Fingerprint;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Integrity provider for development and tests: evidence signed by a local attestation authority
 * key. It exercises every check of an attested session (the binding, the measurement, the trust root,
 * expiry) but guarantees nothing: the key is a file on the host, and whoever reads it can sign any
 * measurement for any code.
 *
 * <p>Evidence, big-endian: magic, report data (64 bytes), nonce, public key, issued-at and not-after
 * (milliseconds since the epoch), the authority's public key (X.509 SubjectPublicKeyInfo), then an
 * ECDSA P-256 / SHA-256 signature over all of that. Byte strings are length-prefixed (int).
 */
public final class SoftwareProvider implements IntegrityProvider {
  public static final String NAME = "software";
  public static final String GUARANTEE = "software attestation: NO hardware guarantee. Evidence is signed by an authority key file that any host "
      + "can read; a corrupted host can run other code and forge evidence for it. For development and tests only.";
  /** How long evidence is valid after it was made; the channel binding, not this, is what makes it fresh. */
  static final Duration LIFETIME = Duration.ofMinutes(10);
  /** Clock difference tolerated between two parties. */
  static final Duration SKEW = Duration.ofMinutes(5);
  private static final String MAGIC = "musketeer-software-evidence-v1";
  private static final int MAX_FIELD = 4096;
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String guarantee() {
    return GUARANTEE;
  }

  @Override
  public Attester attester(Map<String, String> settings) {
    String key = settings.get("authority-key");
    if (key == null) {
      throw new AttestationException("the software provider signs evidence with an attestation authority key: give it with --authority-key FILE "
          + "(make one with musketeer keygen --attestation-authority --out DIR)");
    }
    return attester(AttestationAuthority.load(Path.of(key)));
  }

  /** Evidence signed by {@code authority}, valid from now for {@link #LIFETIME}. */
  public static Attester attester(AttestationAuthority authority) {
    return binding -> sign(authority, binding, Instant.now(), Instant.now().plus(LIFETIME));
  }

  /** Evidence valid from {@code issued} to {@code notAfter} (tests make expired evidence this way). */
  static byte[] sign(AttestationAuthority authority, Binding b, Instant issued, Instant notAfter) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeUTF(MAGIC);
      out.write(b.reportData());
      field(out, b.nonce());
      field(out, b.publicKey());
      out.writeLong(issued.toEpochMilli());
      out.writeLong(notAfter.toEpochMilli());
      field(out, authority.publicKey().getEncoded());
      byte[] body = bytes.toByteArray();
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initSign(authority.privateKey());
      s.update(body);
      field(out, s.sign());
      return bytes.toByteArray();
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign evidence: " + e.getMessage(), e);
    }
  }

  @Override
  public Verifier verifier(Policy policy) {
    List<String> roots = policy.values("software.authority");
    if (roots.isEmpty()) {
      throw new AttestationException("policy " + policy.source() + " trusts no software attestation authority: add 'software.authority = sha256:HEX' "
          + "(musketeer keygen --attestation-authority prints it)");
    }
    List<Fingerprint> trusted;
    try {
      trusted = roots.stream().map(Fingerprint::parse).toList();
    } catch (IllegalArgumentException e) {
      throw new AttestationException("policy " + policy.source() + ": software.authority: " + e.getMessage());
    }
    return (peer, evidence, expected, now) -> verify(trusted, peer, evidence, expected, now);
  }

  static void verify(List<Fingerprint> trusted, Party peer, byte[] evidence, Binding expected, Instant now) {
    String who = "the " + peer.label() + "'s software evidence";
    byte[] reportData = new byte[Binding.REPORT_DATA_BYTES];
    byte[] nonce, publicKey, authority, signature;
    long issued, notAfter;
    int bodyLength;
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(evidence));
      if (!MAGIC.equals(in.readUTF())) throw new IOException("bad magic");
      in.readFully(reportData);
      nonce = field(in);
      publicKey = field(in);
      issued = in.readLong();
      notAfter = in.readLong();
      authority = field(in);
      bodyLength = evidence.length - in.available();
      signature = field(in);
      if (in.available() != 0) throw new IOException("trailing bytes");
    } catch (IOException e) {
      throw new AttestationException(who + " is malformed (" + e.getMessage() + "); is it running another provider or version?");
    }
    Fingerprint signer = Fingerprint.of(authority);
    if (!trusted.contains(signer)) {
      throw new AttestationException(who + " is signed by attestation authority " + signer + ", the policy trusts "
          + trusted.stream().map(Fingerprint::toString).collect(Collectors.joining(" or ")) + ": wrong trust root");
    }
    try {
      PublicKey k = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(authority));
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initVerify(k);
      s.update(evidence, 0, bodyLength);
      if (!s.verify(signature)) throw new AttestationException(who + " has an invalid signature: it was altered or forged");
    } catch (GeneralSecurityException e) {
      throw new AttestationException(who + " has an invalid signature: it was altered or forged (" + e.getClass().getSimpleName() + ")");
    }
    if (now.isAfter(Instant.ofEpochMilli(notAfter))) {
      throw new AttestationException(who + " expired at " + TIME.format(Instant.ofEpochMilli(notAfter)) + " (now " + TIME.format(now)
          + "); evidence is made fresh for each session: is it replayed, or is a clock wrong?");
    }
    if (now.plus(SKEW).isBefore(Instant.ofEpochMilli(issued))) {
      throw new AttestationException(who + " was issued at " + TIME.format(Instant.ofEpochMilli(issued)) + ", in the future (now " + TIME.format(now)
          + "); are the machines' clocks right?");
    }
    if (!Arrays.equals(reportData, expected.reportData()) || !Arrays.equals(nonce, expected.nonce()) || !Arrays.equals(publicKey, expected.publicKey())) {
      throw new AttestationException(who + " is bound to another session or channel (its report data, nonce or key differ from this connection's): "
          + "replayed or relayed evidence");
    }
  }

  private static void field(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  private static byte[] field(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > MAX_FIELD) throw new IOException("a field of " + n + " bytes");
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }
}
