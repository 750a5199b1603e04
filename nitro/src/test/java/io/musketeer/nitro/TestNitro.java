package io.musketeer.nitro;

import com.authlete.cbor.CBORByteArray;
import com.authlete.cbor.CBORInteger;
import com.authlete.cbor.CBORItem;
import com.authlete.cbor.CBORItemList;
import com.authlete.cbor.CBORLong;
import com.authlete.cbor.CBORNull;
import com.authlete.cbor.CBORPair;
import com.authlete.cbor.CBORPairList;
import com.authlete.cbor.CBORString;
import com.authlete.cose.COSEProtectedHeader;
import com.authlete.cose.COSEProtectedHeaderBuilder;
import com.authlete.cose.COSESign1Builder;
import com.authlete.cose.COSESigner;
import com.authlete.cose.COSEUnprotectedHeaderBuilder;
import com.authlete.cose.SigStructure;
import com.authlete.cose.SigStructureBuilder;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Attestation documents as the Nitro Secure Module makes them, under a test PKI (root, intermediate,
 * signing certificate; ECDSA P-384 as AWS's): the verifier's tests use them for what a real document
 * from a public source cannot show (a session's binding, a broken chain), through the same code path.
 */
final class TestNitro {
  final KeyPair rootKey = keyPair(), interKey = keyPair(), leafKey = keyPair();
  final X509Certificate root, inter, leaf;

  TestNitro(Instant notBefore, Instant notAfter) {
    root = cert("CN=test nitro root", rootKey, "CN=test nitro root", rootKey, true, notBefore, notAfter);
    inter = cert("CN=test nitro intermediate", interKey, "CN=test nitro root", rootKey, true, notBefore, notAfter);
    leaf = cert("CN=test enclave", leafKey, "CN=test nitro intermediate", interKey, false, notBefore, notAfter);
  }

  TestNitro() {
    this(Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofHours(3)));
  }

  static KeyPair keyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp384r1"));
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static X509Certificate cert(String subject, KeyPair subjectKey, String issuer, KeyPair issuerKey, boolean ca, Instant from, Instant to) {
    try {
      var b = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(System.nanoTime()), Date.from(from), Date.from(to),
          new X500Name(subject), subjectKey.getPublic());
      b.addExtension(Extension.basicConstraints, true, ca ? new BasicConstraints(2) : new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
      return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA384withECDSA").build(issuerKey.getPrivate())));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** PCR0..2 set to recognisable values, the rest zero. */
  static Map<Integer, byte[]> pcrs(int seed) {
    Map<Integer, byte[]> m = new TreeMap<>();
    for (int i = 0; i < 16; i++) {
      byte[] v = new byte[48];
      if (i < 3) java.util.Arrays.fill(v, (byte) (seed + i));
      m.put(i, v);
    }
    return m;
  }

  byte[] document(Map<Integer, byte[]> pcrs, byte[] userData, byte[] nonce, byte[] publicKey, Instant timestamp) {
    return document(pcrs, userData, nonce, publicKey, timestamp, leaf, List.of(root, inter), leafKey);
  }

  static byte[] document(Map<Integer, byte[]> pcrs, byte[] userData, byte[] nonce, byte[] publicKey, Instant timestamp, X509Certificate signer,
      List<X509Certificate> bundle, KeyPair signingKey) {
    try {
      List<CBORPair> pcrPairs = new ArrayList<>();
      pcrs.forEach((i, v) -> pcrPairs.add(new CBORPair(new CBORInteger(i), new CBORByteArray(v))));
      List<CBORItem> certs = new ArrayList<>();
      for (X509Certificate c : bundle) certs.add(new CBORByteArray(c.getEncoded()));
      CBORPairList payload = new CBORPairList(
          new CBORPair(new CBORString("module_id"), new CBORString("i-0123456789abcdef0-enc0123456789abcdef")),
          new CBORPair(new CBORString("digest"), new CBORString("SHA384")),
          new CBORPair(new CBORString("timestamp"), new CBORLong(timestamp.toEpochMilli())),
          new CBORPair(new CBORString("pcrs"), new CBORPairList(pcrPairs)),
          new CBORPair(new CBORString("certificate"), new CBORByteArray(signer.getEncoded())),
          new CBORPair(new CBORString("cabundle"), new CBORItemList(certs)),
          new CBORPair(new CBORString("public_key"), bytesOrNull(publicKey)),
          new CBORPair(new CBORString("user_data"), bytesOrNull(userData)),
          new CBORPair(new CBORString("nonce"), bytesOrNull(nonce)));
      byte[] payloadBytes = payload.encode();
      COSEProtectedHeader ph = new COSEProtectedHeaderBuilder().alg(-35).build();
      SigStructure toSign = new SigStructureBuilder().signature1().bodyAttributes(ph).payload(payloadBytes).build();
      byte[] signature = new COSESigner(signingKey.getPrivate()).sign(toSign, -35);
      return new COSESign1Builder().protectedHeader(ph).unprotectedHeader(new COSEUnprotectedHeaderBuilder().build()).payload(payloadBytes)
          .signature(signature).build().encode();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static CBORItem bytesOrNull(byte[] b) {
    return b == null || b.length == 0 ? CBORNull.INSTANCE : new CBORByteArray(b);
  }
}
