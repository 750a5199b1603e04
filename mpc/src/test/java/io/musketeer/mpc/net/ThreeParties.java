package io.musketeer.mpc.net;

import io.musketeer.mpc.Party;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/** Test harness: three parties as threads of one JVM, over in-memory queues or loopback TCP. */
public final class ThreeParties implements AutoCloseable {
  private final Map<Party, Transport> transports;

  private ThreeParties(Map<Party, Transport> transports) {
    this.transports = transports;
  }

  public Transport get(Party p) {
    return transports.get(p);
  }

  public static ThreeParties inMemory() {
    InMemoryNetwork net = new InMemoryNetwork(Duration.ofSeconds(20));
    Map<Party, Transport> m = new EnumMap<>(Party.class);
    for (Party p : Party.values()) m.put(p, net.transport(p));
    return new ThreeParties(m);
  }

  /** Short timeouts for tests: 10 s to connect, 20 s of silence. */
  public static Timeouts testOptions() {
    return Timeouts.defaults().withConnectTimeout(Duration.ofSeconds(10)).withReceiveTimeout(Duration.ofSeconds(20))
        .withCloseTimeout(Duration.ofSeconds(5));
  }

  public static ThreeParties tcp() {
    return tcp(testOptions());
  }

  /** Three TcpTransports on 127.0.0.1, listening on ephemeral ports bound before anyone dials. */
  public static ThreeParties tcp(Timeouts options) {
    ServerSocket server = listen();
    ServerSocket helper = listen();
    Peers peers = Peers.localhost(1, server.getLocalPort(), helper.getLocalPort());
    Map<Party, FramedTransport> m = run(p -> TcpTransport.connect(p, peers, options, switch (p) {
      case CLIENT -> null;
      case SERVER -> server;
      case HELPER -> helper;
    }));
    return new ThreeParties(new EnumMap<>(m));
  }

  /** Fresh keys for the three parties and a loopback peers file pinning them (ports still to be bound). */
  public record Keys(Map<Party, PartyKey> keys, Peers pins) {
    public static Keys fresh() {
      Map<Party, PartyKey> k = new EnumMap<>(Party.class);
      Peers peers = Peers.localhost(1, 2, 3);
      for (Party p : Party.values()) {
        k.put(p, PartyKey.generate(p, java.util.List.of("127.0.0.1"), PartyKey.DEFAULT_VALIDITY));
        peers = peers.withPins(p, java.util.List.of(k.get(p).fingerprint()));
      }
      return new Keys(k, peers);
    }

    public TlsSecurity security(Party p) {
      return new TlsSecurity(keys.get(p), pins);
    }
  }

  public static ThreeParties tls() {
    return tls(Keys.fresh(), testOptions());
  }

  /** Three parties over TLS on 127.0.0.1 with the given keys, listening on ephemeral ports bound before anyone dials. */
  public static ThreeParties tls(Keys keys, Timeouts options) {
    Map<Party, TlsSecurity> security = new EnumMap<>(Party.class);
    for (Party p : Party.values()) security.put(p, keys.security(p));
    ServerSocket server = listen(security.get(Party.SERVER));
    ServerSocket helper = listen(security.get(Party.HELPER));
    Peers peers = Peers.localhost(1, server.getLocalPort(), helper.getLocalPort());
    for (Party p : Party.values()) peers = peers.withPins(p, keys.pins().pins(p));
    Peers finalPeers = peers;
    Map<Party, FramedTransport> m = run(p -> TcpTransport.connect(new Connector(p, finalPeers, options, security.get(p)), switch (p) {
      case CLIENT -> null;
      case SERVER -> server;
      case HELPER -> helper;
    }));
    return new ThreeParties(new EnumMap<>(m));
  }

  /** A loopback listening socket on an ephemeral port from {@code security}'s factory. */
  public static ServerSocket listen(LinkSecurity security) {
    try {
      return security.listener().createServerSocket(0, 16, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static ServerSocket listen() {
    try {
      return new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs one task per party in parallel (60 s at most) and returns the results; rethrows the first failure. */
  public static <T> Map<Party, T> run(Function<Party, T> task) {
    ExecutorService ex = Executors.newFixedThreadPool(3);
    try {
      Map<Party, Future<T>> f = new EnumMap<>(Party.class);
      for (Party p : Party.values()) f.put(p, ex.submit(() -> task.apply(p)));
      Map<Party, T> out = new EnumMap<>(Party.class);
      for (Party p : Party.values()) out.put(p, f.get(p).get(60, TimeUnit.SECONDS));
      return out;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) throw r;
      if (e.getCause() instanceof Error r) throw r;
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException(e);
    } finally {
      ex.shutdownNow();
    }
  }

  /** Runs {@code task} for each party and returns each party's outcome: its result or the exception it threw. */
  public static <T> Map<Party, Object> outcomes(Function<Party, T> task) {
    return run(p -> {
      try {
        return (Object) task.apply(p);
      } catch (RuntimeException e) {
        return e;
      }
    });
  }

  @Override
  public void close() {
    for (Transport t : transports.values()) t.close();
  }
}
