package io.musketeer.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import io.musketeer.ir.ProgramHash;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lowering under per-node scale plans, and pipelines made of a chosen list of passes. */
class ScalePlanTest {

  private static int find(Program p, String name) {
    for (int i = 0; i < p.graph().size(); i++) if (p.graph().node(i).name().equals(name)) return i;
    throw new AssertionError("no node " + name);
  }

  @Test
  void uniformPlanIsTheOneScaleLowering() {
    Graph g = Compiler.optimize(PassesTest.smallCnn());
    Program a = FixedPointLowering.lower(g, 12), b = FixedPointLowering.lower(g, ScalePlan.uniform(12));
    assertEquals(ProgramHash.of(a, "p"), ProgramHash.of(b, "p"));
  }

  @Test
  void perNodeScalesSetEncodingAndTruncation() {
    Graph g = Compiler.optimize(PassesTest.smallCnn());
    // keep the folded conv + bias (the add reading the conv) at 9 bits, the first-layer weights at 14, the input at 10
    int convIndex = g.nodes().stream().filter(n -> n.op() instanceof Op.Conv2D).mapToInt(n -> g.nodes().indexOf(n)).findFirst().orElseThrow();
    String convOut = g.nodes().stream().filter(n -> n.op() instanceof Op.Add && n.input(0) == convIndex).findFirst().orElseThrow().name();
    String filter = g.nodes().stream().filter(n -> n.op() instanceof Op.Conv2D).map(n -> g.node(n.input(1)).name()).findFirst().orElseThrow();
    ScalePlan plan = ScalePlan.uniform(12).with("x", 10).with(filter, 14).with(convOut, 9);
    Program p = FixedPointLowering.lower(g, plan);
    assertEquals(10, p.scale(find(p, "x")));
    assertEquals(14, p.scale(find(p, filter)));
    int conv = p.graph().nodes().stream().filter(n -> n.op() instanceof Op.Conv2D).mapToInt(n -> p.graph().nodes().indexOf(n)).findFirst().orElseThrow();
    assertEquals(24, p.scale(conv), "a product's scale is the sum of its operands'");
    int trunc = find(p, convOut + "/trunc");
    assertEquals(new Op.Truncate(24 - 9), p.graph().node(trunc).op(), "truncated once, after the bias, to the planned scale");
    assertEquals(9, p.scale(trunc));
    assertNotEquals(ProgramHash.of(p, "p"), ProgramHash.of(FixedPointLowering.lower(g, 12), "p"), "scales are part of the hash");

    FloatTensor x = PassesTest.random(Shape.of(1, 9, 11, 3), 1);
    float[] ref = FloatInterpreter.run(g, Map.of("x", x)).get(0).data();
    float[] fixed = FixedPointInterpreter.run(p, Map.of("x", x)).get(0).data();
    for (int i = 0; i < ref.length; i++) assertEquals(ref[i], fixed[i], 400.0 / (1 << 9), "output " + i);
  }

  @Test
  void additiveOperandsMeetAtTheSmallerScale() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 4)));
    int y = b.add("y", new Op.Input("y", Shape.of(1, 4)));
    Graph g = b.build(b.add("sum", new Op.Add(), x, y));
    Program p = FixedPointLowering.lower(g, ScalePlan.uniform(12).with("y", 8));
    int align = find(p, "sum/align0");
    assertEquals(new Op.Truncate(4), p.graph().node(align).op());
    assertEquals(8, p.scale(find(p, "sum")));
    FloatTensor one = new FloatTensor(Shape.of(1, 4), new float[] {1, -2, 0.5f, 3});
    float[] out = FixedPointInterpreter.run(p, Map.of("x", one, "y", one)).get(0).data();
    assertEquals(-4f, out[1], 1e-6);
  }

  @Test
  void scalesOutOfRangeAreRefused() {
    assertThrows(IrException.class, () -> ScalePlan.uniform(0));
    assertThrows(IrException.class, () -> ScalePlan.uniform(31));
    IrException e = assertThrows(IrException.class, () -> ScalePlan.uniform(12).with("conv", ScalePlan.MAX_NODE_SCALE + 1));
    assertTrue(e.getMessage().contains("conv"), e.getMessage());
  }

  @Test
  void compilerRunsTheListOfPassesItIsGiven() {
    Graph g = PassesTest.smallCnn();
    long muls = new Compiler(List.of()).simplify(g).nodes().stream().filter(n -> n.op() instanceof Op.Mul).count();
    assertEquals(1, muls, "no passes: the BatchNorm multiply stays");
    assertEquals(0, new Compiler(List.of(new FoldBatchNorm())).simplify(g).nodes().stream().filter(n -> n.op() instanceof Op.Mul).count());
    assertEquals(Compiler.STANDARD_PASSES, Compiler.standard().passes());
    Program p = new Compiler(List.of(new SwapReluMaxPool())).compile(g, ScalePlan.uniform(12));
    assertTrue(p.graph().nodes().stream().anyMatch(n -> n.op() instanceof Op.Mul), "lowered without BatchNorm folding");
  }
}
