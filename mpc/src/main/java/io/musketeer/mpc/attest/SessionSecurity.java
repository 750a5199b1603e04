package io.musketeer.mpc.attest;

import io.musketeer.mpc.Party;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * How one party secures its session: semi-honest (nothing beyond the links), or malicious with this
 * party's integrity provider, its attester (what produces its evidence inside the trusted boundary),
 * the policy its peers' evidence must meet, and its own TLS public key (what its evidence binds;
 * empty over in-memory links).
 */
public record SessionSecurity(SecurityMode mode, String provider, IntegrityProvider.Attester attester, Policy policy, byte[] tlsPublicKey) {
  private static final SessionSecurity SEMI_HONEST = new SessionSecurity(SecurityMode.SEMI_HONEST, "none", null, null, new byte[0]);

  public SessionSecurity {
    Objects.requireNonNull(mode);
    Objects.requireNonNull(provider);
    if (mode == SecurityMode.MALICIOUS) {
      Objects.requireNonNull(attester, "attester");
      Objects.requireNonNull(policy, "policy");
    }
    tlsPublicKey = tlsPublicKey.clone();
  }

  public static SessionSecurity semiHonest() {
    return SEMI_HONEST;
  }

  /** Malicious mode with {@code provider}'s {@code attester}, checking peers against {@code policy}. */
  public static SessionSecurity malicious(String provider, IntegrityProvider.Attester attester, Policy policy, byte[] tlsPublicKey) {
    return new SessionSecurity(SecurityMode.MALICIOUS, provider, attester, policy, tlsPublicKey);
  }

  public boolean malicious() {
    return mode == SecurityMode.MALICIOUS;
  }

  /** The verifier for each peer of {@code self}, from the provider the policy names for its role. */
  Map<Party, IntegrityProvider.Verifier> verifiers(Party self) {
    Map<Party, IntegrityProvider.Verifier> v = new EnumMap<>(Party.class);
    Map<String, IntegrityProvider.Verifier> byProvider = new java.util.HashMap<>();
    for (Party p : Party.values()) {
      if (p == self) continue;
      String name = policy.provider(p);
      v.put(p, byProvider.computeIfAbsent(name, n -> IntegrityProvider.named(n).verifier(policy)));
    }
    return v;
  }

  /** For reports and log lines: "semi-honest", or "malicious (software attestation)". */
  public String describe() {
    return mode == SecurityMode.SEMI_HONEST ? mode.label() : mode.label() + " (" + provider + " attestation)";
  }

  @Override
  public String toString() {
    return "SessionSecurity(" + describe() + ")";
  }
}
