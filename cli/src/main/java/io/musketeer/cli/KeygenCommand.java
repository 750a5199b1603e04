package io.musketeer.cli;

import io.musketeer.mpc.Party;
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
    "Prints the certificate's SHA-256 fingerprint on stdout: pin it in every peers file, as 'ROLE = host:port sha256:HEX'."})
final class KeygenCommand implements Callable<Integer> {
  @Option(names = "--role", required = true, description = "server, client or helper.")
  String role;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the two files (created if missing).")
  Path out;

  @Option(names = "--san", paramLabel = "NAME", split = ",",
      description = "DNS names or IP addresses for the certificate's subject alternative names (not needed for pinning; for other TLS tools).")
  List<String> sans = new ArrayList<>();

  @Option(names = "--days", defaultValue = "730", paramLabel = "N", description = "Days the certificate is valid (default: ${DEFAULT-VALUE}).")
  int days;

  @Override
  public Integer call() {
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
