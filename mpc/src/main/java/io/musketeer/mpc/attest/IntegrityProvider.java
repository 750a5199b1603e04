package io.musketeer.mpc.attest;

import io.musketeer.mpc.Party;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * A source of hardware integrity: something that can state, in evidence a remote party can check,
 * "this code, measured so, runs here and holds this channel". Providers are found with
 * {@link ServiceLoader} (a jar on the class path with a
 * {@code META-INF/services/io.musketeer.mpc.attest.IntegrityProvider} entry), so a new kind of
 * hardware plugs in without touching the session or the protocols.
 *
 * <p>A provider attests 64 bytes of report data ({@link Binding#reportData}, a digest of the
 * Musketeer measurement, the channel binding, the party's TLS key and both roles; see
 * {@link AttestedSession}) and, where its evidence has fields for them, also carries the nonce and the
 * public key natively. 64 bytes is what every TEE report has room for: SEV-SNP's and TDX's
 * REPORT_DATA, SGX's REPORTDATA; Nitro's user_data is larger. Its verifier checks the evidence
 * against the trust root and the hardware measurements that the policy names for the peer's role, and
 * that the evidence attests exactly the expected binding.
 */
public interface IntegrityProvider {
  /** The name used with {@code --attestation} and in policies ({@code attestation = NAME}). */
  String name();

  /** One line saying what this provider's evidence guarantees and what it does not. */
  String guarantee();

  /**
   * The part that runs inside the trusted boundary and produces this party's evidence.
   *
   * @param settings provider-specific settings (for the software provider: {@code authority-key}, a file)
   * @throws AttestationException when evidence cannot be produced here, saying why (no /dev/nsm, no key)
   */
  Attester attester(Map<String, String> settings);

  /**
   * Checks peers' evidence against {@code policy}'s settings for this provider.
   *
   * @throws AttestationException when the policy lacks what this provider needs (a trust root...)
   */
  Verifier verifier(Policy policy);

  /** What evidence binds: 64 bytes of report data, and the nonce and public key for providers with fields for them. */
  record Binding(byte[] reportData, byte[] nonce, byte[] publicKey) {
    public static final int REPORT_DATA_BYTES = 64;

    public Binding {
      if (reportData.length != REPORT_DATA_BYTES) throw new IllegalArgumentException("report data is 64 bytes");
      reportData = reportData.clone();
      nonce = nonce.clone();
      publicKey = publicKey.clone();
    }
  }

  /** Produces evidence; runs inside the trusted boundary. */
  interface Attester {
    byte[] attest(Binding binding);
  }

  /** Verifies a peer's evidence. */
  interface Verifier {
    /**
     * @param peer the role the peer claims (selects the policy's hardware measurements)
     * @param expected what the evidence must attest
     * @param now the time at which certificates and the evidence must be valid
     * @throws AttestationException naming what failed (signature, trust root, expiry, measurement, binding)
     */
    void verify(Party peer, byte[] evidence, Binding expected, Instant now);
  }

  /** The provider called {@code name}. */
  static IntegrityProvider named(String name) {
    for (IntegrityProvider p : ServiceLoader.load(IntegrityProvider.class)) {
      if (p.name().equals(name)) return p;
    }
    throw new AttestationException("unknown integrity provider '" + name + "' (known: " + String.join(", ", names()) + ")");
  }

  /** The names of the providers on the class path. */
  static List<String> names() {
    List<String> n = new ArrayList<>();
    for (IntegrityProvider p : ServiceLoader.load(IntegrityProvider.class)) n.add(p.name());
    n.sort(null);
    return n;
  }
}
