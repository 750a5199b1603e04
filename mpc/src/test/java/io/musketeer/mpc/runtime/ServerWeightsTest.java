package io.musketeer.mpc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.MusketeerException;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Parallel;
import io.musketeer.core.Shape;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.attest.SessionSecurity;
import io.musketeer.mpc.net.InMemoryNetwork;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A streamed weight source checks what it gave only at the end: no output may be opened before that check. */
class ServerWeightsTest {
  private static final FloatTensor W = new FloatTensor(Shape.of(4, 3), new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});

  private static Program program() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 4)));
    int w = b.add("w", new Op.Constant(W, false));
    int relu = b.add("relu", new Op.Relu(), b.add("y", new Op.MatMul(), x, w));
    return new Program(b.build(relu), new int[] {8, 8, 16, 16}, 8, false);
  }

  /** Each party's outcome: the client's outputs, or what stopped the party. */
  private record Outcome(FloatTensor output, String failure) {}

  private static Map<Party, Outcome> run(ServerWeights weights) {
    InMemoryNetwork net = new InMemoryNetwork(Duration.ofSeconds(20));
    FloatTensor x = new FloatTensor(Shape.of(1, 4), new float[] {1, -1, 0.5f, 2});
    return InProcessRun.onThreads(net::transport, (p, t) -> {
      try {
        SecureParty.Result r = SecureParty.run(p, program(), weights, "fast", SecureParty.defaultBatch("fast", program()), t,
            p == Party.CLIENT ? Map.of("x", x) : Map.of(), LayerListener.NONE, Parallel.sequential(), SessionSecurity.semiHonest(), 1);
        return new Outcome(p == Party.CLIENT ? r.outputs().get(0) : null, null);
      } catch (RuntimeException e) {
        return new Outcome(null, String.valueOf(e.getMessage()));
      }
    });
  }

  @Test
  void weightsThatFailTheirCheckRevealNothing() {
    AtomicInteger verified = new AtomicInteger();
    Map<Party, Outcome> ok = run(new ServerWeights() {
      @Override
      public FloatTensor take(int node, Op.Constant constant) {
        return constant.value();
      }

      @Override
      public void verify() {
        verified.incrementAndGet();
      }
    });
    assertEquals(1, verified.get(), "the server checks its weights once, after taking them");
    assertNull(ok.get(Party.CLIENT).failure());
    assertEquals(W.data()[0] - W.data()[3] + 0.5f * W.data()[6] + 2 * W.data()[9], ok.get(Party.CLIENT).output().data()[0], 0.05);

    Map<Party, Outcome> bad = run(new ServerWeights() {
      @Override
      public FloatTensor take(int node, Op.Constant constant) {
        return constant.value();
      }

      @Override
      public void verify() {
        throw new MusketeerException("weights.bin does not match the manifest's SHA-256");
      }
    });
    for (Party p : Party.values()) assertNull(bad.get(p).output(), p + " got an output");
    assertTrue(bad.get(Party.SERVER).failure().contains("SHA-256"), bad.get(Party.SERVER).failure());
    assertTrue(bad.get(Party.CLIENT).failure() != null, "the client must fail, not wait for its output");
  }
}
