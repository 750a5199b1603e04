package io.musketeer.nitro;

import com.authlete.cbor.CBORByteArray;
import com.authlete.cbor.CBORDecoder;
import com.authlete.cbor.CBORItem;
import com.authlete.cbor.CBORPair;
import com.authlete.cbor.CBORPairList;
import com.authlete.cbor.CBORString;
import io.musketeer.mpc.attest.AttestationException;
import io.musketeer.mpc.attest.IntegrityProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Produces this enclave's attestation document from the Nitro Secure Module: one request,
 * {@code {"Attestation": {"user_data": .., "nonce": .., "public_key": ..}}} in CBOR, through the
 * {@code /dev/nsm} device ({@link Device}), and the document from the answer
 * {@code {"Attestation": {"document": ..}}}. Outside an enclave there is no {@code /dev/nsm}, and
 * {@link #open} says so.
 */
final class NsmAttester implements IntegrityProvider.Attester {
  static final Path DEVICE = Path.of("/dev/nsm");

  /** One request to the NSM and its answer, both CBOR. */
  interface Device {
    byte[] call(byte[] request) throws IOException;
  }

  private final Device device;

  NsmAttester(Device device) {
    this.device = device;
  }

  /** The attester of this enclave; the ioctl itself needs the JDK's foreign function API (Java 22 and later). */
  static NsmAttester open() {
    if (!Files.exists(DEVICE)) {
      throw new AttestationException("the nitro provider makes evidence inside an AWS Nitro Enclave through /dev/nsm, which this machine "
          + "does not have; run this party in an enclave (nitro-cli run-enclave), or use --attestation software for development");
    }
    try {
      return new NsmAttester((Device) Class.forName("io.musketeer.nitro.NsmDevice").getConstructor().newInstance());
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new AttestationException("the nitro provider calls /dev/nsm through the Java 22 foreign function API; run the enclave's party "
          + "on a JDK 22 or newer built with this module (" + e.getClass().getSimpleName() + ")");
    }
  }

  @Override
  public byte[] attest(IntegrityProvider.Binding b) {
    byte[] answer;
    try {
      answer = device.call(request(b));
    } catch (IOException e) {
      throw new AttestationException("the Nitro Secure Module refused the attestation request (" + e.getMessage() + ")");
    }
    return document(answer);
  }

  static byte[] request(IntegrityProvider.Binding b) {
    CBORPairList fields = new CBORPairList(new CBORPair(new CBORString("user_data"), new CBORByteArray(b.reportData())),
        new CBORPair(new CBORString("nonce"), new CBORByteArray(b.nonce())),
        new CBORPair(new CBORString("public_key"), new CBORByteArray(b.publicKey())));
    return new CBORPairList(new CBORPair(new CBORString("Attestation"), fields)).encode();
  }

  static byte[] document(byte[] answer) {
    try {
      CBORItem item = new CBORDecoder(answer).next();
      if (item instanceof CBORPairList map) {
        CBORPair ok = map.findByKey("Attestation");
        if (ok != null && ok.getValue() instanceof CBORPairList inner && inner.findByKey("document") != null
            && inner.findByKey("document").getValue() instanceof CBORByteArray doc) {
          return doc.getValue();
        }
        CBORPair error = map.findByKey("Error");
        if (error != null) throw new AttestationException("the Nitro Secure Module answered with an error: " + error.getValue().parse());
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof AttestationException a) throw a;
      throw new AttestationException("the Nitro Secure Module's answer is not CBOR (" + e.getMessage() + ")");
    }
    throw new AttestationException("the Nitro Secure Module's answer holds no attestation document");
  }
}
