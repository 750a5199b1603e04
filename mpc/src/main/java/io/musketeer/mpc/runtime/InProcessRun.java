package io.musketeer.mpc.runtime;

import io.musketeer.MusketeerException;
import io.musketeer.core.FloatTensor;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.attest.SessionSecurity;
import io.musketeer.mpc.net.InMemoryNetwork;
import io.musketeer.mpc.net.Transport;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * All three parties in one JVM, each on its own thread, running exactly the code of a networked party
 * (handshake, key agreement, executor). For evaluation runs and tests; the security of a real
 * deployment needs three separate hosts. {@link #onThreads} is the same machinery for any per-party
 * work (the test kit runs protocol primitives with it).
 */
public final class InProcessRun {
  private InProcessRun() {}

  /** The client's outputs and the three parties' reports. */
  public record Result(List<FloatTensor> outputs, Map<Party, PartyReport> reports) {}

  /** One party's work, given its connected transport. */
  @FunctionalInterface
  public interface PartyTask<T> {
    T run(Party self, Transport transport) throws Exception;
  }

  /** The program over an in-memory network. */
  public static Result run(Program program, String protocol, Map<String, FloatTensor> clientInputs) {
    InMemoryNetwork network = new InMemoryNetwork(Duration.ofMinutes(5));
    return run(program, protocol, clientInputs, network::transport);
  }

  /** The program over the transports that {@code connect} makes, each on its party's thread. */
  public static Result run(Program program, String protocol, Map<String, FloatTensor> clientInputs, Function<Party, Transport> connect) {
    return run(program, protocol, clientInputs, connect, p -> SessionSecurity.semiHonest());
  }

  /** As above, each party with the session security that {@code security} gives it. */
  public static Result run(Program program, String protocol, Map<String, FloatTensor> clientInputs, Function<Party, Transport> connect,
      Function<Party, SessionSecurity> security) {
    Map<Party, SecureParty.Result> results = onThreads(connect, (p, t) -> SecureParty.run(p, program, protocol, t,
        p == Party.CLIENT ? clientInputs : Map.of(), LayerListener.NONE, io.musketeer.core.Parallel.shared(), security.apply(p)));
    Map<Party, PartyReport> reports = new EnumMap<>(Party.class);
    results.forEach((p, r) -> reports.put(p, r.report()));
    return new Result(results.get(Party.CLIENT).outputs(), reports);
  }

  /**
   * Runs {@code task} for every party on its own thread, with the transport {@code connect} makes for it
   * there (a TCP set-up blocks until the peers dial in, so each party connects on its own thread), and
   * rethrows the failure that came first, the root cause. Each party closes its own transport on its own
   * thread when its task ends or fails, as a party process would: a failing party's goodbye releases the
   * peers waiting for it, and theirs release the rest. Closing a peer's transport from the failing
   * party's thread instead would drain a socket that the peer's own thread is still reading, which
   * waits for the peer's next heartbeat.
   */
  public static <T> Map<Party, T> onThreads(Function<Party, Transport> connect, PartyTask<T> task) {
    Map<Party, Transport> transports = new ConcurrentHashMap<>();
    Map<Party, T> values = new ConcurrentHashMap<>();
    AtomicReference<Throwable> first = new AtomicReference<>();
    Thread[] threads = new Thread[Party.values().length];
    for (Party p : Party.values()) {
      threads[p.ordinal()] = Thread.ofPlatform().daemon().name("musketeer-" + p.label()).start(() -> {
        Transport t = null;
        try {
          t = connect.apply(p);
          transports.put(p, t);
          if (first.get() == null) {
            T v = task.run(p, t);
            if (v != null) values.put(p, v);
          }
        } catch (Throwable e) {
          first.compareAndSet(null, e); // before the goodbye below, so the failures it causes come second
        } finally {
          if (t != null) closeQuietly(t);
        }
      });
    }
    try {
      for (Thread t : threads) t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      transports.values().forEach(InProcessRun::closeQuietly);
      throw new MusketeerException("interrupted");
    } finally {
      transports.values().forEach(InProcessRun::closeQuietly);
    }
    Throwable f = first.get();
    if (f instanceof RuntimeException r) throw r;
    if (f instanceof Error e) throw e;
    if (f != null) throw new MusketeerException("a party failed: " + f, f);
    Map<Party, T> out = new EnumMap<>(Party.class);
    out.putAll(values);
    return out;
  }

  private static void closeQuietly(Transport t) {
    try {
      t.close();
    } catch (RuntimeException ignored) {
      // closing after a failure: the failure is what gets reported
    }
  }
}
