package io.musketeer.mpc.runtime;

import io.musketeer.core.JitPrimer;
import io.musketeer.core.Parallel;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.TrafficStats;
import io.musketeer.mpc.net.Transport;
import io.musketeer.mpc.protocol.Comparison;
import io.musketeer.mpc.protocol.ComparisonPlan;
import io.musketeer.mpc.protocol.Session;
import io.musketeer.mpc.protocol.TruncMode;
import io.musketeer.mpc.random.Prg;
import io.musketeer.mpc.random.Randomness;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A party's comparison code run once, alone, on a few thousand random values per kind of call the
 * program makes, while the session is being set up: the JIT then compiles the protocol's kernels on
 * sizes that cost milliseconds rather than on the first layers' millions of values, where the Vector
 * API's interpreted and C1 code runs about a hundred times slower than C2's, and it compiles them with
 * profiles of every mode and bound the program uses, which spares the deoptimisations that recompiled
 * them layer after layer. Only this party's role runs: its peers are stood in for by a transport that
 * drops what it is sent and answers random bytes, so nothing leaves the process and the results are
 * noise, thrown away. The seeds are fresh and unrelated to the session's.
 */
public final class Rehearsal {
  private Rehearsal() {}

  /** Values per call: enough to reach the JIT's thresholds (lowered for the kernels by the launcher), small enough to be cheap. */
  static final int VALUES = 8192;

  private static final AtomicBoolean STARTED = new AtomicBoolean();

  /**
   * Starts the rehearsal of the program's comparisons on a daemon thread, once per JVM (a long-running
   * service is warm after its first session), and returns at once.
   */
  public static void startOnce(Party self, Program program, Comparison comparison) {
    if (Runtime.getRuntime().maxMemory() < JitPrimer.MIN_HEAP || !STARTED.compareAndSet(false, true)) return;
    Thread t = new Thread(() -> {
      try {
        run(self, program, comparison);
      } catch (RuntimeException | Error e) {
        // a rehearsal only warms code up; the session itself reports what goes wrong
      }
    }, "musketeer-rehearsal");
    t.setDaemon(true);
    t.start();
  }

  /** Runs the rehearsal on this thread. */
  static void run(Party self, Program program, Comparison comparison) {
    List<ComparisonPlan.Call> calls = shrunk(ComparisonPlan.of(program, comparison).calls());
    try (Randomness random = freshRandomness(self)) {
      Session s = new Session(self, new StandIns(self, random.own("rehearsal", 0)), random, comparison.defaultBatch(program), Parallel.sequential());
      Prg values = random.own("rehearsal values", 0);
      comparison.prepare(s, calls);
      for (ComparisonPlan.Call c : calls) call(s, comparison, c, values);
    }
  }

  /** One call of each kind, bound and mode the program makes, on at most {@link #VALUES} values. */
  static List<ComparisonPlan.Call> shrunk(List<ComparisonPlan.Call> calls) {
    Set<ComparisonPlan.Call> distinct = new LinkedHashSet<>();
    for (ComparisonPlan.Call c : calls) {
      distinct.add(switch (c) {
        case ComparisonPlan.Relu r -> new ComparisonPlan.Relu(0, Math.min(r.n(), VALUES), r.bound());
        case ComparisonPlan.ReluTruncate r -> new ComparisonPlan.ReluTruncate(0, 0, Math.min(r.n(), VALUES), r.bits(), r.bound(), r.truncateFirst());
        case ComparisonPlan.ReluTruncateAdd r -> new ComparisonPlan.ReluTruncateAdd(0, 0, 0, 0, Math.min(r.n(), VALUES), r.bits(), r.bound());
        case ComparisonPlan.MaxPool m -> new ComparisonPlan.MaxPool(0, m.slots(), Math.max(1, Math.min(m.count(), VALUES / m.slots())), m.bound());
        case ComparisonPlan.ArgMax a -> new ComparisonPlan.ArgMax(0, Math.max(1, Math.min(a.rows(), VALUES / a.len())), a.len(), a.bound());
        case ComparisonPlan.TruncateRevealed t -> new ComparisonPlan.TruncateRevealed(0, Math.min(t.n(), VALUES), t.bits(), t.bound());
        case ComparisonPlan.Shift t -> new ComparisonPlan.Shift(0, Math.min(t.n(), VALUES), t.bits(), t.bound());
        case ComparisonPlan.Divide d -> new ComparisonPlan.Divide(0, Math.min(d.n(), VALUES), d.minDivisor(), d.maxDivisor(), d.bound());
      });
    }
    return new ArrayList<>(distinct);
  }

  private static void call(Session s, Comparison comparison, ComparisonPlan.Call c, Prg values) {
    switch (c) {
      case ComparisonPlan.Relu r -> comparison.relu(s, shares(s, values, r.n()), r.n(), r.bound());
      case ComparisonPlan.ReluTruncate r ->
          comparison.reluTruncate(s, shares(s, values, r.n()), r.n(), r.bits(), r.bound(), comparison.fusedTruncation(r.truncateFirst()));
      case ComparisonPlan.ReluTruncateAdd r -> comparison.reluTruncate(s, shares(s, values, r.n()), r.n(), r.bits(), r.bound(), TruncMode.EXACT);
      case ComparisonPlan.MaxPool m -> comparison.maxPool(s, shares(s, values, m.slots() * m.count()), m.slots(), m.count(), m.bound());
      case ComparisonPlan.ArgMax a -> comparison.argMax(s, shares(s, values, a.rows() * a.len()), a.rows(), a.len(), a.bound());
      case ComparisonPlan.TruncateRevealed t -> comparison.truncateRevealed(s, shares(s, values, t.n()), t.n(), t.bits(), t.bound());
      case ComparisonPlan.Shift t -> comparison.truncate(s, shares(s, values, t.n()), t.n(), t.bits(), t.bound());
      case ComparisonPlan.Divide d -> {
        long[] divisors = new long[d.n()];
        java.util.Arrays.fill(divisors, d.maxDivisor());
        if (d.n() > 0) divisors[0] = d.minDivisor();
        comparison.divide(s, shares(s, values, d.n()), divisors, d.n(), d.bound());
      }
    }
  }

  /** Uniform values, as shares are; none at the helper. */
  private static long[] shares(Session s, Prg values, int n) {
    return s.isHelper() ? null : values.longs(n);
  }

  private static Randomness freshRandomness(Party self) {
    Map<Party, byte[]> pairs = new EnumMap<>(Party.class);
    for (Party p : Party.values()) if (p != self) pairs.put(p, Randomness.freshSeed());
    return new Randomness(self, pairs, Randomness.freshSeed());
  }

  /** The peers of a rehearsal: sends go nowhere, every receive gets random bytes of the length asked for. */
  static final class StandIns implements Transport {
    private final Party self;
    private final Prg noise;
    private final TrafficStats stats = new TrafficStats();

    StandIns(Party self, Prg noise) {
      this.self = self;
      this.noise = noise;
    }

    @Override
    public Party self() {
      return self;
    }

    @Override
    public void send(Party to, int step, long[] data, int offset, int length) {}

    @Override
    public void send(Party to, int step, byte[] data, int offset, int length) {}

    @Override
    public synchronized void receive(Party from, int step, long[] dst, int offset, int length) {
      noise.fill(dst, offset, length);
    }

    @Override
    public synchronized void receive(Party from, int step, byte[] dst, int offset, int length) {
      noise.fill(dst, offset, length);
    }

    @Override
    public TrafficStats stats() {
      return stats;
    }

    @Override
    public void abort(String reason) {}

    @Override
    public void close() {}
  }
}
