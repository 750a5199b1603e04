package io.musketeer.mpc.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.musketeer.MusketeerException;
import io.musketeer.mpc.Party;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeersTest {
  /** Parties on one machine never share a port: the ports are chosen while all of them are held. */
  @Test
  void freeLoopbackPortsAreDistinct() throws Exception {
    for (int round = 0; round < 20; round++) {
      int[] ports = Peers.freeLoopbackPorts(64);
      assertEquals(ports.length, java.util.Arrays.stream(ports).distinct().count(), java.util.Arrays.toString(ports));
    }
  }

  @Test
  void parsesAFileWithCommentsBlankLinesAndIpv6(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("peers.txt");
    Files.writeString(f, """
        # three parties
        helper = [::1]:7002   # the dealer

        CLIENT=client.example:7000
          server = 10.0.0.2:7001
        """);
    Peers p = Peers.parse(f);
    assertEquals(new Peers.Address("client.example", 7000), p.client());
    assertEquals(new Peers.Address("10.0.0.2", 7001), p.address(Party.SERVER));
    assertEquals(new Peers.Address("::1", 7002), p.helper());
    assertEquals("[::1]:7002", p.helper().toString());
    assertEquals(p, Peers.parse(p.toFileText(), "again"));
  }

  private static String error(String text) {
    return assertThrows(MusketeerException.class, () -> Peers.parse(text, "peers.txt")).getMessage();
  }

  @Test
  void malformedLinesAreNamedByFileAndLine() {
    String ok = "client = a:1\nserver = b:2\n";
    assertEquals("peers.txt line 3: expected 'role = host:port [sha256:FINGERPRINT ...]', got 'helper c:3'", error(ok + "helper c:3\n"));
    assertEquals("peers.txt line 3: unknown role 'dealer' (expected client, server or helper)", error(ok + "dealer = c:3\n"));
    assertEquals("peers.txt line 3: server is already given on line 2", error(ok + "server = c:3\n"));
    assertEquals("peers.txt line 3: helper: expected host:port, got 'c' (no port)", error(ok + "helper = c\n"));
    assertEquals("peers.txt line 3: helper: port 'x7' is not a number", error(ok + "helper = c:x7\n"));
    assertEquals("peers.txt line 3: helper: port 70000 is outside 1..65535", error(ok + "helper = c:70000\n"));
    assertEquals("peers.txt line 3: helper: expected host:port, got ':7' (no host)", error(ok + "helper = :7\n"));
    assertEquals("peers.txt line 3: helper: write IPv6 addresses in brackets, as [::1]:7", error(ok + "helper = ::1:7\n"));
    assertEquals("peers.txt line 3: helper: expected [ipv6-address]:port, got '[::1]7'", error(ok + "helper = [::1]7\n"));
    assertEquals("peers.txt: no address for the helper (add a line 'helper = host:port')", error(ok));
    assertEquals("peers.txt line 3: helper has the server's address b:2 (line 2); give each party its own host:port", error(ok + "helper = b:2\n"));
    assertEquals("peers.txt line 3: helper has the server's address B:2 (line 2); give each party its own host:port", error(ok + "helper = B:2\n"));
    assertEquals("peers.txt line 2: server has the client's address a:1 (line 1); give each party its own host:port", error("client = a:1\nserver = a:1\n"));
  }

  private static final String A = "sha256:" + "ab".repeat(32);
  private static final String B = "sha256:" + "0123456789abcdef".repeat(4);

  @Test
  void fingerprintsPinEachPartysCertificate() {
    Peers p = Peers.parse("client = * " + A + "\nserver = s:2 SHA256:" + B.substring(7).toUpperCase() + "\nhelper = h:3 " + A.replace("ab", "cd") + " "
        + B.replace("0", "f") + "\n", "peers.txt");
    assertEquals(Peers.Address.ANY, p.client());
    assertEquals(java.util.List.of(Fingerprint.parse(A)), p.pins(Party.CLIENT));
    assertEquals(B, p.pins(Party.SERVER).get(0).toString());
    assertEquals(2, p.pins(Party.HELPER).size());
    assertEquals(java.util.List.of(), p.unpinned());
    assertEquals(p, Peers.parse(p.toFileText(), "again"));
    // colons between bytes, as openssl prints a fingerprint
    String colons = "sha256:" + String.join(":", java.util.Collections.nCopies(32, "AB"));
    assertEquals(Fingerprint.parse(A), Fingerprint.parse(colons));
    assertEquals(java.util.List.of(Party.CLIENT, Party.HELPER), Peers.parse("client = a:1\nserver = b:2 " + A + "\nhelper = c:3\n", "x").unpinned());
  }

  @Test
  void badFingerprintsAndSharedCertificatesAreNamed() {
    String ok = "client = a:1 " + A + "\nserver = b:2 " + B + "\n";
    assertEquals("peers.txt line 3: helper: expected a certificate fingerprint 'sha256:HEX', got 'md5:1234'", error(ok + "helper = c:3 md5:1234\n"));
    assertEquals("peers.txt line 3: helper: fingerprint 'sha256:abcd' is not 64 hex digits after 'sha256:' (copy it as musketeer keygen prints it)",
        error(ok + "helper = c:3 sha256:abcd\n"));
    assertEquals("peers.txt line 3: helper pins the server's certificate " + B + " (line 2); each party needs its own key (musketeer keygen --role helper)",
        error(ok + "helper = c:3 " + B + "\n"));
    assertEquals("peers.txt line 3: helper: " + A.replace("ab", "cd") + " is given twice", error(ok + "helper = c:3 " + A.replace("ab", "cd") + " " + A.replace("ab", "cd") + "\n"));
    assertEquals("peers.txt line 3: helper: only the client's address may be '*' (the helper is dialed: give its host:port)", error(ok + "helper = *\n"));
    assertEquals("peers.txt line 3: helper: expected host:port after '='", error(ok + "helper =\n"));
  }

  @Test
  void aMissingFileIsOneLine(@TempDir Path dir) {
    Path f = dir.resolve("nope.txt");
    MusketeerException e = assertThrows(MusketeerException.class, () -> Peers.parse(f));
    assertEquals("cannot read peers file " + f + " (NoSuchFileException: " + f + ")", e.getMessage());
  }
}
