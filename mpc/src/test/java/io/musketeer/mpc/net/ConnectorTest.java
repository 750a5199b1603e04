package io.musketeer.mpc.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.testkit.ThreeParty;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ConnectorTest {
  private static final Timeouts SHORT = ThreeParty.testTimeouts().withConnectTimeout(Duration.ofSeconds(3));

  @Test
  void aListenerBindsTheAddressInThePeersFileOnly() throws Exception {
    int port;
    try (ServerSocket free = ThreeParty.listen()) {
      port = free.getLocalPort();
    }
    Peers peers = Peers.localhost(1, port, 2);
    try (ServerSocket ss = new Connector(Party.SERVER, peers, SHORT, LinkSecurity.plaintext()).listen()) {
      assertEquals(InetAddress.getByName("127.0.0.1"), ss.getInetAddress());
      assertEquals(port, ss.getLocalPort());
    }
  }

  @Test
  void anAddressOfAnotherMachineCannotBeListenedOn() {
    // TEST-NET-1 (RFC 5737): never an address of this machine; binding sends nothing
    Peers peers = new Peers(new Peers.Address("127.0.0.1", 1), new Peers.Address("192.0.2.7", 7001), new Peers.Address("127.0.0.1", 2));
    TransportException e = assertThrows(TransportException.class, () -> new Connector(Party.SERVER, peers, SHORT, LinkSecurity.plaintext()).listen());
    assertTrue(e.getMessage().startsWith("the server cannot listen on 192.0.2.7:7001 ("), e.getMessage());
    assertTrue(e.getMessage().endsWith("that address is not on this machine (listen on another with --listen HOST:PORT, e.g. 0.0.0.0:7001)"),
        e.getMessage());
  }

  @Test
  void aPortInUseIsNamed() throws Exception {
    try (ServerSocket taken = ThreeParty.listen()) {
      Peers peers = Peers.localhost(1, 2, taken.getLocalPort());
      TransportException e = assertThrows(TransportException.class, () -> new Connector(Party.HELPER, peers, SHORT, LinkSecurity.plaintext()).listen());
      assertTrue(e.getMessage().startsWith("the helper cannot listen on 127.0.0.1:" + taken.getLocalPort()), e.getMessage());
      assertTrue(e.getMessage().endsWith("is another party or program using it?"), e.getMessage());
    }
  }

  @Test
  void theClientsSessionIdReachesBothPeers() {
    ServerSocket server = ThreeParty.listen();
    ServerSocket helper = ThreeParty.listen();
    Peers peers = Peers.localhost(1, server.getLocalPort(), helper.getLocalPort());
    SessionId session = SessionId.random();
    Map<Party, Object> out = ThreeParty.outcomes(p -> {
      Connector c = new Connector(p, peers, SHORT, LinkSecurity.plaintext());
      long deadline = System.nanoTime() + SHORT.connectTimeout().toNanos();
      try {
        return switch (p) {
          case CLIENT -> java.util.List.of(c.dial(Party.SERVER, session, deadline).session(), c.dial(Party.HELPER, session, deadline).session());
          case SERVER -> {
            SessionId s = c.accept(server, EnumSet.of(Party.CLIENT), Set.of(), null, deadline).session();
            yield java.util.List.of(s, c.dial(Party.HELPER, s, deadline).session());
          }
          case HELPER -> {
            Connector.Connection first = c.accept(helper, EnumSet.of(Party.CLIENT, Party.SERVER), Set.of(), null, deadline);
            Connector.Connection second = c.accept(helper, EnumSet.of(Party.CLIENT, Party.SERVER), EnumSet.of(first.peer()), first.session(), deadline);
            yield java.util.List.of(first.session(), second.session());
          }
        };
      } catch (java.net.SocketTimeoutException e) {
        throw new AssertionError(e);
      }
    });
    for (Party p : Party.values()) assertEquals(java.util.List.of(session, session), out.get(p), p.label());
  }

  @Test
  void aServerFromAnotherSessionIsRefusedByTheHelper() {
    ServerSocket helper = ThreeParty.listen();
    Peers peers = Peers.localhost(1, 2, helper.getLocalPort());
    Map<Party, Object> out = ThreeParty.outcomes(p -> {
      Connector c = new Connector(p, peers, SHORT, LinkSecurity.plaintext());
      long deadline = System.nanoTime() + SHORT.connectTimeout().toNanos();
      return switch (p) {
        case CLIENT -> c.dial(Party.HELPER, new SessionId(1, 1), deadline);
        case SERVER -> {
          try {
            Thread.sleep(300); // after the client
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          yield c.dial(Party.HELPER, new SessionId(2, 2), deadline);
        }
        case HELPER -> TcpTransport.connect(c, helper);
      };
    });
    TransportException e = assertInstanceOf(TransportException.class, out.get(Party.HELPER));
    assertTrue(e.getMessage().matches("the server at .* belongs to another session than the client; is another client or server using this helper\\?"),
        e.getMessage());
  }
}
