package io.musketeer.mpc.net;

import io.musketeer.MusketeerException;
import io.musketeer.mpc.Party;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A party's TLS identity: its private key and self-signed certificate. {@code musketeer keygen}
 * makes one ({@link #generate}); a party loads its own with {@link #load}. Certificates are made by
 * BouncyCastle; the key pair (ECDSA P-256) comes from the JDK.
 *
 * <p>Files are PEM: the key as unencrypted PKCS#8 (so nothing prompts for a password; the file is
 * written with mode 0600 and is the party's to protect), the certificate as X.509.
 */
public record PartyKey(PrivateKey privateKey, X509Certificate certificate) {
  /** How long a new certificate is valid unless the operator asks otherwise: two years. */
  public static final Duration DEFAULT_VALIDITY = Duration.ofDays(730);

  public Fingerprint fingerprint() {
    return Fingerprint.of(certificate);
  }

  /** {@code DIR/ROLE.key.pem}. */
  public static Path keyFile(Path dir, Party role) {
    return dir.resolve(role.label() + ".key.pem");
  }

  /** {@code DIR/ROLE.cert.pem}. */
  public static Path certFile(Path dir, Party role) {
    return dir.resolve(role.label() + ".cert.pem");
  }

  /**
   * A fresh key pair and a self-signed certificate for {@code role}.
   *
   * @param subjectNames DNS names and IP addresses to put in the certificate's subject alternative
   *     names (pinning does not need them; they let other TLS tools check the host)
   * @param validity how long from now the certificate is valid (it is valid from an hour ago, for clock skew)
   */
  public static PartyKey generate(Party role, List<String> subjectNames, Duration validity) {
    if (validity.isNegative() || validity.isZero()) throw new IllegalArgumentException("validity must be positive");
    Instant now = Instant.now();
    return generate(role, subjectNames, now.minus(Duration.ofHours(1)), now.plus(validity));
  }

  /** As above, valid from {@code notBefore} to {@code notAfter} (tests make expired certificates this way). */
  public static PartyKey generate(Party role, List<String> subjectNames, Instant notBefore, Instant notAfter) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair kp = g.generateKeyPair();
      X500Name name = new X500Name("CN=musketeer " + role.label());
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(127, new SecureRandom()).add(BigInteger.ONE),
          Date.from(notBefore), Date.from(notAfter), name, kp.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      if (!subjectNames.isEmpty()) b.addExtension(Extension.subjectAlternativeName, false, sans(subjectNames));
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
      return new PartyKey(kp.getPrivate(), cert);
    } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot make a key pair and certificate: " + e.getMessage(), e);
    }
  }

  /** Each name as an IP address SAN if it is an address literal, else as a DNS name. */
  private static GeneralNames sans(List<String> names) {
    List<GeneralName> out = new ArrayList<>();
    for (String n : names) {
      String t = n.strip();
      if (t.startsWith("[") && t.endsWith("]")) t = t.substring(1, t.length() - 1);
      if (isAddressLiteral(t)) {
        out.add(new GeneralName(GeneralName.iPAddress, t));
      } else {
        if (!t.matches("(?i)(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\\.?")) {
          throw new MusketeerException("'" + n + "' is neither an IP address nor a DNS name; --san takes names such as 10.0.0.2 or server.example.org");
        }
        out.add(new GeneralName(GeneralName.dNSName, t));
      }
    }
    return new GeneralNames(out.toArray(GeneralName[]::new));
  }

  private static boolean isAddressLiteral(String t) {
    if (t.indexOf(':') >= 0) return t.matches("[0-9a-fA-F:.]+");
    if (!t.matches("\\d{1,3}(\\.\\d{1,3}){3}")) return false;
    for (String part : t.split("\\.")) if (Integer.parseInt(part) > 255) return false;
    return true;
  }

  /**
   * Writes {@code DIR/ROLE.key.pem} (mode 0600, created before the key is written into it, so it is
   * never readable by others) and {@code DIR/ROLE.cert.pem}. Refuses to overwrite an existing key.
   */
  public void write(Path dir, Party role) {
    Path key = keyFile(dir, role), cert = certFile(dir, role);
    try {
      Files.createDirectories(dir);
      if (Files.exists(key)) {
        throw new MusketeerException(key + " already exists; move it away first (a party's key is replaced on purpose only)");
      }
      writeKey(key, privateKey);
      Files.writeString(cert, pem(certificate), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new MusketeerException("cannot write " + key + " and " + cert + " (" + FramedTransport.describe(e) + ")");
    }
  }

  /**
   * Writes {@code key} as unencrypted PKCS#8 PEM into a new file {@code file}, created with mode 0600
   * before the key is written into it, so it is never readable by others.
   */
  public static void writeKey(Path file, PrivateKey key) throws IOException {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file); // not a POSIX file system: the directory's protection is all there is
    }
    Files.writeString(file, pem(new JcaPKCS8Generator(key, null)), StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
  }

  static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(o);
    }
    return w.toString();
  }

  /** Reads a key file and its certificate; each problem ends in one line naming the file. */
  public static PartyKey load(Path keyFile, Path certFile) {
    PrivateKey key = readKey(keyFile);
    X509Certificate cert = readCertificate(certFile);
    PartyKey k = new PartyKey(key, cert);
    if (!matches(k)) {
      throw new MusketeerException("the key in " + keyFile + " does not belong to the certificate in " + certFile + "; give the certificate made with it (--cert)");
    }
    return k;
  }

  /** The certificate beside a key file: {@code R.key.pem} -> {@code R.cert.pem}. */
  public static Path certBeside(Path keyFile) {
    String name = keyFile.getFileName().toString();
    String certName = name.endsWith(".key.pem") ? name.substring(0, name.length() - ".key.pem".length()) + ".cert.pem"
        : name.endsWith(".key") ? name.substring(0, name.length() - 4) + ".crt" : name + ".cert.pem";
    return keyFile.resolveSibling(certName);
  }

  /** Reads an unencrypted PEM private key (PKCS#8, or a key pair); each problem ends in one line naming the file. */
  public static PrivateKey readKey(Path file) {
    Object o;
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
      o = p.readObject();
    } catch (IOException | RuntimeException e) {
      throw new MusketeerException("cannot read key file " + file + " (" + describe(e) + ")");
    }
    try {
      JcaPEMKeyConverter c = new JcaPEMKeyConverter();
      if (o instanceof PrivateKeyInfo info) return c.getPrivateKey(info);
      if (o instanceof PEMKeyPair pair) return c.getPrivateKey(pair.getPrivateKeyInfo());
    } catch (IOException e) {
      throw new MusketeerException("cannot read key file " + file + " (" + describe(e) + ")");
    }
    String what = o == null ? "no PEM private key" : "a PEM " + o.getClass().getSimpleName() + ", not an unencrypted private key";
    throw new MusketeerException("key file " + file + " holds " + what + "; make one with musketeer keygen");
  }

  private static X509Certificate readCertificate(Path file) {
    try (var in = Files.newInputStream(file)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (IOException | CertificateException | ClassCastException e) {
      throw new MusketeerException("cannot read certificate file " + file + " (" + describe(e) + ")");
    }
  }

  private static String describe(Exception e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m != null && !m.isBlank() ? ": " + m : "");
  }

  /** Whether the key signs what the certificate's public key verifies. */
  private static boolean matches(PartyKey k) {
    try {
      String alg = k.certificate.getPublicKey().getAlgorithm().equals("EC") ? "SHA256withECDSA"
          : k.certificate.getPublicKey().getAlgorithm().equals("RSA") ? "SHA256withRSA" : k.certificate.getPublicKey().getAlgorithm();
      java.security.Signature s = java.security.Signature.getInstance(alg);
      s.initSign(k.privateKey);
      byte[] probe = "musketeer key check".getBytes(StandardCharsets.US_ASCII);
      s.update(probe);
      byte[] sig = s.sign();
      s.initVerify(k.certificate.getPublicKey());
      s.update(probe);
      return s.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return "PartyKey(" + fingerprint() + ")"; // never the private key
  }
}
