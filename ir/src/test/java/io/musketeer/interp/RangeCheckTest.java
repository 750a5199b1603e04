package io.musketeer.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cleartext fixed-point run reports values the ring cannot hold, by node, instead of wrapping silently. */
class RangeCheckTest {
  /** x [1,k] @ w [k,cols] (each at {@code scale}), truncated back to scale, then ReLU. */
  private static Program matmul(float[] w, int k, int cols, int scale) {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, k)));
    int c = b.add("w", new Op.Constant(new FloatTensor(Shape.of(k, cols), w), false));
    int mm = b.add("dense/MatMul", new Op.MatMul(), x, c);
    int t = b.add("dense/trunc", new Op.Truncate(scale), mm);
    int r = b.add("relu", new Op.Relu(), t);
    return new Program(b.build(r), new int[] {scale, scale, 2 * scale, scale, scale}, scale, false);
  }

  private static Map<String, FloatTensor> input(float... v) {
    return Map.of("x", new FloatTensor(Shape.of(1, v.length), v));
  }

  @Test
  void ordinaryValuesPassAndCarryALowTruncationRisk() {
    var run = FixedPointInterpreter.execute(matmul(new float[] {0.5f, -1f, 2f, 0.25f}, 4, 1, 12), input(1, 2, 3, 4));
    assertEquals(5.5, run.outputs().get(0).data()[0], 1e-3);
    assertTrue(run.expectedTruncationFailures() < 1e-9, "" + run.expectedTruncationFailures());
  }

  @Test
  void anInputScaledBy1e12OverflowsAtTheFirstLayerAndNamesIt() {
    float[] x = {0.3e12f, 0.1e12f, 0.2e12f, 0.4e12f};
    var e = assertThrows(FixedPointOverflowException.class,
        () -> FixedPointInterpreter.execute(matmul(new float[] {0.9f, 0.8f, 0.7f, 0.6f}, 4, 1, 12), input(x)));
    assertEquals("dense/MatMul", e.node());
    assertEquals("MatMul", e.op());
    assertTrue(e.getMessage().contains("'dense/MatMul' (MatMul, scale 24)"), e.getMessage());
  }

  @Test
  void aSumThatWrapsToAPlausibleZeroIsCaught() {
    // four products of 2^62 add up to 2^64, which the ring holds as 0: a silent, plausible wrong answer
    float big = 0x1p60f;
    var e = assertThrows(FixedPointOverflowException.class,
        () -> FixedPointInterpreter.execute(matmul(new float[] {1, 1, 1, 1}, 4, 1, 1), input(big, big, big, big)));
    assertEquals("dense/MatMul", e.node());
  }

  @Test
  void largeTermsThatCancelAreNotAnOverflow() {
    // the cheap bound fails (2 * 2^61 * 2), the exact sum is 0: no error
    float big = 0x1p60f;
    var run = FixedPointInterpreter.execute(matmul(new float[] {1, -1}, 2, 1, 1), input(big, big));
    assertEquals(0f, run.outputs().get(0).data()[0]);
  }

  @Test
  void elementwiseProductsAndSumsAreCheckedExactly() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 2)));
    int m = b.add("scale/Mul", new Op.Mul(), x, x);
    Program p = new Program(b.build(m), new int[] {20, 40}, 20, false);
    var e = assertThrows(FixedPointOverflowException.class, () -> FixedPointInterpreter.execute(p, input(1f, 9000f)));
    assertEquals("Mul", e.op());
    FixedPointInterpreter.execute(p, input(1f, 2000f)); // 2000^2 * 2^40 < 2^63

    Graph.Builder b2 = new Graph.Builder();
    int y = b2.add("x", new Op.Input("x", Shape.of(1, 2)));
    int a = b2.add("sum", new Op.Add(), y, y);
    Program p2 = new Program(b2.build(a), new int[] {40, 40}, 40, false);
    assertEquals("Add", assertThrows(FixedPointOverflowException.class, () -> FixedPointInterpreter.execute(p2, input(1f, 5e6f))).op());
  }

  @Test
  void comparisonInputsMustStayInsideDReluRange() {
    // 2^62 <= |x| < 2^63 is a valid ring value but outside the secure comparison's range
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 1)));
    int r = b.add("act", new Op.Relu(), x);
    Program p = new Program(b.build(r), new int[] {2, 2}, 2, false);
    var e = assertThrows(FixedPointOverflowException.class, () -> FixedPointInterpreter.execute(p, input(0x1.8p60f)));
    assertEquals("act", e.node());
    FixedPointInterpreter.execute(p, input(0x1.8p59f));
  }

  @Test
  void largeButHeldValuesRaiseTheExpectedTruncationFailures() {
    var run = FixedPointInterpreter.execute(matmul(new float[] {1, 1}, 2, 1, 12), input(3e9f, 3e9f));
    assertTrue(run.expectedTruncationFailures() > 1e-3, "" + run.expectedTruncationFailures());
    assertEquals("'dense/trunc' (Truncate)", run.riskiestTruncation());
  }

  /** x (an input) op w (a constant), both [1, 4] at scale 20; the result at {@code outScale}. */
  private static Program elementwise(Op op, float[] w, int outScale) {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 4)));
    int c = b.add("w", new Op.Constant(new FloatTensor(Shape.of(1, 4), w), false));
    int r = b.add("r", op, x, c);
    return new Program(b.build(r), new int[] {20, 20, outScale}, 20, false);
  }

  @Test
  void valuesOfEitherSignPassUnlessTheResultWraps() {
    float[] w = {7, 0, -4, -1};
    Map<String, FloatTensor> x = input(0, -3, 5, -2000);
    assertEquals(-2001f, FixedPointInterpreter.run(elementwise(new Op.Add(), w, 20), x).get(0).data()[3]);
    assertEquals(-1999f, FixedPointInterpreter.run(elementwise(new Op.Sub(), w, 20), x).get(0).data()[3]);
    assertEquals(-20f, FixedPointInterpreter.run(elementwise(new Op.Mul(), w, 40), x).get(0).data()[2]);
    // at scale 40 (inputs scaled by 2^20 twice over through the output scale of a product) 5e6 is about 2^62.3
    float big = 5e6f;
    for (float[] v : new float[][] {{big, 1, 1, 1}, {-big, 1, 1, 1}}) {
      Program add = new Program(elementwise(new Op.Add(), new float[] {v[0], 0, 0, 0}, 40).graph(), new int[] {40, 40, 40}, 40, false);
      assertEquals("Add", assertThrows(FixedPointOverflowException.class, () -> FixedPointInterpreter.execute(add, input(v))).op());
      Program sub = new Program(elementwise(new Op.Sub(), new float[] {-v[0], 0, 0, 0}, 40).graph(), new int[] {40, 40, 40}, 40, false);
      assertEquals("Sub", assertThrows(FixedPointOverflowException.class, () -> FixedPointInterpreter.execute(sub, input(v))).op());
    }
    assertEquals("Mul", assertThrows(FixedPointOverflowException.class,
        () -> FixedPointInterpreter.execute(elementwise(new Op.Mul(), new float[] {9000, 1, 1, 1}, 40), input(-9000, 1, 1, 1))).op());
  }

  @Test
  void aSumThatWrapsInAnyColumnIsCaught() {
    float big = 0x1p61f; // 2^62 in the ring at scale 1
    var e = assertThrows(FixedPointOverflowException.class,
        () -> FixedPointInterpreter.execute(matmul(new float[] {0, 0, 1, 1, 0, 0, 1, 1}, 2, 4, 1), input(big, big)));
    assertEquals("MatMul", e.op());
    // the only large weights in the second row: a bound read from the wrong rows would skip the exact check
    var second = assertThrows(FixedPointOverflowException.class,
        () -> FixedPointInterpreter.execute(matmul(new float[] {0, 0, 0, 0, 0, 0, 4, 4}, 2, 4, 1), input(0, 0x1p60f)));
    assertEquals("MatMul", second.op());
  }

  @Test
  void aComparisonInputOfExactly2To62IsRefused() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 1)));
    int r = b.add("relu", new Op.Relu(), x);
    Program p = new Program(b.build(r), new int[] {2, 2}, 2, false);
    assertThrows(FixedPointOverflowException.class, () -> FixedPointInterpreter.execute(p, input(0x1p60f))); // 2^62 in the ring
    FixedPointInterpreter.execute(p, input(Math.nextDown(0x1p60f)));
  }
}
