package io.musketeer.mpc.attest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.MusketeerException;
import io.musketeer.core.FloatTensor;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.TamperingNetwork;
import io.musketeer.mpc.net.TamperingNetwork.Action;
import io.musketeer.mpc.net.TamperingNetwork.Target;
import io.musketeer.mpc.testkit.Attestation;
import io.musketeer.mpc.testkit.Parties;
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
 * Malicious mode under a tampering adversary, thousands of random trials in one JVM: at a random
 * data frame of a random link and direction, one random action of {@link TamperingNetwork} (see there
 * for what it models). Not one tampered run may give the client an output, and every party must end
 * in a one-line error that names a party. Frames after the client's output (its receipt) are attacked
 * in a test of their own.
 *
 * <p>{@code -Dmusketeer.tamperTrials=N} runs N trials instead of the default.
 */
class TamperTrialsTest {
  static final int TRIALS = Integer.getInteger("musketeer.tamperTrials", 2000);
  /** Receive timeout of the trials: a dropped frame ends in it when nothing else follows; failures come sooner either way. */
  static final Duration TIMEOUT = Duration.ofSeconds(1);
  /** For the untampered runs and the delays, which must not time out on a busy machine. */
  static final Duration PATIENT = Duration.ofSeconds(20);
  static final Action[] INSTANT = {Action.DROP, Action.REPLAY, Action.REORDER, Action.CUT, Action.REWRITE_HEADER, Action.INJECT};

  record Setup(Program program, Attestation attestation, Map<Party, Map<Party, Integer>> frames, FloatTensor expected) {}

  static Setup setup() {
    Program p = AttestedSessionTest.program(12);
    Attestation a = Attestation.forProgram(p, AttestedSessionTest.PROTOCOL);
    TamperingNetwork counting = new TamperingNetwork(PATIENT, null, AttestedSession.STEP_RECEIPT);
    Map<Party, Parties.Outcome> clean = Parties.run(x -> p, AttestedSessionTest.PROTOCOL, AttestedSessionTest.input(), counting::transport, a::security);
    clean.forEach((party, o) -> assertTrue(!o.failed(), party + " failed an untampered run: " + o.failure()));
    Map<Party, Map<Party, Integer>> frames = new EnumMap<>(Party.class);
    for (Party from : Party.values()) {
      frames.put(from, new EnumMap<>(Party.class));
      for (Party to : Party.values()) if (to != from) frames.get(from).put(to, counting.dataFrames(from, to));
    }
    return new Setup(p, a, frames, clean.get(Party.CLIENT).result().outputs().get(0));
  }

  /**
   * A random frame of a random direction. A replay appends a copy right after its frame; of the last
   * frame of a direction (a CLEAN or an output share) that copy comes after everything its receiver
   * reads before the output is opened, so it changes nothing and is not drawn here (see
   * {@link #aCopyOfTheLastMessageChangesNothing}).
   */
  static Target randomTarget(Setup s, Random rnd, Action action, Duration delay) {
    Party from = Party.values()[rnd.nextInt(3)];
    Party to = Party.values()[(from.ordinal() + 1 + rnd.nextInt(2)) % 3];
    int n = s.frames().get(from).get(to);
    return new Target(from, to, rnd.nextInt(action == Action.REPLAY ? n - 1 : n), action, delay, rnd.nextLong());
  }

  static Map<Party, Parties.Outcome> trial(Setup s, Target t) {
    Duration timeout = t.action() == Action.DELAY_PAST_DEADLINE || t.action() == Action.DELAY_WITHIN_DEADLINE ? PATIENT : TIMEOUT;
    TamperingNetwork net = new TamperingNetwork(timeout, t, AttestedSession.STEP_RECEIPT);
    Map<Party, Parties.Outcome> out = Parties.run(x -> s.program(), AttestedSessionTest.PROTOCOL, AttestedSessionTest.input(), net::transport,
        s.attestation()::security);
    assertTrue(net.applied(), t + " was not applied");
    return out;
  }

  /** Every party failed with a one-line user-level error naming a party, and the client got no output. */
  static void assertCleanAbort(Target t, Map<Party, Parties.Outcome> out) {
    assertCleanAbort(String.valueOf(t), out);
  }

  static void assertCleanAbort(String t, Map<Party, Parties.Outcome> out) {
    for (Party p : Party.values()) {
      Parties.Outcome o = out.get(p);
      assertTrue(o.failed(), t + ": the " + p.label() + " ended without an error" + (p == Party.CLIENT ? " and has an output" : ""));
      assertTrue(o.failure() instanceof MusketeerException, t + ": the " + p.label() + " failed with " + o.failure());
      String m = o.failure().getMessage();
      // a peer is named by its role, or by its address where a TLS handshake fails before its hello could say which it is
      assertTrue(m.matches(".*(\\b(client|server|helper)\\b|peer at ).*") && !m.contains("\n"), t + ": unclear message at the " + p.label() + ": " + m);
    }
  }

