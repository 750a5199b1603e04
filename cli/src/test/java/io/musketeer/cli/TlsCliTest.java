package io.musketeer.cli;

import static io.musketeer.cli.CliErrorsTest.assertOneLineError;
import static io.musketeer.cli.CliErrorsTest.assertUsageError;
import static io.musketeer.cli.CliErrorsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Fingerprint;
import io.musketeer.mpc.net.PartyKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keygen, and the TLS options of run: every mistake one clear line before anything connects. */
class TlsCliTest {
  @TempDir Path dir;

  @Test
  void keygenWritesAPrivateKeyAndACertificateAndPrintsItsFingerprint() throws Exception {
    CliErrorsTest.Outcome o = run("keygen", "--role", "server", "--out", dir.resolve("keys").toString(), "--san", "10.0.0.2,server.example", "--days", "30");
    assertEquals(0, o.code(), o.err());
    Path key = dir.resolve("keys/server.key.pem"), cert = dir.resolve("keys/server.cert.pem");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    PartyKey k = PartyKey.load(key, cert);
    assertEquals(k.fingerprint().toString(), o.out().strip(), "stdout is the fingerprint alone");
    assertEquals(k.fingerprint(), Fingerprint.parse(o.out()));
    assertTrue(o.err().contains("server = HOST:PORT " + k.fingerprint()), o.err());
    X509Certificate c = k.certificate();
    List<String> sans = c.getSubjectAlternativeNames().stream().map(l -> l.get(1).toString()).toList();
    assertEquals(List.of("10.0.0.2", "server.example"), sans);
    long days = (c.getNotAfter().getTime() - System.currentTimeMillis()) / 86_400_000L;
    assertTrue(days >= 29 && days <= 30, "valid for " + days + " days");
    // a second keygen does not replace the key
    assertOneLineError(run("keygen", "--role", "server", "--out", dir.resolve("keys").toString()), "already exists");
    assertUsageError(run("keygen", "--role", "boss", "--out", dir.toString()), "unknown role 'boss'");
    assertOneLineError(run("keygen", "--role", "client", "--out", dir.toString(), "--san", "bad name!"), "neither an IP address nor a DNS name");
  }

  private Path peers(String client, String server, String helper) throws Exception {
    Path p = dir.resolve("peers.conf");
    Files.writeString(p, "client = 127.0.0.1:7000 " + client + "\nserver = 127.0.0.1:7001 " + server + "\nhelper = 127.0.0.1:7002 " + helper + "\n");
    return p;
  }

  private Fingerprint key(Party p) {
    PartyKey k = PartyKey.generate(p, List.of(), PartyKey.DEFAULT_VALIDITY);
    k.write(dir, p);
    return k.fingerprint();
  }

  @Test
  void runRefusesToStartWithoutKeyOrWithAKeyThatDoesNotFit() throws Exception {
    Fingerprint c = key(Party.CLIENT), s = key(Party.SERVER), h = key(Party.HELPER);
    Path peers = peers(c.toString(), s.toString(), h.toString());
    String serverKey = PartyKey.keyFile(dir, Party.SERVER).toString();
    assertUsageError(run("run", "--role", "server", "--model", "builtin:demo", "--peers", peers.toString()),
        "the links are TLS by default: give the server's key with --key FILE", "--plaintext");
    assertUsageError(run("run", "--role", "server", "--model", "builtin:demo", "--peers", peers.toString(), "--key", serverKey, "--plaintext"),
        "--plaintext and --key/--cert exclude each other");
    // the helper's key given to the server: its certificate is not the server's pin
    assertOneLineError(run("run", "--role", "server", "--model", "builtin:demo", "--peers", peers.toString(), "--key",
        PartyKey.keyFile(dir, Party.HELPER).toString()), "pins " + s + " for the server, but", "belongs to certificate " + h);
    // a peer without a pin
    Path unpinned = peers(c.toString(), s.toString(), "");
    assertOneLineError(run("run", "--role", "server", "--model", "builtin:demo", "--peers", unpinned.toString(), "--key", serverKey),
        "pins no certificate for the helper");
    // an unreadable key file, a key without its certificate
    Files.writeString(dir.resolve("junk.key.pem"), "not a key\n");
    Files.copy(PartyKey.certFile(dir, Party.SERVER), dir.resolve("junk.cert.pem"));
    Path peers2 = peers(c.toString(), s.toString(), h.toString());
    assertOneLineError(run("run", "--role", "server", "--model", "builtin:demo", "--peers", peers2.toString(), "--key", dir.resolve("junk.key.pem").toString()),
        "junk.key.pem holds no PEM private key");
    Path lonely = dir.resolve("lonely/server.key.pem");
    Files.createDirectories(lonely.getParent());
    Files.copy(PartyKey.keyFile(dir, Party.SERVER), lonely);
    assertOneLineError(run("run", "--role", "server", "--model", "builtin:demo", "--peers", peers2.toString(), "--key", lonely.toString()),
        "cannot read certificate file " + lonely.resolveSibling("server.cert.pem"));
  }

  @Test
  void plaintextSaysLoudlyWhatItGivesUp() {
    assertTrue(LinkOptions.PLAINTEXT_WARNING.contains("neither encrypted nor authenticated"));
    assertTrue(LinkOptions.PLAINTEXT_WARNING.contains("learn the client's input and change the result"));
  }
}
