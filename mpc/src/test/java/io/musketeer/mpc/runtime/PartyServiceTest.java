package io.musketeer.mpc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Connector;
import io.musketeer.mpc.net.FramedTransport;
import io.musketeer.mpc.net.Peers;
import io.musketeer.mpc.net.TcpTransport;
import io.musketeer.mpc.net.Timeouts;
import io.musketeer.mpc.net.TransportException;
import io.musketeer.mpc.testkit.FaultProxy;
import io.musketeer.mpc.testkit.ThreeParty;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A long-running server and helper over TLS: many sessions, several at once, isolated from each other's failures. */
@Timeout(180)
class PartyServiceTest {
  static final Timeouts TIMEOUTS = ThreeParty.testTimeouts().withConnectTimeout(Duration.ofSeconds(5)).withReceiveTimeout(Duration.ofSeconds(5));

  /** A small MLP; {@code weights} false gives the weight-free copy (every constant one) that client and helper hold. */
  static Graph mlp(boolean weights) {
    Random r = new Random(5);
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 20)));
    int w1 = b.add("w1", new Op.Constant(constant(Shape.of(20, 12), weights, r), false));
    int h = b.add("h", new Op.MatMul(), x, w1);
    int b1 = b.add("b1", new Op.Constant(constant(Shape.of(12), weights, r), false));
    int relu = b.add("relu", new Op.Relu(), b.add("hb", new Op.Add(), h, b1));
    int w2 = b.add("w2", new Op.Constant(constant(Shape.of(12, 5), weights, r), false));
    int out = b.add("logits", new Op.MatMul(), relu, w2);
    return b.build(out);
  }

  private static FloatTensor constant(Shape s, boolean weights, Random r) {
    float[] d = new float[s.size()];
    for (int i = 0; i < d.length; i++) d[i] = weights ? (float) (r.nextGaussian() * 0.4) : 1f;
    return new FloatTensor(s, d);
  }

  static final Program SERVER_PROGRAM = Compiler.compile(mlp(true), 12);
  static final Program PUBLIC_PROGRAM = Compiler.compile(mlp(false), 12);

  static FloatTensor input(long seed) {
    Random r = new Random(seed);
    float[] d = new float[20];
    for (int i = 0; i < d.length; i++) d[i] = (float) r.nextGaussian();
    return new FloatTensor(Shape.of(1, 20), d);
  }

  /** A running server and helper, and what a client needs to reach them. */
  static final class Deployment implements AutoCloseable {
    final ThreeParty.Keys keys = ThreeParty.Keys.fresh();
    final Peers peers;
    final PartyService server, helper;
    final List<String> log = new CopyOnWriteArrayList<>();
    final List<PartyService.Outcome> outcomes = new CopyOnWriteArrayList<>();
    private final ExecutorService loops = Executors.newFixedThreadPool(2);

    Deployment(int maxSessions) {
      ServerSocket s = ThreeParty.listen(), h = ThreeParty.listen();
      Peers p = new Peers(Peers.Address.ANY, new Peers.Address("127.0.0.1", s.getLocalPort()), new Peers.Address("127.0.0.1", h.getLocalPort()));
      for (Party party : Party.values()) p = p.withPins(party, keys.pins().pins(party));
      peers = p;
      server = new PartyService(Party.SERVER, SERVER_PROGRAM, "porthos", new Connector(Party.SERVER, peers, TIMEOUTS, keys.security(Party.SERVER)), s,
          maxSessions, log::add, outcomes::add);
      helper = new PartyService(Party.HELPER, PUBLIC_PROGRAM, "porthos", new Connector(Party.HELPER, peers, TIMEOUTS, keys.security(Party.HELPER)), h,
          maxSessions, log::add, outcomes::add);
      loops.execute(server::serve);
      loops.execute(helper::serve);
    }

    FramedTransport connectClient() {
      return TcpTransport.connect(new Connector(Party.CLIENT, peers, TIMEOUTS, keys.security(Party.CLIENT)), null);
    }

    FloatTensor infer(FloatTensor x) {
      try (FramedTransport t = connectClient()) {
        return SecureParty.run(Party.CLIENT, PUBLIC_PROGRAM, "porthos", t, Map.of("x", x), LayerListener.NONE).outputs().get(0);
      }
    }

    @Override
    public void close() {
      server.close();
      helper.close();
      loops.shutdownNow();
    }
  }

  static void assertCorrect(FloatTensor x, FloatTensor secure) {
    FloatTensor expected = FixedPointInterpreter.run(SERVER_PROGRAM, Map.of("x", x)).get(0);
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.data()[i], secure.data()[i], 8.0 / 4096, "logit " + i + " of " + Arrays.toString(secure.data()));
    }
  }

  private Deployment deployment;

  @AfterEach
  void stop() {
    if (deployment != null) deployment.close();
  }

  @Test
  void servesManyClientsSeveralAtOnceEachCorrectly() throws Exception {
    deployment = new Deployment(4);
    ExecutorService clients = Executors.newFixedThreadPool(3);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < 9; i++) {
        long seed = i;
        done.add(clients.submit(() -> assertCorrect(input(seed), deployment.infer(input(seed)))));
      }
      for (Future<?> f : done) f.get();
    } finally {
      clients.shutdownNow();
    }
    awaitOutcomes(deployment, 18);
    assertEquals(9, deployment.server.stats().served(), deployment.log.toString());
    assertEquals(9, deployment.helper.stats().served(), deployment.log.toString());
    assertEquals(0, deployment.server.stats().failed(), deployment.log.toString());
  }

  @Test
  void aClientThatDisconnectsMidSessionEndsOnlyItsSession() throws Exception {
    deployment = new Deployment(4);
    FramedTransport quitter = deployment.connectClient();
    Handshake.verify(quitter);
    quitter.crashForTest(true); // gone after the handshake, without a goodbye
    awaitOutcomes(deployment, 2);
    assertEquals(1, deployment.server.stats().failed(), deployment.log.toString());
    assertEquals(1, deployment.helper.stats().failed(), deployment.log.toString());
    String failure = deployment.outcomes.stream().filter(o -> !o.ok()).findFirst().orElseThrow().failure();
    assertTrue(failure.contains("client"), failure);
    // the service goes on
    assertCorrect(input(42), deployment.infer(input(42)));
  }

  @Test
  void aClientBeyondTheLimitIsToldTheServerIsBusy() throws Exception {
    deployment = new Deployment(1);
    FramedTransport holder = deployment.connectClient(); // occupies the one session: connected, never sends its hash
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (deployment.server.stats().running() < 1 && System.nanoTime() < deadline) Thread.sleep(10);
      TransportException busy = assertInstanceOf(TransportException.class, catching(() -> deployment.infer(input(1))));
      assertTrue(busy.getMessage().contains("is busy (1 sessions running); try again later"), busy.getMessage());
    } finally {
      holder.close();
    }
    awaitIdle(deployment);
    assertCorrect(input(2), deployment.infer(input(2)));
  }

  /**
   * Faults on the client's links to a long-running pair (kill, reset, stall, tampering at a random
   * byte, on either link and direction): each ends that session with a clear error at the client,
   * the service keeps running, and a clean client afterwards gets the right answer.
   */
  @Test
  void faultsOnClientLinksEndOnlyTheirSessionThenTheServiceAnswersCorrectly() throws Exception {
    deployment = new Deployment(2);
    Random rnd = new Random(Long.getLong("musketeer.seed", 30));
    FaultProxy.Action[] actions = FaultProxy.Action.values();
    int trials = Integer.getInteger("musketeer.serviceTrials", 12);
    long[][] sizes = new long[2][]; // bytes each way of a clean session: [0] client-server, [1] client-helper
    for (int i = -1; i < trials; i++) {
      boolean clean = i < 0;
      FaultProxy.Action action = actions[rnd.nextInt(actions.length)];
      boolean toServer = rnd.nextBoolean(), forward = rnd.nextBoolean();
      FaultProxy.Fault f = clean ? null
          : new FaultProxy.Fault(action, forward, (long) (rnd.nextDouble() * 0.9 * sizes[toServer ? 0 : 1][forward ? 0 : 1]), rnd.nextLong());
      Peers view = deployment.peers;
      try (FaultProxy toS = new FaultProxy(view.server().port(), toServer ? f : null); FaultProxy toH = new FaultProxy(view.helper().port(), toServer ? null : f)) {
        Peers through = new Peers(view.client(), new Peers.Address("127.0.0.1", toS.port()), new Peers.Address("127.0.0.1", toH.port()), view.pins());
        Throwable e = catching(() -> {
          try (FramedTransport t = TcpTransport.connect(new Connector(Party.CLIENT, through, TIMEOUTS, deployment.keys.security(Party.CLIENT)), null)) {
            assertCorrect(input(9), SecureParty.run(Party.CLIENT, PUBLIC_PROGRAM, "porthos", t, Map.of("x", input(9)), LayerListener.NONE).outputs().get(0));
          }
        });
        if (clean) {
          assertEquals(null, e);
          sizes[0] = new long[] {toS.bytes(true), toS.bytes(false)};
          sizes[1] = new long[] {toH.bytes(true), toH.bytes(false)};
          awaitOutcomes(deployment, 2);
          continue;
        }
        String what = "trial " + i + " " + action + " toward the " + (toServer ? "server" : "helper") + " at byte " + f.offset();
        assertTrue((toServer ? toS : toH).applied(), what + ": never reached");
        assertInstanceOf(io.musketeer.MusketeerException.class, e, what);
        assertTrue(e.getMessage().contains("server") || e.getMessage().contains("helper"), what + ": " + e.getMessage());
      }
    }
    awaitIdle(deployment);
    // a fault in the server's last message leaves the server done and the client without output
    long before = deployment.server.stats().served();
    for (int i = 0; i < 3; i++) assertCorrect(input(50 + i), deployment.infer(input(50 + i)));
    assertEquals(before + 3, deployment.server.stats().served(), deployment.log.toString());
  }

  private static Throwable catching(Runnable r) {
    try {
      r.run();
      return null;
    } catch (RuntimeException e) {
      return e;
    }
  }

  static void awaitOutcomes(Deployment d, int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (d.outcomes.size() < n && System.nanoTime() < deadline) Thread.sleep(10);
    assertTrue(d.outcomes.size() >= n, "outcomes: " + d.outcomes + " log: " + d.log);
  }

  static void awaitIdle(Deployment d) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while ((d.server.stats().running() > 0 || d.helper.stats().running() > 0) && System.nanoTime() < deadline) Thread.sleep(10);
  }

  /** The first exchange of a session, for a client that then goes away. */
  static final class Handshake {
    static void verify(FramedTransport t) {
      io.musketeer.mpc.net.Handshake.verifyProgram(t, io.musketeer.ir.ProgramHash.of(PUBLIC_PROGRAM, SecureParty.protocolParameters("porthos", io.musketeer.mpc.attest.SecurityMode.SEMI_HONEST, 1, SecureParty.defaultBatch("porthos", PUBLIC_PROGRAM))));
    }
  }
}
