package io.musketeer.nitro;

import io.musketeer.mpc.attest.AttestationException;
import io.musketeer.mpc.attest.IntegrityProvider;
import io.musketeer.mpc.attest.Policy;
import io.musketeer.mpc.net.Fingerprint;
import java.io.IOException;
import java.io.InputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Map;

/**
 * Integrity provider for AWS Nitro Enclaves. Evidence is the enclave's attestation document from the
 * Nitro Secure Module ({@link NsmAttester}, inside an enclave only), with {@code user_data} the session's
 * report data, {@code nonce} the channel binding and {@code public_key} the party's TLS key; peers
 * check it with {@link NitroVerifier}.
 */
public final class NitroProvider implements IntegrityProvider {
  public static final String NAME = "nitro";
  /** SHA-256 of the AWS Nitro Enclaves root certificate (G1), as AWS publishes it; the built-in copy is checked against it. */
  public static final Fingerprint AWS_ROOT_G1 = Fingerprint.parse("sha256:641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b");
  public static final String GUARANTEE = "AWS Nitro Enclaves: the enclave's image (PCR0-2) is measured and its memory isolated from the parent "
      + "instance by the Nitro hypervisor; no protection from side channels, from debug-mode enclaves (all-zero PCRs) or from a wrong clock.";

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
    return NsmAttester.open();
  }

  @Override
  public Verifier verifier(Policy policy) {
    return NitroVerifier.of(policy);
  }

  /** The built-in AWS Nitro Enclaves root G1, checked against its published fingerprint. */
  static X509Certificate awsRoot() {
    try (InputStream in = NitroProvider.class.getResourceAsStream("aws-nitro-enclaves-root-g1.pem")) {
      X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      if (!Fingerprint.of(c).equals(AWS_ROOT_G1)) throw new AttestationException("the built-in AWS Nitro root certificate is damaged");
      return c;
    } catch (IOException | CertificateException | NullPointerException e) {
      throw new AttestationException("the built-in AWS Nitro root certificate cannot be read (" + e.getMessage() + ")");
    }
  }
}
