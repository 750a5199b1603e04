package io.musketeer.mpc.attest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Peers;
import io.musketeer.mpc.net.Timeouts;
import io.musketeer.mpc.testkit.Attestation;
import io.musketeer.mpc.testkit.Parties;
import io.musketeer.mpc.testkit.TlsTamperProxy;
import io.musketeer.mpc.testkit.TlsTamperProxy.Action;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Malicious mode over loopback TCP with a corrupted host on each link: a {@link TlsTamperProxy}
 * between the parties' TLS endpoints flips a bit in, replays, reorders, drops, truncates, injects
 * before or delays one TLS record at a random point of a random link and direction. The host sees
 * ciphertext only; every such run must abort at all three parties without output.
 *
 * <p>Records are drawn from the first four fifths of each direction (measured on an untampered run):
 * the rest are the end of the session, whose tampering the in-memory trials cover frame by frame.
 * {@code -Dmusketeer.tlsTamperTrials=N} runs N trials instead of the default.
 */
class TlsTamperTrialsTest {
  static final int TRIALS = Integer.getInteger("musketeer.tlsTamperTrials", 40);
  static final Timeouts TIMEOUTS = Timeouts.defaults().withConnectTimeout(Duration.ofSeconds(5)).withReceiveTimeout(Duration.ofSeconds(2))
      .withCloseTimeout(Duration.ofSeconds(2));
  /** The three links, each as dialer and listener. */
  static final Party[][] LINKS = {{Party.CLIENT, Party.SERVER}, {Party.CLIENT, Party.HELPER}, {Party.SERVER, Party.HELPER}};

  record Trial(int link, TlsTamperProxy.Target target) {}

  /** Runs the program with a proxy on every link, {@code trial}'s acting, and returns the outcomes and the proxies. */
  static Map<Party, Parties.Outcome> run(Program p, Attestation a, Trial trial, List<TlsTamperProxy> proxies) {
    Attestation.Links links = a.tls(TIMEOUTS, (dialer, peers) -> {
      if (dialer == Party.HELPER) return peers;
      Peers.Address[] at = {peers.address(Party.CLIENT), peers.address(Party.SERVER), peers.address(Party.HELPER)};
      for (int l = 0; l < LINKS.length; l++) {
        if (LINKS[l][0] != dialer) continue;
        try {
          TlsTamperProxy proxy = new TlsTamperProxy(peers.address(LINKS[l][1]).port(), trial != null && trial.link() == l ? trial.target() : null);
          synchronized (proxies) {
            while (proxies.size() <= l) proxies.add(null);
            proxies.set(l, proxy);
          }
          at[LINKS[l][1].ordinal()] = new Peers.Address("127.0.0.1", proxy.port());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return new Peers(at[0], at[1], at[2]);
    });
    try {
      return Parties.run(x -> p, AttestedSessionTest.PROTOCOL, AttestedSessionTest.input(), links.connect(), links.attestation()::security);
    } finally {
      synchronized (proxies) {
        for (TlsTamperProxy proxy : proxies) if (proxy != null) proxy.close();
      }
    }
  }

  @Test
  void everyTamperedTlsRecordEndsInAnAbortAtEveryParty() throws Exception {
    Program p = AttestedSessionTest.program(12);
    Attestation a = Attestation.forProgram(p, AttestedSessionTest.PROTOCOL);
    List<TlsTamperProxy> counting = new ArrayList<>();
    Map<Party, Parties.Outcome> clean = run(p, a, null, counting);
    clean.forEach((party, o) -> assertTrue(!o.failed(), party + " failed an untampered run: " + o.failure()));
    int[][] records = new int[3][2];
    for (int l = 0; l < 3; l++) {
      records[l][0] = counting.get(l).records(true);
      records[l][1] = counting.get(l).records(false);
    }
    Random rnd = new Random(1201);
    List<Trial> trials = new ArrayList<>();
    Map<Action, Integer> tried = new EnumMap<>(Action.class);
    for (int i = 0; i < TRIALS; i++) {
      Action action = Action.values()[rnd.nextInt(Action.values().length)];
      int link = rnd.nextInt(3);
      boolean forward = rnd.nextBoolean();
      int n = records[link][forward ? 0 : 1] * 4 / 5;
      trials.add(new Trial(link, new TlsTamperProxy.Target(forward, rnd.nextInt(Math.max(1, n)), action, Duration.ofSeconds(5), rnd.nextLong())));
      tried.merge(action, 1, Integer::sum);
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Map<Party, Parties.Outcome>>> results = new ArrayList<>();
      for (Trial t : trials) results.add(pool.submit(() -> run(p, a, t, new ArrayList<>())));
      for (int i = 0; i < trials.size(); i++) TamperTrialsTest.assertCleanAbort(trials.get(i).toString(), results.get(i).get());
    } finally {
      pool.shutdownNow();
    }
    System.out.println("TLS tamper trials over TCP: " + TRIALS + " runs, " + tried + ", records per link and direction " + java.util.Arrays.deepToString(records)
        + ", every one aborted at all three parties without output");
  }
}
