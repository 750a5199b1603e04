package io.musketeer.mpc.runtime;

import io.musketeer.MusketeerException;
import io.musketeer.core.FloatTensor;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.InMemoryNetwork;
import io.musketeer.mpc.net.Transport;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * All three parties in one JVM over an in-memory network, each on its own thread, running exactly the
 * code of a networked party (handshake, key agreement, executor). For evaluation runs and tests; the
 * security of a real deployment needs three separate hosts.
 */
public final class InProcessRun {
  private InProcessRun() {}

  /** The client's outputs and the three parties' reports. */
  public record Result(List<FloatTensor> outputs, Map<Party, PartyReport> reports) {}

  public static Result run(Program program, String protocol, Map<String, FloatTensor> clientInputs) {
    InMemoryNetwork network = new InMemoryNetwork(Duration.ofMinutes(5));
    ExecutorService pool = Executors.newFixedThreadPool(3, r -> {
      Thread t = new Thread(r, "musketeer-party");
      t.setDaemon(true);
      return t;
    });
    Map<Party, Transport> transports = new EnumMap<>(Party.class);
    try {
      Map<Party, Future<SecureParty.Result>> futures = new EnumMap<>(Party.class);
      for (Party p : Party.values()) {
        Transport t = network.transport(p);
        transports.put(p, t);
        Map<String, FloatTensor> inputs = p == Party.CLIENT ? clientInputs : Map.of();
        futures.put(p, pool.submit(() -> SecureParty.run(p, program, protocol, t, inputs, LayerListener.NONE)));
      }
      Map<Party, PartyReport> reports = new EnumMap<>(Party.class);
      List<FloatTensor> outputs = null;
      RuntimeException failure = null;
      for (Party p : Party.values()) {
        try {
          SecureParty.Result r = futures.get(p).get();
          reports.put(p, r.report());
          if (p == Party.CLIENT) outputs = r.outputs();
        } catch (ExecutionException e) {
          transports.values().forEach(Transport::close);
          Throwable c = e.getCause();
          if (failure == null) {
            failure = c instanceof RuntimeException re ? re : new MusketeerException(p.label() + " failed: " + c, c);
          }
        }
      }
      if (failure != null) throw failure;
      return new Result(outputs, reports);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MusketeerException("interrupted");
    } finally {
      transports.values().forEach(Transport::close);
      pool.shutdownNow();
    }
  }
}
