package io.musketeer.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.IrException;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PassesTest {
  private static final Random RNG = new Random(7);

  static FloatTensor random(Shape s, double scale) {
    float[] d = new float[s.size()];
    for (int i = 0; i < d.length; i++) d[i] = (float) (RNG.nextGaussian() * scale);
    return new FloatTensor(s, d);
  }

  /** conv -> bias -> batchnorm (mul, add) -> relu -> maxpool -> avgpool -> reshape -> matmul -> bias. */
  static Graph smallCnn() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 9, 11, 3)));
    int w = b.add("w", new Op.Constant(random(Shape.of(3, 3, 3, 8), 0.3), false));
    int conv = b.add("conv", new Op.Conv2D(1, 2, 1, 1, 0, 1, 1), x, w);
    int bias = b.add("bias", new Op.Constant(random(Shape.of(8), 0.1), false));
    int add = b.add("add", new Op.Add(), conv, bias);
    int gamma = b.add("gamma", new Op.Constant(random(Shape.of(8), 0.5), false));
    int mul = b.add("bn_mul", new Op.Mul(), add, gamma);
    int beta = b.add("beta", new Op.Constant(random(Shape.of(8), 0.1), false));
    int bn = b.add("bn_add", new Op.Add(), mul, beta);
    int mean = b.add("mean", new Op.Constant(random(Shape.of(8), 0.1), false));
    int centered = b.add("center", new Op.Sub(), bn, mean);
    int relu = b.add("relu", new Op.Relu(), centered);
    int pool = b.add("pool", new Op.MaxPool(new Op.Window(2, 2, 2, 2, 0, 1, 0, 0)), relu);
    int avg = b.add("avg", new Op.AvgPool(new Op.Window(2, 2, 1, 1, 0, 1, 0, 1), false), pool);
    Shape s = b.shape(avg);
    int flat = b.add("flat", new Op.Reshape(Shape.of(1, s.size() / 1)), avg);
    int fc = b.add("fcw", new Op.Constant(random(Shape.of(s.size(), 5), 0.2), false));
    int mm = b.add("fc", new Op.MatMul(), flat, fc);
    int fb = b.add("fcb", new Op.Constant(random(Shape.of(5), 0.1), false));
    int logits = b.add("logits", new Op.Add(), mm, fb);
    return b.build(logits);
  }

  @Test
  void batchNormFoldsIntoConvAndKeepsFloatSemantics() {
    Graph g = smallCnn();
    Graph folded = Compiler.optimize(g);
    long muls = folded.nodes().stream().filter(n -> n.op() instanceof Op.Mul).count();
    long subs = folded.nodes().stream().filter(n -> n.op() instanceof Op.Sub).count();
    assertEquals(0, muls, "BatchNorm multiply should be folded into the conv filter");
    assertEquals(0, subs);
    long adds = folded.nodes().stream().filter(n -> n.op() instanceof Op.Add).count();
    assertEquals(2, adds, "conv bias, BN shift and mean should merge into one add (plus the FC bias)");
    FloatTensor x = random(Shape.of(1, 9, 11, 3), 1);
    float[] a = FloatInterpreter.run(g, Map.of("x", x)).get(0).data();
    float[] b = FloatInterpreter.run(folded, Map.of("x", x)).get(0).data();
    for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-4 * Math.max(1, Math.abs(a[i])));
  }

  @Test
  void fixedPointTracksFloatWithinScaleError() {
    Graph g = smallCnn();
    FloatTensor x = random(Shape.of(1, 9, 11, 3), 1);
    float[] ref = FloatInterpreter.run(g, Map.of("x", x)).get(0).data();
    for (int scale : new int[] {12, 16}) {
      Program p = Compiler.compile(g, scale);
      float[] fixed = FixedPointInterpreter.run(p, Map.of("x", x)).get(0).data();
      double tol = 200.0 / (1 << scale);
      for (int i = 0; i < ref.length; i++) assertEquals(ref[i], fixed[i], tol, "scale " + scale + " output " + i);
    }
  }

  @Test
  void loweringTruncatesEveryProductOnceAfterItsBiasAndRelu() {
    Program p = Compiler.compile(smallCnn(), 12);
    Graph g = p.graph();
    int truncs = 0;
    for (int i = 0; i < g.size(); i++) {
      if (g.node(i).op() instanceof Op.Truncate t) {
        truncs++;
        assertEquals(12, t.bits());
        assertEquals(12, p.scale(i));
      }
      if (g.node(i).op() instanceof Op.Conv2D || g.node(i).op() instanceof Op.MatMul) assertEquals(24, p.scale(i));
      if (g.node(i).op() instanceof Op.Relu) {
        // the ReLU takes the product's scale and is truncated right after, so the pair can fuse
        assertEquals(24, p.scale(i));
        assertTrue(g.node(i + 1).op() instanceof Op.Truncate && g.node(i + 1).input(0) == i, "a truncation reads the ReLU");
      }
    }
    assertEquals(2, truncs, "one truncation per product chain");
  }

  @Test
  void softmaxOnlyAsFinalOp() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 4)));
    int sm = b.add("sm", new Op.Softmax(), x);
    int r = b.add("r", new Op.Relu(), sm);
    Graph bad = b.build(r);
    assertThrows(IrException.class, () -> Compiler.compile(bad, 12));
    Graph.Builder ok = new Graph.Builder();
    int y = ok.add("x", new Op.Input("x", Shape.of(1, 4)));
    int s2 = ok.add("sm", new Op.Softmax(), ok.add("r", new Op.Relu(), y));
    Program p = Compiler.compile(ok.build(s2), 12);
    assertTrue(p.softmaxOutput());
    FloatTensor in = new FloatTensor(Shape.of(1, 4), new float[] {1, 2, -3, 0.5f});
    float[] out = FixedPointInterpreter.run(p, Map.of("x", in)).get(0).data();
    float sum = 0;
    for (float v : out) sum += v;
    assertEquals(1.0, sum, 1e-5);
  }

  @Test
  void argMaxReturnsFirstIndexOnTies() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(2, 5)));
    int am = b.add("am", new Op.ArgMax(1), x);
    Graph g = b.build(am);
    FloatTensor in = new FloatTensor(Shape.of(2, 5), new float[] {1, 3, 3, -1, 0, -5, -4, -4, -6, -4});
    assertEquals(List.of(1f, 1f), toList(FloatInterpreter.run(g, Map.of("x", in)).get(0).data()));
    assertEquals(List.of(1f, 1f), toList(FixedPointInterpreter.run(Compiler.compile(g, 12), Map.of("x", in)).get(0).data()));
  }

  @Test
  void reluMovesAfterMaxPool() {
    Graph g = smallCnn();
    Graph opt = Compiler.optimize(g);
    int pool = -1, relu = -1;
    for (int i = 0; i < opt.size(); i++) {
      if (opt.node(i).op() instanceof Op.MaxPool) pool = i;
      if (opt.node(i).op() instanceof Op.Relu) relu = i;
    }
    assertTrue(pool >= 0 && relu > pool, "ReLU should now follow the max-pool");
    assertEquals(pool, opt.node(relu).input(0));
  }

  @Test
  void graphCheckerRejectsBadShapes() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 4)));
    int w = b.add("w", new Op.Constant(random(Shape.of(5, 3), 1), false));
    IrException e = assertThrows(IrException.class, () -> b.add("mm", new Op.MatMul(), x, w));
    assertTrue(e.getMessage().contains("mm"), e.getMessage());
  }

  private static List<Float> toList(float[] a) {
    java.util.ArrayList<Float> l = new java.util.ArrayList<>();
    for (float f : a) l.add(f);
    return l;
  }
}
