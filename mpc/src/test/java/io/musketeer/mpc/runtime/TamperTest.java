package io.musketeer.mpc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.MusketeerException;
import io.musketeer.core.FloatTensor;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Connector;
import io.musketeer.mpc.net.FramedTransport;
import io.musketeer.mpc.net.LinkSecurity;
import io.musketeer.mpc.net.Peers;
import io.musketeer.mpc.net.TcpTransport;
import io.musketeer.mpc.net.Timeouts;
import io.musketeer.mpc.testkit.FaultProxy;
import io.musketeer.mpc.testkit.FaultProxy.Action;
import io.musketeer.mpc.testkit.FaultProxy.Fault;
import io.musketeer.mpc.testkit.ThreeParty;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An attacker or a failure on one link, at a random byte, in random trials: three parties in this
 * JVM over loopback TCP, each link through a {@link FaultProxy}.
 *
 * <p>With TLS, a tampered stream (a flipped bit, dropped, injected or replayed bytes, a cut) never
 * yields an output: the record layer's AEAD refuses it, and every party ends in one clear line naming
 * a peer. Kills, resets and stalls end every party within the timeouts. Without TLS, the same proxy
 * changes the result unnoticed, which is what the TLS default is for.
 *
 * <p>Trial counts: {@code -Dmusketeer.trials=N} tampering trials, {@code -Dmusketeer.faultTrials=N} kill,
 * reset and stall trials (CI runs the defaults below; TESTING.md records longer runs).
 */
@Timeout(3600)
class TamperTest {
  private static final int TRIALS = Integer.getInteger("musketeer.trials", 40);
  private static final int FAULT_TRIALS = Integer.getInteger("musketeer.faultTrials", 15);
  private static final Timeouts TIMEOUTS = ThreeParty.testTimeouts().withConnectTimeout(Duration.ofSeconds(5))
      .withReceiveTimeout(Duration.ofSeconds(1)).withCloseTimeout(Duration.ofSeconds(2));
  private static final ThreeParty.Keys KEYS = ThreeParty.Keys.fresh();
  private static final FloatTensor X = PartyServiceTest.input(3);
  private static final FloatTensor EXPECTED = FixedPointInterpreter.run(PartyServiceTest.SERVER_PROGRAM, Map.of("x", X)).get(0);

  /** The three links, each dialed by the first party. */
  enum Link {
    CLIENT_SERVER(Party.CLIENT, Party.SERVER),
    CLIENT_HELPER(Party.CLIENT, Party.HELPER),
    SERVER_HELPER(Party.SERVER, Party.HELPER);

    final Party dialer, listener;

    Link(Party dialer, Party listener) {
      this.dialer = dialer;
      this.listener = listener;
    }
  }

  /**
   * Each party's outcome (its outputs or its exception), whether the fault was done, the bytes each way
   * of each link, and whether the fault only hit a TLS record header's ignored version field.
   */
  record Trial(Map<Party, Object> outcomes, boolean applied, Map<Link, long[]> bytes, double seconds, boolean hitTlsRecordVersion) {
    Object client() {
      return outcomes.get(Party.CLIENT);
    }
  }

  static Trial trial(boolean tls, Link faulty, Fault fault) {
    return trial(p -> tls ? KEYS.security(p) : LinkSecurity.plaintext(), KEYS.pins(), p -> p == Party.SERVER ? PartyServiceTest.SERVER_PROGRAM
        : PartyServiceTest.PUBLIC_PROGRAM, X, faulty, fault);
  }

