package io.musketeer.mpc.protocol.fast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.runtime.LayerListener;
import io.musketeer.mpc.runtime.Protocols;
import io.musketeer.mpc.runtime.SecureExecutor;
import io.musketeer.mpc.runtime.SecureParty;
import io.musketeer.mpc.testkit.BothTransports;
import io.musketeer.mpc.testkit.ThreeParty;
import io.musketeer.mpc.testkit.ThreeParty.Net;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Whole programs under the fast protocol: the secure outputs equal the cleartext interpreter's bit for
 * bit, with bounds tight enough that some values fall outside them (the interpreter emulates the
 * protocol there too, and counts them).
 */
class FastProgramTest {
  /**
   * Every comparison the executor makes: a product truncated before a ReLU (fused, exact), a ReLU
   * truncated after (fused), a bare ReLU, a 3×3/2 MaxPool with padding, an ArgMax over 11 classes, a
   * revealed truncation. No local truncation is left, so the result is exact.
   */
  static Program program(int bound) {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 7, 9, 11)));
    int sq = b.add("sq", new Op.Mul(), x, x); // scale 24
    int t1 = b.add("t1", new Op.Truncate(12), sq);
    int r1 = b.add("r1", new Op.Relu(), t1); // truncation, then ReLU
    int r2 = b.add("r2", new Op.Relu(), sq);
    int t2 = b.add("t2", new Op.Truncate(12), r2); // ReLU, then truncation
    int r3 = b.add("r3", new Op.Relu(), x);
    int pool = b.add("pool", new Op.MaxPool(new Op.Window(3, 3, 2, 2, 1, 1, 1, 1)), x);
    int flat = b.add("flat", new Op.Reshape(Shape.of(63, 11)), x);
    int am = b.add("am", new Op.ArgMax(1), flat);
    int sum = b.add("sum", new Op.Add(), r1, t2);
    int prod = b.add("prod", new Op.Mul(), sum, r3); // scale 24
    int out = b.add("out", new Op.Truncate(12), prod); // revealed
    Graph g = b.build(out, pool, am);
    int[] scales = {12, 24, 12, 12, 24, 12, 12, 12, 12, 0, 12, 24, 12};
    int[] bounds = new int[g.size()];
    Arrays.fill(bounds, Program.UNBOUNDED);
    // the bound of the values each comparison (and truncation) reads
    bounds[r3] = bounds[pool] = bound;
    bounds[t1] = bounds[r2] = Math.min(63, 2 * bound);
    bounds[r1] = Math.min(63, 2 * bound - 12);
    return new Program(g, scales, 12, false, bounds);
  }

  static FloatTensor input(Random rnd, double scale) {
    float[] d = new float[7 * 9 * 11];
    for (int i = 0; i < d.length; i++) d[i] = (float) (rnd.nextGaussian() * scale);
    for (int i = 0; i < 11; i++) d[5 * 11 + i] = -1.5f; // a row of ties
    return new FloatTensor(Shape.of(1, 7, 9, 11), d);
  }

  static List<FloatTensor> secure(Net net, Program p, FloatTensor in) {
    return secure(net, p, in, "fast").client();
  }

  static ThreeParty.Result<List<FloatTensor>> secure(Net net, Program p, FloatTensor in, String protocol) {
    return ThreeParty.over(net).batch(Integer.MAX_VALUE).seed(7)
        .run(s -> new SecureExecutor(p, s, Protocols.comparison(protocol), LayerListener.NONE).run(s.isClient() ? Map.of("x", in) : Map.of()));
  }

  /** A residual block's tail: ReLU(⌊x²/2^f⌋ + x), the truncation fused across the addition. */
  static Program residual(int bound) {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 7, 9, 11)));
    int sq = b.add("sq", new Op.Mul(), x, x);
    int t = b.add("t", new Op.Truncate(12), sq);
    int sum = b.add("sum", new Op.Add(), t, x);
    int r = b.add("r", new Op.Relu(), sum);
    Graph g = b.build(r);
    int[] bounds = new int[g.size()];
    Arrays.fill(bounds, Program.UNBOUNDED);
    bounds[t] = Math.min(63, 2 * bound);
    bounds[r] = bound;
    return new Program(g, new int[] {12, 24, 12, 12, 12}, 12, false, bounds);
  }

  @BothTransports
  void aTruncationFusedAcrossAnAdditionIsExact(Net net) {
    for (int bound : new int[] {Program.UNBOUNDED, 14}) {
      Program p = residual(bound);
      FloatTensor in = input(new Random(bound), 3);
      var clear = FixedPointInterpreter.execute(p, Map.of("x", in));
      if (bound < 63) assertTrue(clear.outOfBound() > 0, "some values out of range");
      var r = secure(net, p, in, "fast");
      assertArrayEquals(clear.outputs().get(0).data(), r.client().get(0).data(), "bound " + bound);
      // one comparison call: three flights, no local truncation
      assertEquals(2, r.traffic(Party.CLIENT).rounds() - 1, "bound " + bound + ": the product's flight and the fused call's two");
    }
  }

  /**
   * The dealing pipeline changes when the helper's messages travel, not what anyone computes: streamed,
   * each batch's dealing rides in the previous batch's g flight; ahead of time, it all goes first.
   */
  @BothTransports
  void dealingStreamedOrAheadGivesTheSameResult(Net net) {
    Program p = program(14);
    FloatTensor in = input(new Random(3), 3);
    var streamed = secure(net, p, in, "fast");
    var ahead = secure(net, p, in, "fast-ahead");
    List<FloatTensor> exp = FixedPointInterpreter.run(p, Map.of("x", in));
    for (int k = 0; k < exp.size(); k++) {
      assertArrayEquals(exp.get(k).data(), streamed.client().get(k).data(), "streamed output " + k);
      assertArrayEquals(exp.get(k).data(), ahead.client().get(k).data(), "ahead output " + k);
    }
    for (Party party : Party.values()) {
      assertEquals(streamed.traffic(party).bytesSent(), ahead.traffic(party).bytesSent(), party + " sends the same bytes either way");
    }
    // the helper sends every dealing but the first with the previous batch's g: one flight per batch, plus one
    assertTrue(streamed.traffic(Party.HELPER).rounds() < ahead.traffic(Party.HELPER).rounds() + 3, "streamed dealing adds no helper flight");
  }

  /**
   * What a party's heap must hold for the dealing ahead of time: at least everything the helper deals
   * (it may all sit in its send queue on a slow link), and nothing for the streamed dealing.
   */
  @Test
  void theDealingHeldAheadIsAtLeastWhatTheHelperDeals() {
    Program p = program(14);
    var ahead = secure(Net.MEMORY, p, input(new Random(3), 3), "fast-ahead");
    long held = SecureParty.heldAhead("fast-ahead", p, Integer.MAX_VALUE);
    long sent = ahead.traffic(Party.HELPER).bytesSent(); // the dealing, and the online g (a word per 64 values)
    assertTrue(held >= sent / 2 && held <= 2 * sent, "held " + held + " for " + sent + " bytes the helper sent");
    assertEquals(0, SecureParty.heldAhead("fast", p, Integer.MAX_VALUE));
    assertEquals(0, SecureParty.heldAhead("porthos", p, Integer.MAX_VALUE));
  }

  /**
   * AvgPool (padded, the padding not counted: divisors 4, 6 and 9) of a ReLU's output and ReduceMean (by
   * 63) of min(x, 0), within the bounds of their window sums: the divisions are exact, so the outputs are
   * the interpreter's bit for bit. (They read a comparison's output, whose shares are random; a local
   * division of the client's input, shared as (x, 0), would be exact anyway.)
   */
  @BothTransports
  void boundedAveragesEqualTheInterpreter(Net net) {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 7, 9, 11)));
    int r = b.add("r", new Op.Relu(), x);
    int neg = b.add("neg", new Op.Sub(), x, r);
    int pool = b.add("pool", new Op.AvgPool(new Op.Window(3, 3, 2, 2, 1, 1, 1, 1), false), r);
    int mean = b.add("mean", new Op.ReduceMean(new int[] {1, 2}, false), neg);
    Graph g = b.build(pool, mean);
    int[] bounds = new int[g.size()];
    Arrays.fill(bounds, Program.UNBOUNDED);
    bounds[r] = 15; // |x| < 8 at scale 12
    bounds[pool] = 15 + 4; // sums of up to 9 values
    bounds[mean] = 15 + 6; // sums of 63
    Program p = new Program(g, new int[] {12, 12, 12, 12, 12}, 12, false, bounds);
    FloatTensor in = input(new Random(4), 2);
    var clear = FixedPointInterpreter.execute(p, Map.of("x", in));
    assertEquals(0, clear.outOfBound());
    var sec = secure(net, p, in, "fast");
    for (int k = 0; k < 2; k++) assertArrayEquals(clear.outputs().get(k).data(), sec.client().get(k).data(), "output " + k);
  }

  /**
   * DenseNet's transition: a product's AvgPool, truncated after it (the truncation waits past the pool,
   * and a ReLU and a product read it, so it neither fuses nor is revealed). Bounded, it is exact too.
   */
  @BothTransports
  void aBoundedTruncationThatCannotFuseIsExact(Net net) {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 7, 9, 11)));
    int r = b.add("r", new Op.Relu(), x);
    int sq = b.add("sq", new Op.Mul(), r, x); // scale 24, shares random
    int pool = b.add("pool", new Op.AvgPool(new Op.Window(2, 2, 2, 2, 0, 1, 0, 1), false), sq);
    int t = b.add("t", new Op.Truncate(12), pool);
    int r2 = b.add("r2", new Op.Relu(), t);
    int prod = b.add("prod", new Op.Mul(), t, r2); // so t reaches the output through a product, not revealed
    int out = b.add("out", new Op.Truncate(12), prod);
    Graph g = b.build(out);
    int[] bounds = new int[g.size()];
    Arrays.fill(bounds, Program.UNBOUNDED);
    bounds[r] = 15; // |x| < 8 at scale 12
    bounds[pool] = 30 + 2; // products below 2^30, sums of up to 4
    bounds[t] = 30;
    bounds[r2] = 18;
    Program p = new Program(g, new int[] {12, 12, 24, 24, 12, 12, 24, 12}, 12, false, bounds);
    FloatTensor in = input(new Random(6), 2);
    var clear = FixedPointInterpreter.execute(p, Map.of("x", in));
    assertEquals(0, clear.outOfBound());
    var sec = secure(net, p, in, "fast");
    assertArrayEquals(clear.outputs().get(0).data(), sec.client().get(0).data());
  }

  @BothTransports
  void secureEqualsTheInterpreterInRange(Net net) {
    Program p = program(Program.UNBOUNDED);
    FloatTensor in = input(new Random(1), 3);
    var clear = FixedPointInterpreter.execute(p, Map.of("x", in));
    assertEquals(0, clear.outOfBound());
    List<FloatTensor> sec = secure(net, p, in);
    List<FloatTensor> exp = FixedPointInterpreter.run(p, Map.of("x", in));
    for (int k = 0; k < exp.size(); k++) assertArrayEquals(exp.get(k).data(), sec.get(k).data(), "output " + k);
  }

  @BothTransports
  void secureEqualsTheInterpreterOutOfRangeToo(Net net) {
    // inputs up to about 8.0 at scale 12 need 16 bits: a bound of 14 bits leaves some out
    Program p = program(14);
    FloatTensor in = input(new Random(2), 3);
    var clear = FixedPointInterpreter.execute(p, Map.of("x", in));
    assertTrue(clear.outOfBound() > 0, "some values out of range");
    List<FloatTensor> sec = secure(net, p, in);
    List<FloatTensor> exp = FixedPointInterpreter.run(p, Map.of("x", in));
    for (int k = 0; k < exp.size(); k++) assertArrayEquals(exp.get(k).data(), sec.get(k).data(), "output " + k);
  }
}
