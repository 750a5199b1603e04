package io.musketeer.mpc.testkit;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Parallel;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Connector;
import io.musketeer.mpc.net.InMemoryNetwork;
import io.musketeer.mpc.net.PartyKey;
import io.musketeer.mpc.net.Peers;
import io.musketeer.mpc.net.TcpTransport;
import io.musketeer.mpc.net.Timeouts;
import io.musketeer.mpc.net.TlsSecurity;
import io.musketeer.mpc.net.TrafficStats;
import io.musketeer.mpc.net.Transport;
import io.musketeer.mpc.protocol.Session;
import io.musketeer.mpc.random.Randomness;
import io.musketeer.mpc.runtime.InProcessRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The test kit's three parties in one JVM, over in-memory queues or loopback TCP ({@link Net}).
 *
 * <ul>
 *   <li>Protocol code: {@link #over(Net)}{@code .seed(..).batch(..).run(fn)} runs fn at each party with
 *       a {@link Session} on fixed, public test seeds and returns each party's value and traffic;
 *       {@link #run(PartyFn)} is the in-memory default. {@link Runner#wrap} puts a decorator (such as
 *       {@link View}'s recorder) over a party's transport.
 *   <li>Whole programs: {@link #program} runs the real party code (handshake, key agreement, executor).
 *   <li>Transports alone: {@link #connect(Net)} for tests of the transport layer, with
 *       {@link #parallel} and {@link #outcomes} to run per-party work; {@link #listen()} and
 *       {@link #testTimeouts()} for TCP set-ups of their own. OS processes: {@link PartyProcesses}.
 *   <li>Shares: {@link #share}, {@link #open}, {@link #of}.
 * </ul>
 * Everything runs through {@link InProcessRun#onThreads}: each party closes its own transport when its
 * task ends or fails, so a failing party releases the others, and its failure, the first, is rethrown.
 */
public final class ThreeParty {
  private ThreeParty() {}

  /** How the three parties are linked. */
  public enum Net {
    MEMORY,
    TCP,
    /** Loopback TCP under TLS 1.3 with fresh keys for the three parties, pinned in the peers file. */
    TLS
  }

  @FunctionalInterface
  public interface PartyFn<T> {
    T run(Session s) throws Exception;
  }

  /** Each party's value and its traffic as it finished. */
  public record Result<T>(Map<Party, T> values, Map<Party, TrafficStats.Snapshot> traffic) {
    public T client() {
      return values.get(Party.CLIENT);
    }

    public T server() {
      return values.get(Party.SERVER);
    }

    public T helper() {
      return values.get(Party.HELPER);
    }

    public TrafficStats.Snapshot traffic(Party p) {
      return traffic.get(p);
    }
  }

  // ------------------------------------------------------------------ protocol code over sessions

  /** Sessions over {@code net}, seed tag 1, the default batch size, the shared worker pool. */
  public static Runner over(Net net) {
    return new Runner(net, 1, Session.DEFAULT_BATCH, Parallel.shared(), (p, t) -> t);
  }

  public static <T> Result<T> run(PartyFn<T> fn) {
    return over(Net.MEMORY).run(fn);
  }

  public static <T> Result<T> run(long seedTag, PartyFn<T> fn) {
    return over(Net.MEMORY).seed(seedTag).run(fn);
  }

  /** How {@link #run} sets up the parties; immutable. */
  public record Runner(Net net, long seedTag, int batchSize, Parallel workers, BiFunction<Party, Transport, Transport> decorator) {
    /** Selects the (fixed, public) test seeds. */
    public Runner seed(long tag) {
      return new Runner(net, tag, batchSize, workers, decorator);
    }

    public Runner batch(int size) {
      return new Runner(net, seedTag, size, workers, decorator);
    }

    public Runner workers(Parallel pool) {
      return new Runner(net, seedTag, batchSize, pool, decorator);
    }

    /** Puts {@code wrap(party, transport)} in place of each party's transport (return it unchanged for parties left alone). */
    public Runner wrap(BiFunction<Party, Transport, Transport> wrap) {
      BiFunction<Party, Transport, Transport> inner = decorator;
      return new Runner(net, seedTag, batchSize, workers, (p, t) -> wrap.apply(p, inner.apply(p, t)));
    }

    /** Runs fn at each party and returns each party's value and traffic. */
    public <T> Result<T> run(PartyFn<T> fn) {
      record Out<T>(T value, TrafficStats.Snapshot traffic) {}
      Map<Party, Out<T>> outs = InProcessRun.onThreads(connector(net), (p, t) -> {
        Transport wrapped = decorator.apply(p, t);
        try (Randomness r = randomness(p, seedTag)) {
          T v = fn.run(new Session(p, wrapped, r, batchSize, workers));
          return new Out<>(v, t.stats().snapshot());
        }
      });
      Map<Party, T> values = new EnumMap<>(Party.class);
      Map<Party, TrafficStats.Snapshot> traffic = new EnumMap<>(Party.class);
      outs.forEach((p, o) -> {
        if (o.value() != null) values.put(p, o.value());
        traffic.put(p, o.traffic());
      });
      return new Result<>(values, traffic);
    }
  }

  /** Fixed test randomness: pair seeds and private seeds derived from the tag (public; tests only). */
  public static Randomness randomness(Party self, long seedTag) {
    Map<Party, byte[]> pairs = new EnumMap<>(Party.class);
    for (Party o : Party.values()) {
      if (o == self) continue;
      int lo = Math.min(self.ordinal(), o.ordinal()), hi = Math.max(self.ordinal(), o.ordinal());
      pairs.put(o, seed(seedTag, 10 * lo + hi));
    }
    return new Randomness(self, pairs, seed(seedTag, 100 + self.ordinal()));
  }

  private static byte[] seed(long tag, int which) {
    byte[] s = new byte[32];
    long v = tag * 0x9E3779B97F4A7C15L + which;
    for (int i = 0; i < 32; i++) {
      v = v * 6364136223846793005L + 1442695040888963407L;
      s[i] = (byte) (v >>> 56);
    }
    return s;
  }

  // ------------------------------------------------------------------ whole programs

  /** The program run by the real party code (handshake, key agreement, executor) over {@code net}. */
  public static InProcessRun.Result program(Program program, String protocol, Map<String, FloatTensor> clientInputs, Net net) {
    return InProcessRun.run(program, protocol, clientInputs, connector(net));
  }

  // ------------------------------------------------------------------ transports

  /** 10 s to connect, 20 s of silence, 5 s to drain on close. */
  public static Timeouts testTimeouts() {
    return Timeouts.defaults().withConnectTimeout(Duration.ofSeconds(10)).withReceiveTimeout(Duration.ofSeconds(20))
        .withCloseTimeout(Duration.ofSeconds(5));
  }

  /** Makes each party's transport on the party's own thread: a fresh in-memory network or loopback TCP set-up. */
  static Function<Party, Transport> connector(Net net) {
    return connector(net, testTimeouts());
  }

  static Function<Party, Transport> connector(Net net, Timeouts timeouts) {
    return switch (net) {
      case MEMORY -> {
        InMemoryNetwork memory = new InMemoryNetwork(timeouts.receiveTimeout());
        yield memory::transport;
      }
      case TCP -> {
        // listeners bound before anyone dials: no race for a free port
        ServerSocket server = listen(), helper = listen();
        Peers peers = Peers.localhost(1, server.getLocalPort(), helper.getLocalPort());
        yield p -> TcpTransport.connect(p, peers, timeouts, switch (p) {
          case CLIENT -> null;
          case SERVER -> server;
          case HELPER -> helper;
        });
      }
      case TLS -> tls(Keys.fresh(), timeouts);
    };
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

  /** TLS set-up with the given keys: listeners bound before anyone dials. */
  public static Function<Party, Transport> tls(Keys keys, Timeouts timeouts) {
    Map<Party, TlsSecurity> security = new EnumMap<>(Party.class);
    for (Party p : Party.values()) security.put(p, keys.security(p));
    ServerSocket server = listen(), helper = listen();
    Peers peers = Peers.localhost(1, server.getLocalPort(), helper.getLocalPort());
    for (Party p : Party.values()) peers = peers.withPins(p, keys.pins().pins(p));
    Peers pinned = peers;
    return p -> TcpTransport.connect(new Connector(p, pinned, timeouts, security.get(p)), switch (p) {
      case CLIENT -> null;
      case SERVER -> server;
      case HELPER -> helper;
    });
  }

  /** The three transports, connected. */
  public static final class Connected implements AutoCloseable {
    private final Map<Party, Transport> transports;

    private Connected(Map<Party, Transport> transports) {
      this.transports = transports;
    }

    public Transport get(Party p) {
      return transports.get(p);
    }

    /** Closes the three at once, as separate processes would: each close waits for its peers' (a lingering close). */
    @Override
    public void close() {
      parallel(p -> {
        transports.get(p).close();
        return p;
      });
    }
  }

  public static Connected connect(Net net) {
    return connect(net, testTimeouts());
  }

  public static Connected connect(Net net, Timeouts timeouts) {
    Function<Party, Transport> c = connector(net, timeouts);
    return new Connected(new EnumMap<>(parallel(c)));
  }

  /** A loopback listening socket on an ephemeral port. */
  public static ServerSocket listen() {
    try {
      return new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs one task per party in parallel (60 s at most) and returns the results; rethrows the first failure. */
  public static <T> Map<Party, T> parallel(Function<Party, T> task) {
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
    return parallel(p -> {
      try {
        return (Object) task.apply(p);
      } catch (RuntimeException e) {
        return e;
      }
    });
  }

  // ------------------------------------------------------------------ shares

  /** Random additive shares of x: {client, server}. */
  public static long[][] share(long[] x, Random rnd) {
    long[] a = new long[x.length], b = new long[x.length];
    for (int i = 0; i < x.length; i++) {
      b[i] = rnd.nextLong();
      a[i] = x[i] - b[i];
    }
    return new long[][] {a, b};
  }

  public static long[] open(long[] a, long[] b) {
    long[] out = new long[a.length];
    for (int i = 0; i < a.length; i++) out[i] = a[i] + b[i];
    return out;
  }

  /** The share of party p from a {client, server} pair, null for the helper. */
  public static long[] of(Session s, long[][] shares) {
    return switch (s.self()) {
      case CLIENT -> shares[0];
      case SERVER -> shares[1];
      case HELPER -> null;
    };
  }
}
