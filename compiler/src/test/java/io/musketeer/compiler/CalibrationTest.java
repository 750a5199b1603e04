package io.musketeer.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.MusketeerException;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.ir.ProgramHash;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CalibrationTest {
  /** x [4,3] -> matmul by w -> relu -> matmul by v: small enough to check by hand. */
  static Graph mlp(float[] w, float[] v) {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(4, 3)));
    int wi = b.add("w", new Op.Constant(new FloatTensor(Shape.of(3, 2), w), false));
    int h = b.add("h", new Op.MatMul(), x, wi);
    int r = b.add("r", new Op.Relu(), h);
    int vi = b.add("v", new Op.Constant(new FloatTensor(Shape.of(2, 3), v), false));
    int out = b.add("out", new Op.MatMul(), r, vi);
    return b.build(out);
  }

  static final float[] W = {1, -1, 2, 0.5f, -3, 1};
  static final float[] V = {1, 0, -1, 0.25f, 2, 1};

  static Map<String, FloatTensor> batch(float... x) {
    return Map.of("x", new FloatTensor(Shape.of(4, 3), x));
  }

  private static int index(Program p, String name) {
    for (int i = 0; i < p.graph().size(); i++) if (p.graph().node(i).name().equals(name)) return i;
    throw new AssertionError("no node " + name);
  }

  @Test
  void rangesRecordTheLargestValueAndTheLargestSampleSum() {
    Graph g = mlp(W, V);
    Ranges r = Ranges.measure(g, List.of(batch(1, 2, 3, 0, 0, 0, -1, 0, 0, 0, 10, 0)), 4);
    // h rows: [1*1+2*2+3*-3, 1*-1+2*0.5+3*1] = [-4, 3]; [0,0]; [-1, 1]; [20, 5]
    int h = 2;
    assertEquals(20, r.maxAbs(h), 1e-6);
    assertEquals(25, r.sampleAbsSum(h), 1e-6, "the fourth sample's |20| + |5|");
    assertEquals(4, r.samples());
  }

  @Test
  void headroomFiguresFollowFromTheRanges() {
    Graph g = mlp(W, V);
    Ranges r = Ranges.measure(g, List.of(batch(1, 2, 3, 0, 0, 0, -1, 0, 0, 0, 10, 0)), 4);
    FixedPointLowering.Lowered l = FixedPointLowering.lowerTraced(g, TruncationPlacement.plan(g, 12));
    Headroom.Report rep = Headroom.measure(l, r, 3, 1);
    Program p = l.program();
    Headroom.Layer relu = layer(rep, "r");
    assertEquals(24, relu.scale(), "the ReLU reads the product at 2s");
    assertEquals(20, relu.maxAbs(), 1e-6);
    assertEquals(29, relu.ringBits(), "20 * 2^24 < 2^29");
    assertEquals(62 - 29, relu.headroom());
    assertEquals(29 + 3, relu.bound(), "bits plus the margin");
    Headroom.Layer trunc = layer(rep, "r/trunc");
    // relu rows sum: max over samples of |relu(h)|: [0,3] -> 3, [0,0], [0,1], [20,5] -> 25
    assertEquals(Math.scalb(25.0, 24 - 63), trunc.failureBound(), 1e-30);
    int[] bounds = rep.bounds(p.graph().size());
    assertEquals(32, bounds[index(p, "r")]);
    assertEquals(Program.UNBOUNDED, bounds[index(p, "h")]);
    assertNull(rep.refusal());
  }

  private static Headroom.Layer layer(Headroom.Report rep, String name) {
    for (Headroom.Layer l : rep.layers()) if (l.name().equals(name)) return l;
    throw new AssertionError("no layer " + name);
  }

  @Test
  void aScaleThatOverflowsIsRefusedInOneLine() {
    Graph g = mlp(W, V);
    Ranges r = Ranges.measure(g, List.of(batch(1e8f, 2, 3, 0, 0, 0, -1, 0, 0, 0, 10, 0)), 4);
    MusketeerException e = assertThrows(MusketeerException.class, () -> Calibration.at(g, r, 20, Calibration.Options.defaults()));
    assertTrue(e.getMessage().contains("--scale 20 is refused") && e.getMessage().contains("overflows at node"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
    // the same data at a small scale fits
    assertTrue(Calibration.at(g, r, 4, Calibration.Options.defaults()).admissible());
  }

  @Test
  void theFailureBudgetRefusesFineScales() {
    Graph g = mlp(W, V);
    Ranges r = Ranges.measure(g, List.of(batch(1, 2, 3, 0, 0, 0, -1, 0, 0, 0, 10, 0)), 4);
    Calibration.Options strict = Calibration.Options.defaults().withFailureBudget(1e-12);
    Calibration.Candidate c = Calibration.candidate(g, r, 16, strict, null);
    assertNotNull(c.refusal());
    assertTrue(c.refusal().contains("fail with probability"), c.refusal());
    assertNull(Calibration.candidate(g, r, 16, Calibration.Options.defaults(), null).refusal());
  }

  @Test
  void theChoiceAgreesBestAndTiesGoToTheSmallerFailureBound() {
    Random rnd = new Random(5);
    float[] w = new float[6], v = new float[6];
    for (int i = 0; i < 6; i++) {
      w[i] = (float) rnd.nextGaussian();
      v[i] = (float) rnd.nextGaussian();
    }
    Graph g = mlp(w, v);
    List<Map<String, FloatTensor>> batches = new ArrayList<>();
    for (int k = 0; k < 50; k++) {
      float[] x = new float[12];
      for (int i = 0; i < 12; i++) x[i] = (float) rnd.nextGaussian();
      batches.add(batch(x));
    }
    Ranges r = Ranges.measure(g, batches, 4);
    Calibration.Choice c = Calibration.choose(g, r, batches, Calibration.Options.defaults());
    int best = 0;
    for (Calibration.Candidate k : c.tried()) if (k.ran()) best = Math.max(best, k.agreeing());
    assertEquals(best, c.chosen().agreeing(), "no candidate agrees more often");
    // ties go to the smaller failure bound, first among scales whose next lower scale agrees as often (a guard bit)
    List<Calibration.Candidate> tried = c.tried();
    boolean guardedTie = false;
    for (int i = 0; i + 1 < tried.size(); i++) {
      Calibration.Candidate k = tried.get(i), below = tried.get(i + 1);
      if (k.ran() && k.agreeing() == best && below.ran() && below.agreeing() == best) {
        guardedTie = true;
        assertTrue(c.chosen().report().failureBound() <= k.report().failureBound(), "scale " + k.scale());
      }
    }
    if (guardedTie) {
      int at = tried.indexOf(c.chosen());
      assertTrue(tried.get(at + 1).ran() && tried.get(at + 1).agreeing() == best, "one bit less still agrees as often");
    }
    assertEquals(200, c.chosen().samples());
    assertTrue(c.summary().contains("<- chosen"));
    // the program carries the calibration's bounds, and they are part of its hash
    Program p = c.program();
    assertNotEquals(Program.UNBOUNDED, p.bound(index(p, "r")));
    Program unbounded = p.withBounds(new Headroom.Report(0, 0, 0, List.of()).bounds(p.graph().size()));
    assertNotEquals(ProgramHash.of(p, "x"), ProgramHash.of(unbounded, "x"));
  }

  @Test
  void staticCheckRefusesOnlyScalesNoInputSurvives() {
    Graph g = mlp(W, V);
    assertNull(Headroom.checkStatic(Compiler.compile(g, 12), 3));
    String refusal = Headroom.checkStatic(Compiler.compile(g, 30), 3);
    assertNotNull(refusal);
    assertTrue(refusal.contains("node 'h'") || refusal.contains("node 'r'"), refusal);
    for (Node n : Compiler.compile(g, 12).graph().nodes()) assertFalse(n.name().isEmpty());
  }
}
