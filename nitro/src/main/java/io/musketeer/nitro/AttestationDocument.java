package io.musketeer.nitro;

import com.authlete.cbor.CBORByteArray;
import com.authlete.cbor.CBORDecoder;
import com.authlete.cbor.CBORItem;
import com.authlete.cbor.CBORItemList;
import com.authlete.cbor.CBORNull;
import com.authlete.cbor.CBORPair;
import com.authlete.cbor.CBORPairList;
import com.authlete.cbor.CBORTaggedItem;
import com.authlete.cose.COSEException;
import com.authlete.cose.COSESign1;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An AWS Nitro Enclaves attestation document, as the Nitro Secure Module returns it: a COSE_Sign1
 * (RFC 9052) whose payload is a CBOR map with {@code module_id}, {@code digest} ("SHA384"),
 * {@code timestamp} (milliseconds since the epoch), {@code pcrs} (index to 48-byte value),
 * {@code certificate} (the signing leaf, DER), {@code cabundle} (the chain from the root, DER, root
 * first), and the optional {@code public_key}, {@code user_data} and {@code nonce}. Parsing checks
 * structure and types only; {@link NitroVerifier} checks what they say.
 */
record AttestationDocument(COSESign1 cose, String moduleId, String digest, Instant timestamp, Map<Integer, byte[]> pcrs,
    X509Certificate certificate, List<X509Certificate> cabundle, byte[] publicKey, byte[] userData, byte[] nonce) {
  static final int MAX_BYTES = 64 * 1024;

  /** @throws IllegalArgumentException saying what is malformed */
  static AttestationDocument parse(byte[] bytes) {
    if (bytes.length > MAX_BYTES) throw new IllegalArgumentException("a document of " + bytes.length + " bytes");
    CBORItem item;
    try {
      CBORDecoder d = new CBORDecoder(bytes);
      item = d.next();
      if (item == null || d.next() != null) throw new IllegalArgumentException("not one CBOR item");
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not CBOR (" + e.getMessage() + ")");
    }
    if (item instanceof CBORTaggedItem tagged) {
      if (tagged.getTagNumber().longValue() != 18) {
        throw new IllegalArgumentException("CBOR tag " + tagged.getTagNumber() + ", not COSE_Sign1 (18)");
      }
      item = tagged.getTagContent();
    }
    COSESign1 cose;
    try {
      cose = COSESign1.build(item);
    } catch (COSEException | RuntimeException e) {
      throw new IllegalArgumentException("not a COSE_Sign1 (" + e.getMessage() + ")");
    }
    if (!(cose.getPayload() instanceof CBORByteArray payloadBytes)) throw new IllegalArgumentException("the COSE payload is not a byte string");
    CBORItem payload;
    try {
      payload = new CBORDecoder(payloadBytes.getValue()).next();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("the payload is not CBOR (" + e.getMessage() + ")");
    }
    if (!(payload instanceof CBORPairList map)) throw new IllegalArgumentException("the payload is not a CBOR map");
    Map<Integer, byte[]> pcrs = new TreeMap<>();
    if (!(field(map, "pcrs", true) instanceof CBORPairList pcrMap)) throw new IllegalArgumentException("pcrs is not a map");
    for (CBORPair p : pcrMap.getPairs()) {
      if (!(p.getKey().parse() instanceof Number n) || !(p.getValue() instanceof CBORByteArray v)) throw new IllegalArgumentException("a malformed PCR");
      int index = n.intValue();
      if (index < 0 || index > 31 || pcrs.put(index, v.getValue()) != null) throw new IllegalArgumentException("PCR index " + n);
      if (v.getValue().length != 48 && v.getValue().length != 32 && v.getValue().length != 64) throw new IllegalArgumentException("PCR" + index + " has " + v.getValue().length + " bytes");
    }
    if (!(field(map, "cabundle", true) instanceof CBORItemList bundle) || bundle.getItems().isEmpty()) throw new IllegalArgumentException("cabundle is not a list of certificates");
    List<X509Certificate> chain = new ArrayList<>();
    for (CBORItem c : bundle.getItems()) chain.add(certificate(c, "a cabundle entry"));
    Object ts = field(map, "timestamp", true).parse();
    if (!(ts instanceof Number t) || t.longValue() <= 0) throw new IllegalArgumentException("timestamp is not a positive integer");
    return new AttestationDocument(cose, text(map, "module_id"), text(map, "digest"), Instant.ofEpochMilli(t.longValue()), pcrs,
        certificate(field(map, "certificate", true), "certificate"), chain, optionalBytes(map, "public_key"), optionalBytes(map, "user_data"),
        optionalBytes(map, "nonce"));
  }

  private static CBORItem field(CBORPairList map, String key, boolean required) {
    CBORPair p = map.findByKey(key);
    if (p == null && required) throw new IllegalArgumentException("no " + key);
    return p == null ? null : p.getValue();
  }

  private static String text(CBORPairList map, String key) {
    if (!(field(map, key, true).parse() instanceof String s)) throw new IllegalArgumentException(key + " is not text");
    return s;
  }

  /** The byte string under {@code key}, or an empty array when absent or null. */
  private static byte[] optionalBytes(CBORPairList map, String key) {
    CBORItem v = field(map, key, false);
    if (v == null || v instanceof CBORNull) return new byte[0];
    if (!(v instanceof CBORByteArray b)) throw new IllegalArgumentException(key + " is not a byte string");
    return b.getValue();
  }

  private static X509Certificate certificate(CBORItem item, String what) {
    if (!(item instanceof CBORByteArray b)) throw new IllegalArgumentException(what + " is not a byte string");
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(b.getValue()));
    } catch (CertificateException | ClassCastException e) {
      throw new IllegalArgumentException(what + " is not an X.509 certificate");
    }
  }
}
