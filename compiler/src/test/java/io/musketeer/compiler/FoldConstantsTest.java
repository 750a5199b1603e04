package io.musketeer.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import org.junit.jupiter.api.Test;

class FoldConstantsTest {
  private static FloatTensor t(Shape s, float... v) {
    return new FloatTensor(s, v);
  }

  @Test
  void constantSubgraphsBecomeOneConstantAndRunTimeValuesStay() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 3)));
    int w = b.add("w", new Op.Constant(t(Shape.of(3), 1, 2, 3), false));
    int two = b.add("two", new Op.Constant(t(Shape.of(), 2), true));
    int scaled = b.add("scaled", new Op.Mul(), w, two);
    int shift = b.add("shift", new Op.Neg(), scaled);
    int sum = b.add("sum", new Op.Add(), x, shift);
    Graph g = new FoldConstants().apply(b.build(sum));
    assertEquals(3, g.size(), "x, the folded constant, the add");
    Op.Constant c = (Op.Constant) g.node(g.node(g.outputs()[0]).input(1)).op();
    assertArrayEquals(new float[] {-2, -4, -6}, c.value().data());
    assertFalse(c.isPublic(), "a weight mixed with a public value stays the server's");
    assertTrue(g.node(g.outputs()[0]).op() instanceof Op.Add);
  }

  @Test
  void foldingPublicValuesOnlyGivesAPublicConstant() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(2)));
    int a = b.add("a", new Op.Constant(t(Shape.of(2), 1, 6), true));
    int c = b.add("c", new Op.Constant(t(Shape.of(2), 0.5f, 0.5f), true));
    int p = b.add("p", new Op.Sub(), a, c);
    int out = b.add("out", new Op.Mul(), x, p);
    Graph g = new FoldConstants().apply(b.build(out));
    Op.Constant folded = (Op.Constant) g.node(g.node(g.outputs()[0]).input(1)).op();
    assertTrue(folded.isPublic());
    assertArrayEquals(new float[] {0.5f, 5.5f}, folded.value().data());
  }

  @Test
  void aFinalSoftmaxOfAConstantIsLeftToTheClient() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 2)));
    int k = b.add("k", new Op.Constant(t(Shape.of(1, 2), 1, 2), false));
    int sum = b.add("sum", new Op.Add(), x, k);
    int sm = b.add("sm", new Op.Softmax(), sum);
    Graph g = new FoldConstants().apply(b.build(sm));
    assertTrue(g.node(g.outputs()[0]).op() instanceof Op.Softmax);
  }
}
