package io.musketeer.mpc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.testkit.BothTransports;
import io.musketeer.mpc.testkit.ThreeParty;
import io.musketeer.mpc.testkit.ThreeParty.Net;
import io.musketeer.testkit.Approx;
import java.util.Map;
import java.util.Random;

/** Every op through the secure executor against the cleartext fixed-point interpreter. */
class SecureExecutorTest {
  private static final Random RNG = new Random(11);

  static FloatTensor random(Shape s, double scale) {
    float[] d = new float[s.size()];
    for (int i = 0; i < d.length; i++) d[i] = (float) (RNG.nextGaussian() * scale);
    return new FloatTensor(s, d);
  }

  /** A graph touching every op the executor handles, with odd sizes. */
  static Graph everyOp() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 9, 7, 3)));
    int w = b.add("w", new Op.Constant(random(Shape.of(3, 3, 3, 6), 0.4), false));
    int conv = b.add("conv", new Op.Conv2D(2, 1, 1, 1, 1, 0, 1), x, w);
    int bias = b.add("bias", new Op.Constant(random(Shape.of(6), 0.1), false));
    int add = b.add("add", new Op.Add(), conv, bias);
    int gamma = b.add("gamma", new Op.Constant(random(Shape.of(6), 0.5), false));
    int bn = b.add("bn", new Op.Mul(), add, gamma); // folded into the conv by the compiler
    int relu = b.add("relu", new Op.Relu(), bn);
    int dw = b.add("dw", new Op.Constant(random(Shape.of(3, 3, 1, 6), 0.4), false));
    int dconv = b.add("dconv", new Op.Conv2D(1, 1, 1, 1, 1, 1, 6), relu, dw);
    int six = b.add("six", new Op.Constant(FloatTensor.scalar(0.5f), true));
    int shifted = b.add("shift", new Op.Sub(), dconv, six);
    int relu6a = b.add("r1", new Op.Relu(), shifted);
    int neg = b.add("neg", new Op.Neg(), relu6a);
    int sum = b.add("sum", new Op.Add(), dconv, neg);
    int pool = b.add("pool", new Op.MaxPool(new Op.Window(3, 3, 2, 2, 1, 1, 1, 1)), sum);
    int avg = b.add("avg", new Op.AvgPool(new Op.Window(2, 2, 1, 1, 0, 1, 0, 1), false), pool);
    int padded = b.add("pad", new Op.Pad(new int[] {0, 1, 0, 0}, new int[] {0, 0, 1, 0}), avg);
    int cat = b.add("cat", new Op.Concat(3), padded, padded);
    int tr = b.add("tr", new Op.Transpose(new int[] {0, 3, 1, 2}), cat);
    Shape ts = b.shape(tr);
    int sl = b.add("slice", new Op.Slice(new int[] {0, 1, 0, 0}, new int[] {1, ts.dim(1), ts.dim(2), ts.dim(3)}, new int[] {1, 2, 1, 1}), tr);
    Shape ss = b.shape(sl);
    int flat = b.add("flat", new Op.Reshape(Shape.of(1, ss.size())), sl);
    int sq = b.add("square", new Op.Mul(), flat, flat);
    int mean = b.add("mean", new Op.ReduceMean(new int[] {1}, true), sq);
    int scaled = b.add("scaled", new Op.Mul(), flat, mean);
    int fcw = b.add("fcw", new Op.Constant(random(Shape.of(ss.size(), 10), 0.3), false));
    int fc = b.add("fc", new Op.MatMul(), scaled, fcw);
    int fcb = b.add("fcb", new Op.Constant(random(Shape.of(10), 0.1), false));
    int logits = b.add("logits", new Op.Add(), fc, fcb);
    int rsum = b.add("rsum", new Op.ReduceSum(new int[] {1}, false), logits);
    int am = b.add("argmax", new Op.ArgMax(1), logits);
    return b.build(logits, rsum, am);
  }

  @BothTransports
  void secureRunMatchesCleartextFixedPoint(Net net) {
    Graph g = everyOp();
    Program p = Compiler.compile(g, 12);
    FloatTensor x = random(Shape.of(1, 9, 7, 3), 1);
    var clear = FixedPointInterpreter.run(p, Map.of("x", x));
    InProcessRun.Result secure = ThreeParty.program(p, "porthos", Map.of("x", x), net);
    assertEquals(clear.size(), secure.outputs().size());
    for (int k = 0; k < clear.size(); k++) {
      // each truncation or division may round the other way: a few units in the last place after propagation
      Approx.assertClose(clear.get(k), secure.outputs().get(k), k == 2 ? 0 : 64.0 / (1 << 12), "output " + k);
    }
    for (Party party : Party.values()) {
      PartyReport r = secure.reports().get(party);
      assertTrue(r.bytesSent() > 0 && r.rounds() > 0, party + " took part");
      assertEquals(secure.reports().get(Party.CLIENT).programHash(), r.programHash());
    }
  }
}
