package io.musketeer.mpc.net;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A certificate's SHA-256 fingerprint: the digest of its DER encoding, as {@code sha256:HEX} (64
 * lowercase hex digits). A peers file pins each party's certificate by it, as SSH's known_hosts pins
 * host keys: no certificate authority is involved, and a certificate with another key is refused.
 */
public record Fingerprint(String hex) {
  public static final String PREFIX = "sha256:";

  public Fingerprint {
    if (hex == null || hex.length() != 64 || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      throw new IllegalArgumentException("a SHA-256 fingerprint has 64 lowercase hex digits");
    }
  }

  public static Fingerprint of(X509Certificate cert) {
    try {
      return of(cert.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("certificate cannot be encoded", e);
    }
  }

  public static Fingerprint of(byte[] der) {
    try {
      return new Fingerprint(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  /**
   * Parses {@code sha256:HEX}; the hex may be in either case and have colons between bytes (as
   * {@code openssl x509 -fingerprint -sha256} prints it).
   *
   * @throws IllegalArgumentException with a short reason
   */
  public static Fingerprint parse(String text) {
    String t = text.strip();
    if (!t.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      throw new IllegalArgumentException("expected a certificate fingerprint 'sha256:HEX', got '" + t + "'");
    }
    String hex = t.substring(PREFIX.length()).replace(":", "").toLowerCase(Locale.ROOT);
    if (hex.length() != 64 || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      throw new IllegalArgumentException("fingerprint '" + t + "' is not 64 hex digits after 'sha256:' (copy it as musketeer keygen prints it)");
    }
    return new Fingerprint(hex);
  }

  @Override
  public String toString() {
    return PREFIX + hex;
  }
}
