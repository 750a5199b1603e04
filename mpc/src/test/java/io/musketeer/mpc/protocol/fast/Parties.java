package io.musketeer.mpc.protocol.fast;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.InMemoryNetwork;
import io.musketeer.mpc.net.ThreeParties;
import io.musketeer.mpc.net.TrafficStats;
import io.musketeer.mpc.net.Transport;
import io.musketeer.mpc.protocol.Session;
import io.musketeer.mpc.testkit.ThreeParty;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Test harness: the three parties on threads over in-memory queues or loopback TCP, with fixed test
 * seeds, optionally recording every long[] frame one party receives (its view).
 */
final class Parties {
  enum Net {
    MEMORY,
    TCP
  }

  private Parties() {}

  /** What one party received: (from, step, payload) in order. */
  record Frame(Party from, int step, long[] data) {}

  static final class View {
    final List<Frame> frames = new ArrayList<>();

    synchronized void add(Frame f) {
      frames.add(f);
    }

    /** Payloads received from {@code from} under {@code step}, in order. */
    synchronized List<long[]> of(Party from, int step) {
      List<long[]> out = new ArrayList<>();
      for (Frame f : frames) if (f.from() == from && f.step() == step) out.add(f.data());
      return out;
    }
  }

  static <T> Map<Party, T> run(Net net, long seed, ThreeParty.PartyFn<T> fn) {
    return run(net, seed, null, null, fn);
  }

  /** Runs fn at every party; when {@code observed} is given, its received long[] frames go to {@code view}. */
  static <T> Map<Party, T> run(Net net, long seed, Party observed, View view, ThreeParty.PartyFn<T> fn) {
    Map<Party, Transport> transports = new EnumMap<>(Party.class);
    ThreeParties tcp = null;
    if (net == Net.TCP) {
      tcp = ThreeParties.tcp();
      for (Party p : Party.values()) transports.put(p, tcp.get(p));
    } else {
      InMemoryNetwork mem = new InMemoryNetwork(Duration.ofSeconds(60));
      for (Party p : Party.values()) transports.put(p, mem.transport(p));
    }
    try {
      return ThreeParties.run(p -> {
        Transport t = transports.get(p);
        if (p == observed) t = new Recording(t, view);
        try {
          return fn.run(new Session(p, t, ThreeParty.randomness(p, seed)));
        } catch (RuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
    } finally {
      if (tcp != null) tcp.close();
      else transports.values().forEach(Transport::close);
    }
  }

  /** A transport that copies every long[] frame it receives into a view. */
  private record Recording(Transport inner, View view) implements Transport {
    @Override
    public Party self() {
      return inner.self();
    }

    @Override
    public void send(Party to, int step, long[] data, int offset, int length) {
      inner.send(to, step, data, offset, length);
    }

    @Override
    public void send(Party to, int step, byte[] data, int offset, int length) {
      inner.send(to, step, data, offset, length);
    }

    @Override
    public void receive(Party from, int step, long[] dst, int offset, int length) {
      inner.receive(from, step, dst, offset, length);
      long[] copy = new long[length];
      System.arraycopy(dst, offset, copy, 0, length);
      view.add(new Frame(from, step, copy));
    }

    @Override
    public void receive(Party from, int step, byte[] dst, int offset, int length) {
      inner.receive(from, step, dst, offset, length);
    }

    @Override
    public TrafficStats stats() {
      return inner.stats();
    }

    @Override
    public void abort(String reason) {
      inner.abort(reason);
    }

    @Override
    public void close() {
      inner.close();
    }
  }
}
