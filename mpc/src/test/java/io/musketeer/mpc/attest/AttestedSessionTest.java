package io.musketeer.mpc.attest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.MusketeerException;
import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.InMemoryNetwork;
import io.musketeer.mpc.net.Steps;
import io.musketeer.mpc.net.Transport;
import io.musketeer.mpc.runtime.InProcessRun;
import io.musketeer.mpc.testkit.Attestation;
import io.musketeer.mpc.testkit.Parties;
import io.musketeer.mpc.testkit.ThreeParty;
import io.musketeer.mpc.testkit.View;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Malicious mode's attested session: same result as semi-honest, and every bad peer refused before any input is shared. */
class AttestedSessionTest {
  static final String PROTOCOL = "porthos";

  /** A small CNN-like program: conv, ReLU, max-pool, dense, two outputs. */
  static Program program(int scale) {
    Random rnd = new Random(5);
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 6, 6, 2)));
    int w = b.add("w", new Op.Constant(random(rnd, Shape.of(3, 3, 2, 4)), false));
    int conv = b.add("conv", new Op.Conv2D(1, 1, 1, 1, 1, 1, 1), x, w);
    int relu = b.add("relu", new Op.Relu(), conv);
    int pool = b.add("pool", new Op.MaxPool(new Op.Window(2, 2, 2, 2, 0, 0, 0, 0)), relu);
    int flat = b.add("flat", new Op.Reshape(Shape.of(1, 36)), pool);
    int fw = b.add("fw", new Op.Constant(random(rnd, Shape.of(36, 5)), false));
    int fc = b.add("fc", new Op.MatMul(), flat, fw);
    int am = b.add("argmax", new Op.ArgMax(1), fc);
    return Compiler.compile(b.build(fc, am), scale);
  }

  static FloatTensor random(Random rnd, Shape s) {
    float[] d = new float[s.size()];
    for (int i = 0; i < d.length; i++) d[i] = (float) rnd.nextGaussian() * 0.5f;
    return new FloatTensor(s, d);
  }

  static Map<String, FloatTensor> input() {
    return Map.of("x", random(new Random(9), Shape.of(1, 6, 6, 2)));
  }

  @Test
  void maliciousModeGivesTheSemiHonestResultInMemoryAndOverAttestedTls() {
    Program p = program(12);
    InProcessRun.Result semi = InProcessRun.run(p, PROTOCOL, input());
    Attestation a = Attestation.forProgram(p, PROTOCOL);
    InProcessRun.Result memory = InProcessRun.run(p, PROTOCOL, input(), new InMemoryNetwork()::transport, a::security);
    Attestation.Links tls = a.tls(ThreeParty.testTimeouts());
    InProcessRun.Result overTls = InProcessRun.run(p, PROTOCOL, input(), tls.connect(), tls.attestation()::security);
    for (InProcessRun.Result r : List.of(memory, overTls)) {
      assertEquals(semi.outputs().size(), r.outputs().size());
      // the protocol is the same, only the randomness differs: equal up to the probabilistic truncation's last units, propagated
      for (int k = 0; k < semi.outputs().size(); k++) {
        float[] s = semi.outputs().get(k).data(), m = r.outputs().get(k).data();
        for (int i = 0; i < s.length; i++) assertEquals(s[i], m[i], 16.0 / (1 << 12), "output " + k + " element " + i);
      }
      for (Party party : Party.values()) {
        assertEquals("malicious", r.reports().get(party).security());
        assertEquals("software", r.reports().get(party).attestation());
      }
    }
    assertEquals("semi-honest", semi.reports().get(Party.SERVER).security());
  }

  @Test
  void aPeerWithAnotherProgramIsRefusedBeforeAnyInputIsShared() {
    Program p = program(12), other = program(11);
    Attestation a = Attestation.forProgram(p, PROTOCOL);
    Map<Party, View> views = new EnumMap<>(Party.class);
    InMemoryNetwork net = new InMemoryNetwork(Duration.ofSeconds(20));
    Function<Party, Transport> connect = party -> {
      View v = new View();
      views.put(party, v);
      return v.record(net.transport(party));
    };
    Map<Party, Parties.Outcome> out = Parties.run(party -> party == Party.SERVER ? other : p, PROTOCOL, input(), connect, a::security);
    // the server checks its own measurement first and stops; the others are told why
    String server = message(out.get(Party.SERVER));
    assertTrue(server.contains("this server's measurement " + SecurityMeasurements.of(other, Party.SERVER)), server);
    assertTrue(server.contains(SecurityMeasurements.of(p, Party.SERVER)), "the policy's measurement is shown too: " + server);
    for (Party party : Party.values()) assertTrue(out.get(party).failed(), party + " must fail");
    assertNothingBeyondSetUp(views);
  }

  @Test
  void aPeerWhoseMeasurementTheirPolicyLacksIsRefusedWithBothMeasurements() {
    // the server's own policy accepts its other program, the client's and helper's do not
    Program p = program(12), other = program(11);
    Attestation a = Attestation.forProgram(p, PROTOCOL);
    Policy lax = Policy.parse(a.policy().text() + "measurement.server = " + SecurityMeasurements.of(other, Party.SERVER) + "\n", "lax");
    Map<Party, View> views = new EnumMap<>(Party.class);
    InMemoryNetwork net = new InMemoryNetwork(Duration.ofSeconds(20));
    Function<Party, Transport> connect = party -> {
      View v = new View();
      views.put(party, v);
      return v.record(net.transport(party));
    };
    Map<Party, Parties.Outcome> out = Parties.run(party -> party == Party.SERVER ? other : p, PROTOCOL, input(), connect,
        party -> party == Party.SERVER ? a.withPolicy(lax).security(party) : a.security(party));
    String client = message(out.get(Party.CLIENT));
    assertTrue(client.contains("refused the server: its measurement " + SecurityMeasurements.of(other, Party.SERVER)), client);
    assertTrue(client.contains("is not the policy's for the server (" + SecurityMeasurements.of(p, Party.SERVER) + ")"), client);
    assertTrue(client.contains("differs in: program"), client);
    for (Party party : Party.values()) assertTrue(out.get(party).failed(), party + " must fail");
    assertNothingBeyondSetUp(views);
  }

  @Test
  void evidenceFromAnUntrustedAuthorityIsRefused() {
    Program p = program(12);
    Attestation a = Attestation.forProgram(p, PROTOCOL);
    Attestation rogue = new Attestation(AttestationAuthority.generate(), a.policy(), Map.of());
    Map<Party, Parties.Outcome> out = run(p, party -> party == Party.HELPER ? rogue.security(party) : a.security(party));
    String client = message(out.get(Party.CLIENT));
    assertTrue(client.contains("refused the helper: the helper's software evidence is signed by attestation authority "
        + rogue.authority().fingerprint() + ", the policy trusts " + a.authority().fingerprint() + ": wrong trust root"), client);
    out.values().forEach(o -> assertTrue(o.failed()));
  }

  @Test
  void expiredEvidenceIsRefused() {
    Program p = program(12);
    Attestation a = Attestation.forProgram(p, PROTOCOL);
    IntegrityProvider.Attester stale = b -> SoftwareProvider.sign(a.authority(), b, Instant.now().minus(Duration.ofHours(2)),
        Instant.now().minus(Duration.ofHours(1)));
    Map<Party, Parties.Outcome> out = run(p, party -> party == Party.SERVER ? a.security(party, stale) : a.security(party));
    String helper = message(out.get(Party.HELPER));
    assertTrue(helper.contains("refused the server: the server's software evidence expired at"), helper);
    out.values().forEach(o -> assertTrue(o.failed()));
  }

  @Test
  void alteredOrMisboundEvidenceIsRefused() {
    Program p = program(12);
    Attestation a = Attestation.forProgram(p, PROTOCOL);
    IntegrityProvider.Attester flipped = b -> {
      byte[] e = SoftwareProvider.attester(a.authority()).attest(b);
      e[40] ^= 1; // inside the report data
      return e;
    };
    String m = message(run(p, party -> party == Party.CLIENT ? a.security(party, flipped) : a.security(party)).get(Party.SERVER));
    assertTrue(m.contains("refused the client: the client's software evidence has an invalid signature"), m);
    // genuine evidence, but over another session's report data: what a replay or a relay shows
    IntegrityProvider.Attester replayed = b -> SoftwareProvider.attester(a.authority())
        .attest(new IntegrityProvider.Binding(new byte[64], b.nonce(), b.publicKey()));
    m = message(run(p, party -> party == Party.CLIENT ? a.security(party, replayed) : a.security(party)).get(Party.HELPER));
    assertTrue(m.contains("refused the client: the client's software evidence is bound to another session or channel"), m);
  }

  @Test
  void evidenceReplayedIntoAnotherTlsConnectionIsRefused() {
    // a host records the server's evidence on one connection and offers it on another: the exporters differ
    Program p = program(12);
    Attestation a = Attestation.forProgram(p, PROTOCOL);
    Attestation.Links first = a.tls(ThreeParty.testTimeouts());
    java.util.concurrent.atomic.AtomicReference<byte[]> recorded = new java.util.concurrent.atomic.AtomicReference<>();
    IntegrityProvider.Attester recording = b -> {
      byte[] e = SoftwareProvider.attester(a.authority()).attest(b);
      recorded.compareAndSet(null, e);
      return e;
    };
    InProcessRun.run(p, PROTOCOL, input(), first.connect(),
        party -> party == Party.SERVER ? first.attestation().security(party, recording) : first.attestation().security(party));
    Attestation.Links second = a.tls(ThreeParty.testTimeouts());
    Map<Party, Parties.Outcome> out = Parties.run(x -> p, PROTOCOL, input(), second.connect(),
        party -> party == Party.SERVER ? second.attestation().security(party, b -> recorded.get()) : second.attestation().security(party));
    String client = message(out.get(Party.CLIENT));
    assertTrue(client.contains("refused the server: the server's software evidence is bound to another session or channel"), client);
  }

  @Test
  void measurementsEncodeStrictlyAndDigestStably() {
    Measurement m = SecureParty_measurement(program(12), Party.HELPER);
    assertEquals(m, Measurement.decode(m.encode()));
    assertEquals(m.digest(), Measurement.decode(m.encode()).digest());
    byte[] e = m.encode();
    e[e.length - 2] = 'X';
    byte[] bad = e;
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Measurement.decode(bad));
    assertFalse(m.digest().equals(m.as(Party.CLIENT).digest()), "the role is measured");
    assertArrayEquals(AttestedSession.reportData(e, new byte[] {1}, new byte[0], Party.CLIENT, Party.SERVER),
        AttestedSession.reportData(e, new byte[] {1}, new byte[0], Party.CLIENT, Party.SERVER));
  }

  // ---------------------------------------------------------------- helpers

  static Measurement SecureParty_measurement(Program p, Party role) {
    return io.musketeer.mpc.runtime.SecureParty.measurement(role, p, PROTOCOL);
  }

  /** Measurement digests as messages print them. */
  static final class SecurityMeasurements {
    static String of(Program p, Party role) {
      return SecureParty_measurement(p, role).digest().toString();
    }
  }

  static Map<Party, Parties.Outcome> run(Program p, Function<Party, io.musketeer.mpc.attest.SessionSecurity> security) {
    InMemoryNetwork net = new InMemoryNetwork(Duration.ofSeconds(20));
    return Parties.run(x -> p, PROTOCOL, input(), net::transport, security);
  }

  static String message(Parties.Outcome o) {
    assertTrue(o.failed(), "expected a failure");
    assertTrue(o.failure() instanceof MusketeerException, "a user-level error, not " + o.failure());
    return o.failure().getMessage();
  }

  /** Only set-up steps passed between any two parties: no share, no masked input, no dealt value. */
  static void assertNothingBeyondSetUp(Map<Party, View> views) {
    Set<Integer> setUp = Set.of(Steps.id("attest/evidence/length"), Steps.id("attest/evidence"), Steps.id("session/program-hash/length"),
        Steps.id("session/program-hash"), Steps.id("session/key-agreement/x25519"));
    for (var e : views.entrySet()) {
      for (View.Frame f : e.getValue().frames()) {
        assertTrue(setUp.contains(f.step()), e.getKey() + (f.sent() ? " sent a frame of a protocol step to the " : " received a frame of a protocol step from the ") + f.peer());
      }
    }
  }
}