  /**
   * One session with each party's own link security, the pins of every party's peers file, each party's
   * program and the client's input {@code x}; {@code fault} (or none) on the {@code faulty} link.
   */
  static Trial trial(Function<Party, LinkSecurity> security, Peers pins, Function<Party, Program> programs, FloatTensor x, Link faulty, Fault fault) {
    ServerSocket serverListener = ThreeParty.listen(), helperListener = ThreeParty.listen();
    Map<Link, FaultProxy> proxies = new EnumMap<>(Link.class);
    for (Link l : Link.values()) {
      proxies.put(l, new FaultProxy((l.listener == Party.SERVER ? serverListener : helperListener).getLocalPort(), l == faulty ? fault : null));
    }
    long t0 = System.nanoTime();
    try {
      Map<Party, Object> out = ThreeParty.outcomes(p -> {
        int server = p == Party.CLIENT ? proxies.get(Link.CLIENT_SERVER).port() : serverListener.getLocalPort();
        int helper = p == Party.CLIENT ? proxies.get(Link.CLIENT_HELPER).port()
            : p == Party.SERVER ? proxies.get(Link.SERVER_HELPER).port() : helperListener.getLocalPort();
        Peers view = Peers.localhost(1, server, helper);
        for (Party q : Party.values()) view = view.withPins(q, pins.pins(q));
        ServerSocket listener = switch (p) {
          case CLIENT -> null;
          case SERVER -> serverListener;
          case HELPER -> helperListener;
        };
        try (FramedTransport t = TcpTransport.connect(new Connector(p, view, TIMEOUTS, security.apply(p)), listener)) {
          return SecureParty.run(p, programs.apply(p), "porthos", t, p == Party.CLIENT ? Map.of("x", x) : Map.of(), LayerListener.NONE).outputs();
        }
      });
      Map<Link, long[]> bytes = new EnumMap<>(Link.class);
      proxies.forEach((l, px) -> bytes.put(l, new long[] {px.bytes(true), px.bytes(false)}));
      return new Trial(out, fault != null && proxies.get(faulty).applied(), bytes, (System.nanoTime() - t0) / 1e9,
          fault != null && proxies.get(faulty).hitTlsRecordVersion());
    } finally {
      proxies.values().forEach(FaultProxy::close);
    }
  }

  static boolean correct(Object clientOutcome) {
    if (!(clientOutcome instanceof List<?> l)) return false;
    FloatTensor y = (FloatTensor) l.get(0);
    for (int i = 0; i < EXPECTED.size(); i++) if (Math.abs(EXPECTED.data()[i] - y.data()[i]) > 8.0 / 4096) return false;
    return true;
  }

  /** Every failure is one of ours, in one line, naming a party; never an internal error. */
  static void assertClearFailures(Trial t, String what) {
    for (var e : t.outcomes().entrySet()) {
      if (!(e.getValue() instanceof Throwable th)) continue;
      assertTrue(th instanceof MusketeerException, what + ": " + e.getKey().label() + " failed with " + th);
      String m = th.getMessage();
      assertFalse(m.contains("\n") || m.contains("internal error"), what + ": " + m);
      assertTrue(m.contains("client") || m.contains("server") || m.contains("helper") || m.contains("peer at"),
          what + ": " + e.getKey().label() + "'s message names no peer: " + m);
    }
  }

  /** A clean run's bytes per link and direction, to put faults inside the session. */
  private static Map<Link, long[]> cleanBytes(boolean tls) {
    Trial clean = trial(tls, null, null);
    assertTrue(correct(clean.client()), "a clean run is correct: " + clean.outcomes());
    return clean.bytes();
  }

  private static Fault randomFault(Random rnd, Action action, Map<Link, long[]> sizes, Link link, boolean forward) {
    long size = sizes.get(link)[forward ? 0 : 1];
    return new Fault(action, forward, (long) (rnd.nextDouble() * 0.9 * size), rnd.nextLong());
  }

