package io.musketeer.ir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import org.junit.jupiter.api.Test;

class LivenessTest {
  @Test
  void valuesDieAfterTheirLastReaderAndThePeakIsCountedByHand() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 10)));           // 80 B of shares
    int r = b.add("r", new Op.Relu(), x);                              // 80 B
    int w = b.add("w", new Op.Constant(FloatTensor.zeros(Shape.of(10, 10)), false)); // 800 B
    int m = b.add("m", new Op.MatMul(), r, w);                         // 80 B
    int s = b.add("s", new Op.Add(), m, x);                            // x read late: it stays alive
    Graph g = b.build(s);
    Program p = new Program(g, new int[] {12, 12, 12, 24, 12}, 12, false);
    Liveness l = Liveness.of(p);
    assertArrayEquals(new int[] {s, m, m, s, g.size()}, l.lastUse());
    // during m: x, r, w and m itself are alive
    assertEquals(80 + 80 + 800 + 80, l.peakBytes());
    assertEquals(m, l.peakNode());
    assertEquals(80 + 800 + 80, l.widestBytes(), "the matmul's inputs and result");
    assertEquals(400, l.weightBytes(), "the server's float weights");
  }

  @Test
  void aValueNobodyReadsDiesWhereItIsMade() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 10)));
    int dead = b.add("dead", new Op.Neg(), x);
    int r = b.add("r", new Op.Relu(), x);
    Graph g = b.build(r);
    Liveness l = Liveness.of(new Program(g, new int[] {12, 12, 12}, 12, false));
    assertArrayEquals(new int[] {r, dead, g.size()}, l.lastUse());
    assertEquals(80 + 80, l.peakBytes(), "x and the dead value; the dead one is freed before r is made");
  }
}
