package io.musketeer.mpc.attest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.MusketeerException;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Steps;
import io.musketeer.mpc.net.TamperingNetwork;
import io.musketeer.mpc.net.TamperingNetwork.Action;
import io.musketeer.mpc.net.TamperingNetwork.Target;
import io.musketeer.mpc.net.Transport;
import io.musketeer.mpc.runtime.SecureParty;
import io.musketeer.mpc.testkit.Attestation;
import io.musketeer.mpc.testkit.ThreeParty;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The end of a session on its own: after a session whose last message went from the server to the
 * helper, a lost message must keep the output from being opened and stop every party, through
 * {@link AttestedSession#confirmBeforeReveal} (after which the server sends its shares) and
 * {@link AttestedSession#finish}. The whole-program trials cannot show this: every
 * message of a real program is answered before the output, so there a loss stalls the program itself.
 */
class EndOfSessionTest {
  static final int LAST = Steps.id("test/last-to-helper");
  static final int OPEN = Steps.id("test/open");
  static final Duration TIMEOUT = Duration.ofSeconds(2);

  /**
   * Each party's outcome of: attest, the server's last message to the helper (read or not), the gate,
   * the opening (the server sends the client its "share") and the receipt.
   */
  static Map<Party, Object> run(Target target, boolean helperReads) {
    Program p = AttestedSessionTest.program(12);
    Attestation a = Attestation.forProgram(p, AttestedSessionTest.PROTOCOL);
    TamperingNetwork net = new TamperingNetwork(TIMEOUT, target, -1);
    return ThreeParty.outcomes(party -> {
      Transport raw = net.transport(party);
      try {
        AttestedSession s = AttestedSession.establish(raw, SecureParty.measurement(party, p, AttestedSessionTest.PROTOCOL), a.security(party),
            Instant.now());
        Transport t = raw;
        if (party == Party.SERVER) t.send(Party.HELPER, LAST, new long[] {42});
        if (party == Party.HELPER && helperReads) t.receiveLongs(Party.SERVER, LAST, 1);
        s.confirmBeforeReveal();
        if (party == Party.SERVER) t.send(Party.CLIENT, OPEN, new long[] {7});
        if (party == Party.CLIENT) t.receiveLongs(Party.SERVER, OPEN, 1);
        s.finish();
        return party == Party.CLIENT ? "opened" : "done";
      } catch (MusketeerException e) {
        raw.abort(party.label() + " failed: " + e.getMessage());
        throw e;
      } finally {
        raw.close();
      }
    });
  }

  /** The data frames from {@code from} to {@code to} before the gate: 2 of evidence, then the test's own. */
  static int evidenceFrames() {
    return 2;
  }

  /** The output was not opened, and every party stopped with an error. */
  static void assertAborted(Map<Party, Object> out, String what) {
    for (Party p : Party.values()) {
      assertTrue(out.get(p) instanceof MusketeerException, what + ": the " + p.label() + " ended with " + out.get(p));
    }
  }

  @Test
  void aLostLastMessageThatTheHelperWaitsForStopsEveryoneAtTheGate() {
    // the helper never gets it and waits; the others must not open the output meanwhile (CLEAN)
    assertAborted(run(new Target(Party.SERVER, Party.HELPER, evidenceFrames(), Action.DROP, Duration.ZERO, 1), true), "dropped, read");
  }

  @Test
  void aLostLastMessageThatNobodyReadsStillStopsEveryone() {
    // nobody waits for it: the server's CLEAN then comes one sequence number early, a desync at the helper
    assertAborted(run(new Target(Party.SERVER, Party.HELPER, evidenceFrames(), Action.DROP, Duration.ZERO, 1), false), "dropped, unread");
  }

  @Test
  void aLostCleanToTheHelperKeepsTheServerFromRevealing() {
    // the client's CLEAN to the helper is the client's last frame on that link before the output: 2 of evidence, then CLEAN
    assertAborted(run(new Target(Party.CLIENT, Party.HELPER, evidenceFrames(), Action.DROP, Duration.ZERO, 1), true), "client's CLEAN dropped");
  }

  @Test
  void untamperedTheClientOpens() {
    Map<Party, Object> out = run(null, true);
    assertTrue("opened".equals(out.get(Party.CLIENT)), "client: " + out.get(Party.CLIENT));
    assertTrue("done".equals(out.get(Party.SERVER)) && "done".equals(out.get(Party.HELPER)), out.toString());
  }
}
