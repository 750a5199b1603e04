package io.musketeer.mpc.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which comparison calls a program makes, worked out by hand for small graphs. */
class ComparisonPlanTest {
  private static final Shape S = Shape.of(1, 4);

  private static Program program(Graph g, int... bounds) {
    int[] scales = new int[g.size()];
    Arrays.fill(scales, 12);
    int[] b = new int[g.size()];
    Arrays.fill(b, Program.UNBOUNDED);
    for (int i = 0; i + 1 < bounds.length; i += 2) b[bounds[i]] = bounds[i + 1];
    return new Program(g, scales, 12, false, b);
  }

  @Test
  void callsInProgramOrderWithFusedPairsAndRevealedTruncations() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", S));
    int t = b.add("t", new Op.Truncate(12), x);          // 1: read only by the ReLU: fused, truncation first
    int r = b.add("r", new Op.Relu(), t);                // 2
    int r2 = b.add("r2", new Op.Relu(), r);              // 3: read twice below, so not fused with t2
    int t2 = b.add("t2", new Op.Truncate(3), r2);        // 4
    int a = b.add("a", new Op.Add(), t2, r2);            // 5: the sum reaches the output
    int n = b.add("n", new Op.Neg(), a);                 // 6
    Graph g = b.build(n);
    Program p = program(g, r, 20, r2, 30, t2, 40);
    ComparisonPlan plan = ComparisonPlan.of(p);
    assertEquals(List.of(
        new ComparisonPlan.ReluTruncate(t, r, 4, 12, 32, true),
        new ComparisonPlan.Relu(r2, 4, 30),
        new ComparisonPlan.TruncateRevealed(t2, 4, 3, 40)), plan.calls());
    assertEquals(null, plan.at(r), "the second node of a pair makes no call");
    assertEquals(plan.calls().get(2), plan.at(t2));
    boolean[] revealed = ComparisonPlan.revealedTruncations(g);
    assertTrue(revealed[t2], "its result reaches the output through an addition and a negation");
    assertFalse(revealed[t], "a ReLU stands between it and the output");
    assertArrayEquals(new int[] {-1, r, t, -1, -1, -1, -1}, ComparisonPlan.reluTruncatePairs(g));
  }

  @Test
  void aTruncationIntoAnAdditionIntoAReluFusesOnlyWhenTheFusionIsExact() {
    for (int side = 0; side < 2; side++) {
      Graph.Builder b = new Graph.Builder();
      int x = b.add("x", new Op.Input("x", S));
      int y = b.add("y", new Op.Input("y", S));
      int t = b.add("t", new Op.Truncate(5), x);
      int a = side == 0 ? b.add("a", new Op.Add(), t, y) : b.add("a", new Op.Add(), y, t);
      int r = b.add("r", new Op.Relu(), a);
      int out = b.add("o", new Op.Mul(), r, b.add("k", new Op.Constant(new FloatTensor(S, new float[] {2, 2, 2, 2}), false)));
      Program p = program(b.build(out), r, 20);
      ComparisonPlan exact = ComparisonPlan.of(p, true);
      assertEquals(List.of(new ComparisonPlan.ReluTruncateAdd(a, t, r, 1 - side, 4, 5, 25)), exact.calls(), "side " + side);
      assertTrue(exact.deferred(t));
      assertFalse(exact.deferred(a));
      ComparisonPlan local = ComparisonPlan.of(p);
      assertEquals(List.of(new ComparisonPlan.Shift(t, 4, 5, Program.UNBOUNDED), new ComparisonPlan.Relu(r, 4, 20)), local.calls(),
          "without exact fusion: the truncation on its own, then a plain ReLU");
      assertFalse(local.deferred(t));
    }
    // an addition into a ReLU with no truncation to fuse
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", S));
    int a = b.add("a", new Op.Add(), x, x);
    int r = b.add("r", new Op.Relu(), a);
    assertEquals(List.of(new ComparisonPlan.Relu(r, 4, Program.UNBOUNDED)), ComparisonPlan.of(program(b.build(r)), true).calls());
  }
}