  @Test
  void everyTamperedRunAbortsAtEveryPartyWithoutOutput() throws Exception {
    Setup s = setup();
    Random rnd = new Random(20261201);
    Map<Action, Integer> tried = new EnumMap<>(Action.class);
    List<Target> targets = new ArrayList<>();
    for (int i = 0; i < TRIALS; i++) {
      Action a = INSTANT[rnd.nextInt(INSTANT.length)];
      targets.add(randomTarget(s, rnd, a, Duration.ZERO));
      tried.merge(a, 1, Integer::sum);
    }
    runAll(s, targets, 8);
    System.out.println("tamper trials in memory: " + TRIALS + " runs, " + tried + ", every one aborted at all three parties without output");
  }

  /** Runs the trials {@code parallel} at a time (a trial whose frame was dropped mostly waits) and checks each. */
  static void runAll(Setup s, List<Target> targets, int parallel) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    try {
      List<Future<Map<Party, Parties.Outcome>>> results = new ArrayList<>();
      for (Target t : targets) results.add(pool.submit(() -> trial(s, t)));
      for (int i = 0; i < targets.size(); i++) check(s, targets.get(i), results.get(i).get());
    } finally {
      pool.shutdownNow();
    }
  }

  static void check(Setup s, Target t, Map<Party, Parties.Outcome> out) {
    if (t.action() != Action.DELAY_WITHIN_DEADLINE) {
      assertCleanAbort(t, out);
      return;
    }
    for (Party p : Party.values()) assertTrue(!out.get(p).failed(), t + ": a short delay failed the " + p.label() + ": " + out.get(p).failure());
    assertSameResult(s.expected(), out.get(Party.CLIENT).result().outputs().get(0), t.toString());
  }

  /**
   * Equal up to the probabilistic truncation's last units (each run draws fresh randomness): one unit
   * per truncation, propagated through the later layers' weights, as in AttestedSessionTest (a run
   * differing by 5 units from the untampered one was seen).
   */
  static void assertSameResult(FloatTensor expected, FloatTensor actual, String what) {
    assertEquals(expected.shape(), actual.shape(), what);
    for (int i = 0; i < expected.size(); i++) assertEquals(expected.data()[i], actual.data()[i], 16.0 / (1 << 12), what + ": element " + i);
  }

  @Test
  void stallsAndLongDelaysAbortShortDelaysComplete() throws Exception {
    Setup s = setup();
    Random rnd = new Random(7);
    List<Target> targets = new ArrayList<>();
    for (int i = 0; i < 8; i++) targets.add(randomTarget(s, rnd, Action.STALL, Duration.ZERO));
    for (int i = 0; i < 8; i++) targets.add(randomTarget(s, rnd, Action.DELAY_PAST_DEADLINE, PATIENT.multipliedBy(2)));
    for (int i = 0; i < 8; i++) targets.add(randomTarget(s, rnd, Action.DELAY_WITHIN_DEADLINE, Duration.ofMillis(500)));
    runAll(s, targets, 8); // the trials mostly wait: run them side by side
  }

  @Test
  void aSuppressedReceiptFailsTheServerAndHelperAfterTheClientHasItsOutput() {
    // the last message of any protocol: its sender cannot learn whether it arrived
    Setup s = setup();
    for (Party to : List.of(Party.SERVER, Party.HELPER)) {
      // the receipt is the frame after all counted ones
      TamperingNetwork net = new TamperingNetwork(TIMEOUT, new Target(Party.CLIENT, to, s.frames().get(Party.CLIENT).get(to), Action.CUT,
          Duration.ZERO, 1), -1);
      Map<Party, Parties.Outcome> out = Parties.run(x -> s.program(), AttestedSessionTest.PROTOCOL, AttestedSessionTest.input(), net::transport,
          s.attestation()::security);
      assertTrue(!out.get(Party.CLIENT).failed(), "the client has its output");
      assertTrue(out.get(to).failed(), "the " + to.label() + " learns that the receipt never came");
      assertTrue(out.get(to).failure().getMessage().contains("client"), out.get(to).failure().getMessage());
    }
  }

  @Test
  void aCopyOfTheLastMessageChangesNothing() {
    // appended after the last frame its receiver reads before the output: the output is right, and whoever
    // reads on (the server and the helper wait for the receipt) may still see the copy and fail
    Setup s = setup();
    Target t = new Target(Party.SERVER, Party.CLIENT, s.frames().get(Party.SERVER).get(Party.CLIENT) - 1, Action.REPLAY, Duration.ZERO, 1);
    Map<Party, Parties.Outcome> out = trial(s, t);
    assertSameResult(s.expected(), out.get(Party.CLIENT).result().outputs().get(0), t.toString());
  }
}
