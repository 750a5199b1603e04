package io.musketeer.mpc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.mpc.protocol.Comparison;
import io.musketeer.mpc.protocol.Session;
import io.musketeer.mpc.protocol.TruncMode;
import io.musketeer.mpc.testkit.BothTransports;
import io.musketeer.mpc.testkit.ThreeParty;
import io.musketeer.mpc.testkit.ThreeParty.Net;
import io.musketeer.testkit.Approx;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** The executor turns each ReLU/truncation pair into one reluTruncate call, in the program's order for Porthos. */
class FusionTest {
  /** Porthos, recording the fused calls it receives. */
  static final class Recording implements Comparison {
    final Comparison inner = Protocols.comparison("porthos");
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());

    @Override
    public String name() {
      return inner.name();
    }

    @Override
    public long[] drelu(Session s, long[] x, int n, int boundBits) {
      return inner.drelu(s, x, n, boundBits);
    }

    @Override
    public long[] relu(Session s, long[] x, int n, int boundBits) {
      if (s.isClient()) calls.add("relu " + n);
      return inner.relu(s, x, n, boundBits);
    }

    @Override
    public long[] reluTruncate(Session s, long[] x, int n, int truncBits, int boundBits, TruncMode mode) {
      if (s.isClient()) calls.add("reluTruncate " + n + " by " + truncBits + " " + mode);
      return inner.reluTruncate(s, x, n, truncBits, boundBits, mode);
    }

    @Override
    public long[] maxPool(Session s, long[] windows, int slots, int count, int boundBits) {
      return inner.maxPool(s, windows, slots, count, boundBits);
    }

    @Override
    public long[] argMax(Session s, long[] x, int rows, int len, int boundBits) {
      return inner.argMax(s, x, rows, len, boundBits);
    }
  }

  @BothTransports
  void reluAndTruncationPairsAreFusedInTheProgramsOrder(Net net) {
    int n = 777;
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, n)));
    int relu = b.add("relu", new Op.Relu(), x); // ReLU, then truncation
    int t = b.add("t", new Op.Truncate(12), relu);
    int t2 = b.add("t2", new Op.Truncate(3), t); // truncation, then ReLU
    int relu2 = b.add("relu2", new Op.Relu(), t2);
    int relu3 = b.add("relu3", new Op.Relu(), relu2); // read twice: not fused
    int t3 = b.add("t3", new Op.Truncate(1), relu3);
    int sum = b.add("sum", new Op.Add(), relu3, t3);
    Program p = new Program(b.build(sum), new int[] {24, 24, 12, 9, 9, 9, 8, 8}, 12, false);
    Random rnd = new Random(3);
    float[] d = new float[n];
    for (int i = 0; i < n; i++) d[i] = (float) (rnd.nextGaussian() * 100);
    FloatTensor in = new FloatTensor(Shape.of(1, n), d);
    Recording c = new Recording();
    var r = ThreeParty.over(net).seed(4).run(s -> new SecureExecutor(p, s, c, LayerListener.NONE).run(s.isClient() ? Map.of("x", in) : Map.of()));
    assertEquals(List.of("reluTruncate 777 by 12 LOCAL_AFTER_RELU", "reluTruncate 777 by 3 LOCAL_BEFORE_RELU", "relu 777"), c.calls);
    // the local truncations round either way
    Approx.assertClose(FixedPointInterpreter.run(p, Map.of("x", in)).get(0), r.client().get(0), 3.0 / (1 << 8), "fused program");
  }
}
