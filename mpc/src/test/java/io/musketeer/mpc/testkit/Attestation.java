package io.musketeer.mpc.testkit;

import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.attest.AttestationAuthority;
import io.musketeer.mpc.attest.AttestedTls;
import io.musketeer.mpc.attest.IntegrityProvider;
import io.musketeer.mpc.attest.Policy;
import io.musketeer.mpc.attest.SessionSecurity;
import io.musketeer.mpc.attest.SoftwareProvider;
import io.musketeer.mpc.net.Connector;
import io.musketeer.mpc.net.Peers;
import io.musketeer.mpc.net.TcpTransport;
import io.musketeer.mpc.net.Timeouts;
import io.musketeer.mpc.net.Transport;
import io.musketeer.mpc.runtime.SecureParty;
import java.net.ServerSocket;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Malicious mode for tests: a throwaway software attestation authority, a policy that trusts it and
 * lists the three parties' measurements of one program, and each party's {@link SessionSecurity};
 * optionally attested TLS links ({@link #tls}).
 */
public record Attestation(AttestationAuthority authority, Policy policy, Map<Party, byte[]> tlsKeys) {
  /** The policy for {@code program} under {@code protocol}, trusting a fresh authority. */
  public static Attestation forProgram(Program program, String protocol) {
    AttestationAuthority a = AttestationAuthority.generate();
    return new Attestation(a, policy(a, program, protocol), new EnumMap<>(Party.class));
  }

  public static Policy policy(AttestationAuthority authority, Program program, String protocol) {
    Map<String, List<String>> v = new LinkedHashMap<>();
    v.put("attestation", List.of(SoftwareProvider.NAME));
    v.put("software.authority", List.of(authority.fingerprint().toString()));
    for (Party p : Party.values()) v.put("measurement." + p.label(), List.of(SecureParty.measurement(p, program, protocol).digest().toString()));
    return Policy.of(v);
  }

  /** Party {@code p}'s security: evidence signed by this authority, peers checked against this policy. */
  public SessionSecurity security(Party p) {
    return security(p, SoftwareProvider.attester(authority));
  }

  /** As above with another attester (tests of forged, expired or misbound evidence). */
  public SessionSecurity security(Party p, IntegrityProvider.Attester attester) {
    return SessionSecurity.malicious(SoftwareProvider.NAME, attester, policy, tlsKeys.getOrDefault(p, new byte[0]));
  }

  /** The same authority and policy with another policy (e.g. one trusting another authority). */
  public Attestation withPolicy(Policy other) {
    return new Attestation(authority, other, tlsKeys);
  }

  /** Loopback links for malicious mode and the attestation that binds their keys. */
  public record Links(Function<Party, Transport> connect, Attestation attestation) {}

  /** Attested TLS over loopback ({@link AttestedTls}: keys made in process, no pins), listeners bound before anyone dials. */
  public Links tls(Timeouts timeouts) {
    return tls(timeouts, Function.identity());
  }

  /**
   * As above, with {@code route} mapping the peers file the dialers see (tests put a tampering proxy
   * in front of the listeners this way).
   */
  public Links tls(Timeouts timeouts, Function<Peers, Peers> route) {
    return tls(timeouts, (dialer, peers) -> route.apply(peers));
  }

  /** As above, each dialing party ({@code CLIENT}, {@code SERVER}) with its own view of the peers file. */
  public Links tls(Timeouts timeouts, java.util.function.BiFunction<Party, Peers, Peers> route) {
    ServerSocket server = ThreeParty.listen(), helper = ThreeParty.listen();
    Peers peers = Peers.localhost(1, server.getLocalPort(), helper.getLocalPort());
    Map<Party, Peers> dialedBy = new EnumMap<>(Party.class);
    for (Party p : Party.values()) dialedBy.put(p, route.apply(p, peers));
    Map<Party, byte[]> keys = new EnumMap<>(Party.class);
    Map<Party, AttestedTls> sec = new EnumMap<>(Party.class);
    for (Party p : Party.values()) {
      AttestedTls t = AttestedTls.fresh(p, dialedBy.get(p));
      sec.put(p, t);
      keys.put(p, t.publicKey());
    }
    Function<Party, Transport> connect = p -> TcpTransport.connect(new Connector(p, dialedBy.get(p), timeouts, sec.get(p)), switch (p) {
      case CLIENT -> null;
      case SERVER -> server;
      case HELPER -> helper;
    });
    return new Links(connect, new Attestation(authority, policy, keys));
  }
}
