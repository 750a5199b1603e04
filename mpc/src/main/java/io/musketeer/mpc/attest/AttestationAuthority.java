package io.musketeer.mpc.attest;

import io.musketeer.MusketeerException;
import io.musketeer.mpc.net.Fingerprint;
import io.musketeer.mpc.net.PartyKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;

/**
 * The software provider's stand-in for a hardware attestation key: an ECDSA P-256 key pair whose
 * private half signs evidence ({@code musketeer keygen --attestation-authority}) and whose public
 * key's fingerprint a policy trusts ({@code software.authority = sha256:HEX}).
 *
 * <p>Whoever can read the key file can sign any measurement, which is why the software provider
 * guarantees nothing: a real TEE keeps this key in hardware.
 */
public record AttestationAuthority(PrivateKey privateKey, PublicKey publicKey) {
  public static final String KEY_FILE = "attestation-authority.key.pem";

  public static AttestationAuthority generate() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair kp = g.generateKeyPair();
      return new AttestationAuthority(kp.getPrivate(), kp.getPublic());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make an ECDSA P-256 key pair: " + e.getMessage(), e);
    }
  }

  /** The SHA-256 fingerprint of the public key (its X.509 SubjectPublicKeyInfo DER). */
  public Fingerprint fingerprint() {
    return Fingerprint.of(publicKey.getEncoded());
  }

  /** {@code DIR/attestation-authority.key.pem}. */
  public static Path keyFile(Path dir) {
    return dir.resolve(KEY_FILE);
  }

  /** Writes the private key to {@code DIR/attestation-authority.key.pem} (mode 0600); refuses to overwrite one. */
  public void write(Path dir) {
    Path file = keyFile(dir);
    try {
      Files.createDirectories(dir);
      if (Files.exists(file)) throw new MusketeerException(file + " already exists; move it away first (an authority key is replaced on purpose only)");
      PartyKey.writeKey(file, privateKey);
    } catch (IOException e) {
      throw new MusketeerException("cannot write " + file + " (" + e.getMessage() + ")");
    }
  }

  /** Reads an authority key file; the public key is derived from the private one. */
  public static AttestationAuthority load(Path file) {
    if (!Files.isRegularFile(file)) throw new MusketeerException("attestation authority key " + file + " does not exist (make one with musketeer keygen --attestation-authority)");
    PrivateKey k = PartyKey.readKey(file);
    if (!(k instanceof ECPrivateKey ec) || !isP256(ec)) {
      throw new MusketeerException(file + " is not an ECDSA P-256 key; make an authority key with musketeer keygen --attestation-authority");
    }
    return new AttestationAuthority(k, publicOf(ec));
  }

  private static boolean isP256(ECPrivateKey k) {
    try {
      java.security.AlgorithmParameters p = java.security.AlgorithmParameters.getInstance("EC");
      p.init(new ECGenParameterSpec("secp256r1"));
      java.security.spec.ECParameterSpec want = p.getParameterSpec(java.security.spec.ECParameterSpec.class);
      return want.getOrder().equals(k.getParams().getOrder()) && want.getGenerator().equals(k.getParams().getGenerator());
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static PublicKey publicOf(ECPrivateKey k) {
    try {
      // Q = d * G, computed by BouncyCastle's curve arithmetic; the JDK has no public API for it
      var spec = org.bouncycastle.jce.ECNamedCurveTable.getParameterSpec("secp256r1");
      var q = spec.getG().multiply(k.getS()).normalize();
      ECPoint w = new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
      return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, k.getParams()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot derive the public key: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "AttestationAuthority(" + fingerprint() + ")"; // never the private key
  }
}
