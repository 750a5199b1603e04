package io.musketeer.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.RingTensor;
import io.musketeer.core.Shape;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TruncationPlacementTest {
  private static final Random RNG = new Random(11);

  static FloatTensor random(Shape s, double scale) {
    float[] d = new float[s.size()];
    for (int i = 0; i < d.length; i++) d[i] = (float) (RNG.nextGaussian() * scale);
    return new FloatTensor(s, d);
  }

  /** conv -> maxpool -> relu -> reshape -> matmul: every op after the conv commutes with floor division. */
  static Graph commuting() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 8, 8, 2)));
    int w = b.add("w", new Op.Constant(random(Shape.of(3, 3, 2, 4), 0.4), false));
    int conv = b.add("conv", new Op.Conv2D(1, 1, 1, 1, 1, 1, 1), x, w);
    int pool = b.add("pool", new Op.MaxPool(new Op.Window(2, 2, 2, 2, 0, 0, 0, 0)), conv);
    int relu = b.add("relu", new Op.Relu(), pool);
    int flat = b.add("flat", new Op.Reshape(Shape.of(1, 64)), relu);
    int fw = b.add("fw", new Op.Constant(random(Shape.of(64, 3), 0.2), false));
    int mm = b.add("fc", new Op.MatMul(), flat, fw);
    return b.build(mm);
  }

  private static int count(Program p, Class<? extends Op> kind) {
    int n = 0;
    for (Node node : p.graph().nodes()) if (kind.isInstance(node.op())) n++;
    return n;
  }

  private static int index(Program p, String name) {
    for (int i = 0; i < p.graph().size(); i++) if (p.graph().node(i).name().equals(name)) return i;
    throw new AssertionError("no node " + name);
  }

  @Test
  void aChainIsTruncatedOnceRightAfterItsRelu() {
    Graph g = commuting();
    Program p = FixedPointLowering.lower(g, TruncationPlacement.plan(g, 12));
    assertEquals(24, p.scale(index(p, "pool")), "the max-pool runs on the product's scale");
    assertEquals(24, p.scale(index(p, "relu")), "the ReLU takes the product's scale");
    int trunc = index(p, "relu/trunc");
    assertEquals(index(p, "relu"), p.graph().node(trunc).input(0));
    assertEquals(2, count(p, Op.Truncate.class), "one truncation per product: after the ReLU, and at the output");
  }

  @Test
  void lateTruncationIsBitExactWhereFloorCommutes() {
    Graph g = commuting();
    FloatTensor x = random(Shape.of(1, 8, 8, 2), 1);
    Program late = FixedPointLowering.lower(g, TruncationPlacement.plan(g, 12));
    Program eager = FixedPointLowering.lower(g, TruncationPlacement.plan(g, 12, node -> false));
    assertTrue(eager.scale(index(eager, "pool")) == 12, "without room every product is truncated at once");
    RingTensor a = FixedPointInterpreter.runRing(late, Map.of("x", x)).get(0);
    RingTensor b = FixedPointInterpreter.runRing(eager, Map.of("x", x)).get(0);
    // floor(max(x)/2^f) = max(floor(x/2^f)) and floor(relu(x)/2^f) = relu(floor(x/2^f)): the same bits
    assertArrayEquals(b.data(), a.data());
  }

  @Test
  void residualBranchesMeetAtTheProductScaleAndTruncateOnce() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(2, 6)));
    int w1 = b.add("w1", new Op.Constant(random(Shape.of(6, 6), 0.3), false));
    int w2 = b.add("w2", new Op.Constant(random(Shape.of(6, 6), 0.3), false));
    int bias = b.add("bias", new Op.Constant(random(Shape.of(6), 0.1), false));
    int a = b.add("a", new Op.MatMul(), x, w1);
    int ab = b.add("ab", new Op.Add(), a, bias);
    int c = b.add("c", new Op.MatMul(), x, w2);
    int sum = b.add("sum", new Op.Add(), ab, c);
    int relu = b.add("relu", new Op.Relu(), sum);
    int w3 = b.add("w3", new Op.Constant(random(Shape.of(6, 2), 0.3), false));
    int out = b.add("out", new Op.MatMul(), relu, w3);
    Graph g = b.build(out);
    Program p = FixedPointLowering.lower(g, TruncationPlacement.plan(g, 10));
    assertEquals(20, p.scale(index(p, "sum")));
    assertEquals(2, count(p, Op.Truncate.class), "the two branch products share the truncation after the ReLU; the output has its own");
    FloatTensor in = random(Shape.of(2, 6), 1);
    float[] ref = FloatInterpreter.run(g, Map.of("x", in)).get(0).data();
    float[] fixed = FixedPointInterpreter.run(p, Map.of("x", in)).get(0).data();
    for (int i = 0; i < ref.length; i++) assertEquals(ref[i], fixed[i], 0.01);
  }

  @Test
  void aProductMeetingAValueAtTheBaseScaleIsTruncatedFirst() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 4)));
    int w = b.add("w", new Op.Constant(random(Shape.of(4, 4), 0.5), false));
    int mm = b.add("mm", new Op.MatMul(), x, w);
    int skip = b.add("skip", new Op.Add(), mm, x);
    int sq = b.add("sq", new Op.Mul(), skip, skip);
    Graph g = b.build(sq);
    ScalePlan plan = TruncationPlacement.plan(g, 12);
    assertEquals(12, plan.scale("mm"), "the input is at 12, so the product is truncated before they add");
    assertEquals(12, plan.scale("skip"));
    assertEquals(12, plan.scale("sq"), "an output is truncated");
    Program p = FixedPointLowering.lower(g, plan);
    for (int i = 0; i < p.graph().size(); i++) {
      if (p.graph().node(i).op() instanceof Op.Mul) assertEquals(12, p.scale(p.graph().node(i).input(0)), "a product reads values at the base scale");
    }
  }

  @Test
  void argMaxReadsTheProductScaleWithoutTruncation() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(3, 5)));
    int w = b.add("w", new Op.Constant(random(Shape.of(5, 4), 0.5), false));
    int mm = b.add("mm", new Op.MatMul(), x, w);
    int am = b.add("am", new Op.ArgMax(1), mm);
    Graph g = b.build(am);
    Program p = FixedPointLowering.lower(g, TruncationPlacement.plan(g, 12));
    assertEquals(0, count(p, Op.Truncate.class));
    FloatTensor in = random(Shape.of(3, 5), 1);
    assertArrayEquals(FloatInterpreter.run(g, Map.of("x", in)).get(0).data(), FixedPointInterpreter.run(p, Map.of("x", in)).get(0).data());
  }

  @Test
  void everyStandardProgramKeepsItsFloatMeaning() {
    Graph g = PassesTest.smallCnn();
    FloatTensor x = random(Shape.of(1, 9, 11, 3), 1);
    float[] ref = FloatInterpreter.run(g, Map.of("x", x)).get(0).data();
    Program p = Compiler.compile(g, 14);
    float[] fixed = FixedPointInterpreter.run(p, Map.of("x", x)).get(0).data();
    for (int i = 0; i < ref.length; i++) assertEquals(ref[i], fixed[i], 200.0 / (1 << 14));
  }
}
