package io.musketeer.mpc.testkit;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.InMemoryNetwork;
import io.musketeer.mpc.net.TrafficStats;
import io.musketeer.mpc.net.Transport;
import io.musketeer.mpc.protocol.Session;
import io.musketeer.mpc.random.Randomness;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs one lambda per party on three threads over an {@link InMemoryNetwork}, with {@link Randomness}
 * from fixed test seeds, and returns each party's result and traffic.
 */
public final class ThreeParty {
  private ThreeParty() {}

  @FunctionalInterface
  public interface PartyFn<T> {
    T run(Session s) throws Exception;
  }

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

  public static <T> Result<T> run(PartyFn<T> fn) {
    return run(1L, fn);
  }

  /** Runs fn at each party; seedTag selects the (fixed, public) test seeds. */
  public static <T> Result<T> run(long seedTag, PartyFn<T> fn) {
    return run(seedTag, Session.DEFAULT_BATCH, fn);
  }

  /** As {@link #run(long, PartyFn)} with sessions of the given batch size. */
  public static <T> Result<T> run(long seedTag, int batchSize, PartyFn<T> fn) {
    InMemoryNetwork network = new InMemoryNetwork(Duration.ofSeconds(120));
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      Map<Party, Future<T>> futures = new EnumMap<>(Party.class);
      Map<Party, Transport> transports = new EnumMap<>(Party.class);
      for (Party p : Party.values()) {
        Transport t = network.transport(p);
        transports.put(p, t);
        Session s = new Session(p, t, randomness(p, seedTag), batchSize, io.musketeer.core.Parallel.shared());
        futures.put(p, pool.submit(() -> fn.run(s)));
      }
      Map<Party, T> values = new EnumMap<>(Party.class);
      Map<Party, TrafficStats.Snapshot> traffic = new EnumMap<>(Party.class);
      Throwable failure = null;
      for (Party p : Party.values()) {
        try {
          values.put(p, futures.get(p).get());
        } catch (ExecutionException e) {
          if (failure == null) failure = e.getCause();
          transports.values().forEach(Transport::close);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      if (failure != null) {
        if (failure instanceof RuntimeException r) throw r;
        if (failure instanceof Error err) throw err;
        throw new IllegalStateException(failure);
      }
      for (Party p : Party.values()) traffic.put(p, transports.get(p).stats().snapshot());
      return new Result<>(values, traffic);
    } finally {
      pool.shutdownNow();
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

  // ------------------------------------------------------------------ share helpers for tests

  /** Random additive shares of x: {client, server}. */
  public static long[][] share(long[] x, java.util.Random rnd) {
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
