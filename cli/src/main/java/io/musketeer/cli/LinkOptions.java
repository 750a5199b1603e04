package io.musketeer.cli;

import io.musketeer.MusketeerException;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Fingerprint;
import io.musketeer.mpc.net.LinkSecurity;
import io.musketeer.mpc.net.PartyKey;
import io.musketeer.mpc.net.Peers;
import io.musketeer.mpc.net.TlsSecurity;
import java.nio.file.Path;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/** How a party's links are protected: {@code --key}/{@code --cert} for TLS (the default), or {@code --plaintext}; and where it listens. */
final class LinkOptions {
  static final String PLAINTEXT_WARNING = "musketeer: WARNING: --plaintext: the links to the other parties are neither encrypted nor authenticated. "
      + "Anyone on the network path can read everything sent, pose as a party, learn the client's input and change the result "
      + "without anyone noticing. Use it only on a network you trust completely.";

  @Option(names = "--key", paramLabel = "FILE",
      description = "This party's private key (PEM, from musketeer keygen); its certificate is read from beside it (ROLE.cert.pem) unless --cert is given.")
  Path key;

  @Option(names = "--cert", paramLabel = "FILE", description = "This party's certificate (PEM), if not beside the key.")
  Path cert;

  @Option(names = "--plaintext",
      description = "No TLS: links neither encrypted nor authenticated (anyone on the network can read the input and change the result). "
          + "All three parties must agree.")
  boolean plaintext;

  @Option(names = "--listen", paramLabel = "HOST:PORT",
      description = "Listen on this address instead of this party's address in the peers file (behind NAT, in a container: e.g. 0.0.0.0:7001).")
  String listen;

  /** The security for {@code self}'s links, after checking that the key, its certificate and the peers file fit together. */
  LinkSecurity security(Party self, Peers peers, Path peersFile, List<Party> talksTo) {
    if (plaintext) {
      if (key != null || cert != null) throw new UsageError("--plaintext and --key/--cert exclude each other: choose TLS (--key) or no TLS");
      System.err.println(PLAINTEXT_WARNING);
      return LinkSecurity.plaintext();
    }
    if (key == null) {
      if (cert != null) throw new UsageError("--cert needs --key (the certificate's private key)");
      throw new UsageError("the links are TLS by default: give the " + self.label() + "'s key with --key FILE (make one with: musketeer keygen --role "
          + self.label() + " --out DIR, and pin its fingerprint in every peers file), or --plaintext on a network you trust completely");
    }
    PartyKey own = PartyKey.load(key, cert != null ? cert : PartyKey.certBeside(key));
    try {
      own.certificate().checkValidity();
    } catch (CertificateExpiredException e) {
      throw new MusketeerException("this party's certificate " + own.fingerprint() + " expired on " + own.certificate().getNotAfter().toInstant()
          + "; make a new key (musketeer keygen --role " + self.label() + ") and pin it in every peers file");
    } catch (CertificateNotYetValidException e) {
      throw new MusketeerException("this party's certificate " + own.fingerprint() + " is valid only from " + own.certificate().getNotBefore().toInstant()
          + "; is this machine's clock right?");
    }
    List<Fingerprint> mine = peers.pins(self);
    if (!mine.isEmpty() && !mine.contains(own.fingerprint())) {
      throw new MusketeerException(peersFile + " pins " + mine.stream().map(Fingerprint::toString).collect(Collectors.joining(" or ")) + " for the "
          + self.label() + ", but " + key + " belongs to certificate " + own.fingerprint() + "; the others would refuse it: fix the peers file or the key");
    }
    for (Party p : talksTo) {
      if (peers.pins(p).isEmpty()) {
        throw new MusketeerException(peersFile + " pins no certificate for the " + p.label() + ": add its fingerprint (musketeer keygen prints it) to the "
            + p.label() + "'s line, as '" + p.label() + " = host:port sha256:HEX', or run every party with --plaintext");
      }
    }
    return new TlsSecurity(own, peers);
  }

  /** The address to listen on: --listen, else this party's entry in the peers file. */
  Peers.Address listenAddress(Party self, Peers peers) {
    if (listen == null) return peers.address(self);
    try {
      return Peers.Address.parse(listen);
    } catch (IllegalArgumentException e) {
      throw new UsageError("--listen: " + e.getMessage());
    }
  }

  /** These options as passed on to a party process. */
  static List<String> partyArgs(Path key) {
    return key == null ? List.of("--plaintext") : List.of("--key", key.toString());
  }
}