  @Test
  void withTlsNoTamperedRunProducesOutputAndEachEndsInAClearAbort() {
    Map<Link, long[]> sizes = cleanBytes(true);
    Random rnd = new Random(Long.getLong("musketeer.seed", 16));
    Action[] tampers = {Action.FLIP, Action.DROP, Action.TRUNCATE, Action.INJECT, Action.REPLAY};
    Map<Action, int[]> tally = new EnumMap<>(Action.class);
    double slowest = 0;
    int ignoredFlips = 0;
    for (int i = 0; i < TRIALS; i++) {
      Link link = Link.values()[rnd.nextInt(3)];
      boolean forward = rnd.nextBoolean();
      Action action = tampers[rnd.nextInt(tampers.length)];
      Fault f = randomFault(rnd, action, sizes, link, forward);
      Trial t = trial(true, link, f);
      String what = "trial " + i + " " + action + " on " + link + (forward ? " forward" : " back") + " at byte " + f.offset();
      assertTrue(t.applied(), what + ": never reached; " + t.outcomes());
      tally.computeIfAbsent(action, a -> new int[1])[0]++;
      slowest = Math.max(slowest, t.seconds());
      // a flip in a record header's version field reaches no one (TLS ignores the field): the one
      // tampering that may end in an output, and then only in the right one
      if (action == Action.FLIP && t.hitTlsRecordVersion() && t.client() instanceof List) {
        assertTrue(correct(t.client()), what + ": a flip of a TLS record's version field changed the output");
        ignoredFlips++;
        continue;
      }
      assertFalse(t.client() instanceof List, what + ": the client got an output from a tampered session");
      assertClearFailures(t, what);
    }
    System.out.printf(Locale.ROOT, "TamperTest TLS: %d trials, %s, none produced output but %d flips of a TLS record's ignored version field"
        + " (the right output); slowest %.1f s%n", TRIALS, tallyText(tally), ignoredFlips, slowest);
  }

  @Test
  void killsResetsAndStallsEndEveryPartyWithinTheTimeouts() {
    Map<Link, long[]> sizes = cleanBytes(true);
    Random rnd = new Random(Long.getLong("musketeer.seed", 17));
    Action[] faults = {Action.KILL, Action.RESET, Action.STALL};
    int trials = FAULT_TRIALS;
    Map<Action, int[]> tally = new EnumMap<>(Action.class);
    double slowest = 0;
    for (int i = 0; i < trials; i++) {
      Link link = Link.values()[rnd.nextInt(3)];
      Action action = faults[rnd.nextInt(faults.length)];
      Fault f = randomFault(rnd, action, sizes, link, rnd.nextBoolean());
      Trial t = trial(true, link, f);
      String what = "trial " + i + " " + action + " on " + link + " at byte " + f.offset();
      assertTrue(t.applied(), what + ": never reached");
      assertFalse(t.client() instanceof List, what + ": output after a fault");
      assertClearFailures(t, what);
      // 1 s of silence, a message's deadline at most, and the goodbyes
      assertTrue(t.seconds() < 20, what + " took " + t.seconds() + " s");
      tally.computeIfAbsent(action, a -> new int[1])[0]++;
      slowest = Math.max(slowest, t.seconds());
    }
    System.out.printf(Locale.ROOT, "TamperTest faults: %d trials, %s, all ended with clear errors; slowest %.1f s%n", trials, tallyText(tally), slowest);
  }

  /** Why TLS is the default: over plaintext, a proxy that flips bits of the client-server stream changes results unnoticed. */
  @Test
  void withoutTlsAFlippedBitCanGoUnnoticed() {
    Map<Link, long[]> sizes = cleanBytes(false);
    Random rnd = new Random(18);
    int wrong = 0, trials = 0;
    List<String> seen = new ArrayList<>();
    while (wrong == 0 && trials < 40) {
      Fault f = randomFault(rnd, Action.FLIP, sizes, Link.CLIENT_SERVER, true);
      Trial t = trial(false, Link.CLIENT_SERVER, f);
      trials++;
      if (t.client() instanceof List && !correct(t.client())) wrong++;
      seen.add(t.client() instanceof Throwable e ? e.getMessage() : correct(t.client()) ? "right" : "WRONG");
    }
    assertTrue(wrong > 0, "no flipped bit changed a plaintext result in " + trials + " trials: " + seen);
    System.out.println("TamperTest plaintext: a silently wrong result after " + trials + " flip trials");
  }

  private static String tallyText(Map<Action, int[]> tally) {
    StringBuilder b = new StringBuilder();
    tally.forEach((a, n) -> b.append(b.isEmpty() ? "" : ", ").append(n[0]).append(' ').append(a.name().toLowerCase(Locale.ROOT)));
    return b.toString();
  }

}
