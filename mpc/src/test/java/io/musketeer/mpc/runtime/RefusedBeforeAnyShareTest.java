package io.musketeer.mpc.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.LinkSecurity;
import io.musketeer.mpc.net.PartyKey;
import io.musketeer.mpc.net.Peers;
import io.musketeer.mpc.net.TlsSecurity;
import io.musketeer.mpc.runtime.TamperTest.Link;
import io.musketeer.mpc.runtime.TamperTest.Trial;
import io.musketeer.mpc.testkit.ThreeParty;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A wrong, unpinned or expired certificate, and a plaintext client against TLS parties: whole sessions
 * (set-up, then the protocol) over loopback TCP through counting proxies. Each is refused with its
 * clear message, nobody gets an output, and no link carries as many bytes as one share of the
 * client's input: the refusal comes before any share is sent (a clean session sends them, well above
 * that bound).
 */
class RefusedBeforeAnyShareTest {
  private static final int INPUT = 2048;
  /** One additive share of the client's input: 8 bytes an element. */
  private static final long SHARE_BYTES = 8L * INPUT;

  private static final ThreeParty.Keys KEYS = ThreeParty.Keys.fresh();
  private static final Program SERVER = Compiler.compile(linear(true), 12), PUBLIC = Compiler.compile(linear(false), 12);
  private static final FloatTensor X = input();

  /** x[1, 2048] times w[2048, 2]: a large input, so that its share is far above a TLS handshake's size. */
  private static Graph linear(boolean weights) {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, INPUT)));
    float[] w = new float[INPUT * 2];
    for (int i = 0; i < w.length; i++) w[i] = weights ? (float) Math.sin(i) * 0.01f : 1f;
    int c = b.add("w", new Op.Constant(new FloatTensor(Shape.of(INPUT, 2), w), false));
    return b.build(b.add("logits", new Op.MatMul(), x, c));
  }

  private static FloatTensor input() {
    float[] d = new float[INPUT];
    for (int i = 0; i < d.length; i++) d[i] = (float) Math.cos(i);
    return new FloatTensor(Shape.of(1, INPUT), d);
  }

  private static Trial session(Function<Party, LinkSecurity> security, Peers pins) {
    return TamperTest.trial(security, pins, p -> p == Party.SERVER ? SERVER : PUBLIC, X, null, null);
  }

  private static Function<Party, LinkSecurity> keys(Party changed, LinkSecurity instead) {
    return p -> p == changed ? instead : KEYS.security(p);
  }

  /** Everyone failed, clearly; one of them with {@code expected}; no link carried a share's worth of bytes. */
  private static void assertRefusedBeforeAnyShare(Trial t, String what, String expected) {
    assertFalse(t.client() instanceof List, what + ": the client got an output");
    for (var e : t.outcomes().entrySet()) assertTrue(e.getValue() instanceof Throwable, what + ": the " + e.getKey().label() + " did not fail");
    TamperTest.assertClearFailures(t, what);
    assertTrue(t.outcomes().values().stream().anyMatch(o -> ((Throwable) o).getMessage().matches(expected)), what + ": no party said /" + expected + "/: "
        + t.outcomes());
    t.bytes().forEach((link, b) -> assertTrue(b[0] < SHARE_BYTES && b[1] < SHARE_BYTES,
        what + ": " + link + " carried " + Arrays.toString(b) + " bytes, a share of the input is " + SHARE_BYTES));
  }

  @Test
  void aCleanSessionSendsTheShares() {
    Trial t = session(KEYS::security, KEYS.pins());
    assertTrue(t.client() instanceof List, "a clean session answers: " + t.outcomes());
    assertTrue(t.bytes().get(Link.CLIENT_SERVER)[0] > SHARE_BYTES, "the client's share crossed to the server: " + Arrays.toString(t.bytes().get(Link.CLIENT_SERVER)));
  }

  @Test
  void aServerWithAnotherCertificate() {
    PartyKey impostor = PartyKey.generate(Party.SERVER, List.of(), PartyKey.DEFAULT_VALIDITY);
    Trial t = session(keys(Party.SERVER, new TlsSecurity(impostor, KEYS.pins())), KEYS.pins());
    assertRefusedBeforeAnyShare(t, "impostor server", "the server at 127\\.0\\.0\\.1:\\d+ presented certificate " + impostor.fingerprint()
        + ", the peers file pins " + KEYS.keys().get(Party.SERVER).fingerprint() + "(;.*)?");
  }

  @Test
  void aClientWhoseCertificateNobodyPins() {
    PartyKey stranger = PartyKey.generate(Party.CLIENT, List.of(), PartyKey.DEFAULT_VALIDITY);
    Trial t = session(keys(Party.CLIENT, new TlsSecurity(stranger, KEYS.pins())), KEYS.pins());
    assertRefusedBeforeAnyShare(t, "unpinned client", "the client at /127\\.0\\.0\\.1:\\d+ presented certificate " + stranger.fingerprint()
        + ", the peers file pins .*");
  }

  @Test
  void aHelperWhoseCertificateExpired() {
    Instant end = Instant.now().minus(Duration.ofDays(2));
    PartyKey expired = PartyKey.generate(Party.HELPER, List.of(), end.minus(Duration.ofDays(30)), end);
    Peers pins = KEYS.pins().withPins(Party.HELPER, List.of(expired.fingerprint()));
    Trial t = session(p -> p == Party.HELPER ? new TlsSecurity(expired, pins) : new TlsSecurity(KEYS.keys().get(p), pins), pins);
    assertRefusedBeforeAnyShare(t, "expired helper", "the helper at 127\\.0\\.0\\.1:\\d+ presented certificate " + expired.fingerprint()
        + ", which expired on .*");
  }

  @Test
  void aPlaintextClientAgainstTlsParties() {
    Trial t = session(keys(Party.CLIENT, LinkSecurity.plaintext()), KEYS.pins());
    assertRefusedBeforeAnyShare(t, "plaintext client", "the peer at /127\\.0\\.0\\.1:\\d+ does not speak TLS \\(is it running with --plaintext\\?\\).*");
    assertRefusedBeforeAnyShare(t, "plaintext client", "server at 127\\.0\\.0\\.1:\\d+ speaks TLS, but the client runs with --plaintext.*");
  }
}
