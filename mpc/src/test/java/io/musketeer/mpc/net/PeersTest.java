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
    assertEquals("peers.txt line 3: expected 'role = host:port', got 'helper c:3'", error(ok + "helper c:3\n"));
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

  @Test
  void aMissingFileIsOneLine(@TempDir Path dir) {
    Path f = dir.resolve("nope.txt");
    MusketeerException e = assertThrows(MusketeerException.class, () -> Peers.parse(f));
    assertEquals("cannot read peers file " + f + " (NoSuchFileException: " + f + ")", e.getMessage());
  }
}
