package io.musketeer.cli;

import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.attest.AttestationAuthority;
import io.musketeer.mpc.attest.AttestedTls;
import io.musketeer.mpc.attest.IntegrityProvider;
import io.musketeer.mpc.attest.Policy;
import io.musketeer.mpc.attest.SecurityMode;
import io.musketeer.mpc.attest.SessionSecurity;
import io.musketeer.mpc.attest.SoftwareProvider;
import io.musketeer.mpc.net.Peers;
import io.musketeer.mpc.runtime.SecureParty;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --security}, {@code --attestation}, {@code --policy} and {@code --authority-key}: semi-honest
 * (the default) or malicious mode, with the integrity provider that attests this party and the policy
 * its peers must meet.
 */
final class SecurityOptions {
  @Option(names = "--security", defaultValue = "semi-honest", paramLabel = "MODE",
      description = "semi-honest (default) or malicious: the parties attest their code to each other and abort on any deviation (SECURITY.md).")
  String security;

  @Option(names = "--attestation", paramLabel = "PROVIDER",
      description = "Malicious mode: the integrity provider that attests this party (software, nitro).")
  String attestation;

  @Option(names = "--policy", paramLabel = "FILE",
      description = "Malicious mode: the attestation policy (each role's measurement, the provider's trust root; see musketeer measure).")
  Path policy;

  @Option(names = "--authority-key", paramLabel = "FILE",
      description = "Software provider: the attestation authority key that signs this party's evidence (musketeer keygen --attestation-authority).")
  Path authorityKey;

  SecurityMode mode() {
    try {
      return SecurityMode.parse(security);
    } catch (IllegalArgumentException e) {
      throw new UsageError("--security: " + e.getMessage());
    }
  }

  boolean malicious() {
    return mode() == SecurityMode.MALICIOUS;
  }

  /** Option combinations that cannot work, refused before anything is loaded. */
  void check(boolean plaintext, boolean hasKey, boolean throwawayAllowed) {
    if (!malicious()) {
      if (attestation != null || policy != null || authorityKey != null) {
        throw new UsageError("--attestation, --policy and --authority-key are for --security malicious");
      }
      return;
    }
    if (plaintext) throw new UsageError("--security malicious needs TLS: --plaintext would show every share to the network");
    if (hasKey) {
      throw new UsageError("in malicious mode each party makes its TLS key inside its trusted boundary for each run and is authenticated by "
          + "attestation: drop --key/--cert");
    }
    if (!throwawayAllowed && (attestation == null || policy == null)) {
      throw new UsageError("--security malicious needs --attestation PROVIDER and --policy FILE");
    }
    if (throwawayAllowed && (attestation == null) != (policy == null)) {
      throw new UsageError("give both --attestation and --policy, or neither (then a throwaway software authority and policy are made for this run)");
    }
    if (attestation != null) {
      try {
        IntegrityProvider.named(attestation);
      } catch (RuntimeException e) {
        throw new UsageError("--attestation: " + e.getMessage());
      }
    }
    if (authorityKey != null && !SoftwareProvider.NAME.equals(attestation)) throw new UsageError("--authority-key is for --attestation software");
    if (authorityKey == null && SoftwareProvider.NAME.equals(attestation)) {
      throw new UsageError("--attestation software signs this party's evidence with an attestation authority key: give it with --authority-key FILE"
          + " (musketeer keygen --attestation-authority)");
    }
    if (policy != null && !Files.isRegularFile(policy)) throw new UsageError("--policy: " + policy + " is not a file");
  }

  /** Whether local, bench or demo make the authority and the policy themselves. */
  boolean throwaway() {
    return malicious() && attestation == null;
  }

  /** This party's session security and the link security it needs (for run). */
  SessionSecurity session(Party self, AttestedTls tls) {
    if (!malicious()) return SessionSecurity.semiHonest();
    Policy p = Policy.read(policy);
    IntegrityProvider provider = IntegrityProvider.named(attestation);
    Map<String, String> settings = new LinkedHashMap<>();
    if (authorityKey != null) settings.put("authority-key", authorityKey.toString());
    IntegrityProvider.Attester attester = provider.attester(settings);
    announce(provider);
    for (Party peer : Party.values()) {
      if (peer != self && SoftwareProvider.NAME.equals(p.provider(peer)) && !SoftwareProvider.NAME.equals(attestation)) {
        System.err.println("musketeer: WARNING: policy " + p.source() + " accepts software evidence from the " + peer.label() + ": "
            + SoftwareProvider.GUARANTEE);
      }
    }
    return SessionSecurity.malicious(provider.name(), attester, p, tls.publicKey());
  }

  /** Says at every start what the provider guarantees, loudly for the software provider. */
  static void announce(IntegrityProvider provider) {
    String line = "malicious mode, attested by the " + provider.name() + " provider: " + provider.guarantee();
    System.err.println(SoftwareProvider.NAME.equals(provider.name()) ? "musketeer: WARNING: " + line : "musketeer: " + line);
  }

  /** The attested TLS of malicious mode, with a key made now; null in semi-honest mode. */
  AttestedTls tls(Party self, Peers peers) {
    if (!malicious()) return null;
    if (peers.pins(self).size() + otherPins(self, peers) > 0) {
      System.err.println("musketeer: malicious mode: peers are authenticated by attestation; the certificate pins in the peers file are not used");
    }
    return AttestedTls.fresh(self, peers);
  }

  private static int otherPins(Party self, Peers peers) {
    int n = 0;
    for (Party p : Party.values()) if (p != self) n += peers.pins(p).size();
    return n;
  }

  /**
   * The options to pass to local, bench and demo's party processes; in throwaway mode a fresh
   * authority and a policy for {@code program} are written into {@code dir} first.
   */
  List<String> partyArgs(Path dir, Program program, String protocol) {
    return partyArgs(dir, program, protocol, SecureParty.defaultBatch(protocol, program));
  }

  /** As above, for parties running sessions of at most {@code batch} comparisons per exchange (their measurements include it). */
  List<String> partyArgs(Path dir, Program program, String protocol, int batch) {
    List<String> args = new ArrayList<>();
    if (!malicious()) return args;
    args.addAll(List.of("--security", "malicious"));
    if (throwaway()) {
      AttestationAuthority a = AttestationAuthority.generate();
      a.write(dir);
      Map<String, List<String>> v = new LinkedHashMap<>();
      v.put("attestation", List.of(SoftwareProvider.NAME));
      v.put("software.authority", List.of(a.fingerprint().toString()));
      for (Party p : Party.values()) v.put("measurement." + p.label(), List.of(SecureParty.measurement(p, program, protocol, batch).digest().toString()));
      Path policyFile = dir.resolve("policy.conf");
      try {
        Files.writeString(policyFile, Policy.of(v).text());
      } catch (java.io.IOException e) {
        throw new io.musketeer.MusketeerException("cannot write " + policyFile + " (" + e.getMessage() + ")");
      }
      System.err.println("musketeer: malicious mode with the software provider, a throwaway attestation authority and a policy made for this run "
          + "(NO hardware guarantee: this checks the attested-session machinery, not the hardware)");
      args.addAll(List.of("--attestation", SoftwareProvider.NAME, "--policy", policyFile.toString(), "--authority-key",
          AttestationAuthority.keyFile(dir).toString()));
    } else {
      args.addAll(List.of("--attestation", attestation, "--policy", policy.toAbsolutePath().toString()));
      if (authorityKey != null) args.addAll(List.of("--authority-key", authorityKey.toAbsolutePath().toString()));
    }
    return args;
  }
}
