package io.musketeer.cli;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.attest.AttestationAuthority;
import io.musketeer.mpc.net.PartyKey;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "keygen", mixinStandardHelpOptions = true, description = {
    "Make a party's TLS key and self-signed certificate: DIR/ROLE.key.pem (mode 0600) and DIR/ROLE.cert.pem.",
    "Prints the certificate's SHA-256 fingerprint on stdout: pin it in every peers file, as 'ROLE = host:port sha256:HEX'.",
    "With --attestation-authority instead of --role: a software attestation authority key, DIR/attestation-authority.key.pem, for malicious "
        + "mode's software provider (development and tests only); prints its fingerprint for policies, as 'software.authority = sha256:HEX'."})
final class KeygenCommand implements Callable<Integer> {
  @Option(names = "--role", description = "server, client or helper.")
  String role;

  @Option(names = "--attestation-authority", description = "Make a software attestation authority key instead of a party's TLS key.")
  boolean authority;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the two files (created if missing).")
  Path out;

  @Option(names = "--san", paramLabel = "NAME", split = ",",
      description = "DNS names or IP addresses for the certificate's subject alternative names (not needed for pinning; for other TLS tools).")
  List<String> sans = new ArrayList<>();

  @Option(names = "--days", defaultValue = "730", paramLabel = "N", description = "Days the certificate is valid (default: ${DEFAULT-VALUE}).")
  int days;

  @Override
  public Integer call() {
    if (authority) {
      if (role != null || !sans.isEmpty()) throw new UsageError("--attestation-authority makes no party key: drop --role and --san");
      AttestationAuthority a = AttestationAuthority.generate();
      a.write(out);
      System.err.println("wrote " + AttestationAuthority.keyFile(out) + " (private: whoever reads it can sign evidence for any code; the software "
          + "provider gives no hardware guarantee)");
      System.err.println("trust it in the policy file:  software.authority = " + a.fingerprint());
      System.out.println(a.fingerprint());
      return 0;
    }
    if (role == null) throw new UsageError("give --role ROLE (a party's TLS key) or --attestation-authority");
    Party self;
    try {
      self = Party.parse(role);
    } catch (IllegalArgumentException e) {
      throw new UsageError(e.getMessage());
    }
    if (days < 1 || days > 36_500) throw new UsageError("--days must be between 1 and 36500, got " + days);
    PartyKey k = PartyKey.generate(self, sans, Duration.ofDays(days));
    k.write(out, self);
    System.err.println("wrote " + PartyKey.keyFile(out, self) + " (private: keep it on the " + self.label() + "'s machine) and "
        + PartyKey.certFile(out, self));
    System.err.println("pin it in every peers file:  " + self.label() + " = HOST:PORT " + k.fingerprint());
    System.out.println(k.fingerprint());
    return 0;
  }
}
