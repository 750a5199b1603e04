package io.musketeer.mpc.testkit;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Parallel;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.attest.SessionSecurity;
import io.musketeer.mpc.net.Transport;
import io.musketeer.mpc.runtime.LayerListener;
import io.musketeer.mpc.runtime.SecureParty;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The three parties of a whole program, each on its own thread and left to fail on its own (unlike
 * {@link io.musketeer.mpc.runtime.InProcessRun}, nobody closes the others' links when one fails), so
 * a test sees what every party itself ended with: its result, or the error it stopped on.
 */
public final class Parties {
  private Parties() {}

  /** What one party ended with. */
  public record Outcome(SecureParty.Result result, Throwable failure) {
    public boolean failed() {
      return failure != null;
    }
  }

  public static Map<Party, Outcome> run(Function<Party, Program> program, String protocol, Map<String, FloatTensor> clientInputs,
      Function<Party, Transport> connect, Function<Party, SessionSecurity> security) {
    Map<Party, Outcome> out = new java.util.concurrent.ConcurrentHashMap<>();
    Thread[] threads = new Thread[3];
    for (Party p : Party.values()) {
      threads[p.ordinal()] = Thread.ofPlatform().daemon().name("party-" + p.label()).start(() -> {
        Transport t = null;
        try {
          t = connect.apply(p);
          SecureParty.Result r = SecureParty.run(p, program.apply(p), protocol, t, p == Party.CLIENT ? clientInputs : Map.of(), LayerListener.NONE,
              Parallel.shared(), security.apply(p));
          out.put(p, new Outcome(r, null));
        } catch (Throwable e) {
          out.put(p, new Outcome(null, e));
        } finally {
          if (t != null) t.close();
        }
      });
    }
    for (Thread t : threads) {
      try {
        t.join(120_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted");
      }
      if (t.isAlive()) throw new AssertionError(t.getName() + " still running after two minutes");
    }
    return new EnumMap<>(out);
  }
}
