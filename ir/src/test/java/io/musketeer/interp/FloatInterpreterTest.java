package io.musketeer.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.MusketeerException;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The float reference semantics of every op (the definition the other executors follow), each on a
 * small tensor whose result is worked out by hand here, and the graph walk (outputs in order, every
 * node observed once, inputs checked).
 */
class FloatInterpreterTest {
  private static FloatTensor t(Shape s, float... v) {
    return new FloatTensor(s, v);
  }

  private static void assertTensor(Shape s, float[] want, FloatTensor got) {
    assertEquals(s, got.shape());
    assertArrayEquals(want, got.data(), 1e-6f);
  }

  private static final FloatTensor NINE = t(Shape.of(1, 3, 3, 1), 1, 2, 3, 4, 5, 6, 7, 8, 9);

  @Test
  void matMulAndConvolution() {
    assertTensor(Shape.of(2, 2), new float[] {19, 22, 43, 50},
        FloatInterpreter.evaluate(new Op.MatMul(), t(Shape.of(2, 2), 1, 2, 3, 4), t(Shape.of(2, 2), 5, 6, 7, 8)));
    FloatTensor ones = t(Shape.of(2, 2, 1, 1), 1, 1, 1, 1);
    assertTensor(Shape.of(1, 2, 2, 1), new float[] {12, 16, 24, 28}, FloatInterpreter.evaluate(new Op.Conv2D(1, 1, 0, 0, 0, 0, 1), NINE, ones));
    // one padded row at the bottom and column at the right (TensorFlow's SAME for a 2x2 filter)
    assertTensor(Shape.of(1, 3, 3, 1), new float[] {12, 16, 9, 24, 28, 15, 15, 17, 9},
        FloatInterpreter.evaluate(new Op.Conv2D(1, 1, 0, 1, 0, 1, 1), NINE, ones));
    // stride 2 with a 1x1 filter of weight -2
    assertTensor(Shape.of(1, 2, 2, 1), new float[] {-2, -6, -14, -18},
        FloatInterpreter.evaluate(new Op.Conv2D(2, 2, 0, 0, 0, 0, 1), NINE, t(Shape.of(1, 1, 1, 1), -2)));
  }

  @Test
  void elementwiseOpsBroadcast() {
    FloatTensor row = t(Shape.of(1, 3), 1, 2, 3), col = t(Shape.of(2, 1), 10, 20);
    assertTensor(Shape.of(2, 3), new float[] {11, 12, 13, 21, 22, 23}, FloatInterpreter.evaluate(new Op.Add(), row, col));
    assertTensor(Shape.of(2, 3), new float[] {-9, -8, -7, -19, -18, -17}, FloatInterpreter.evaluate(new Op.Sub(), row, col));
    assertTensor(Shape.of(2, 3), new float[] {9, 8, 7, 19, 18, 17}, FloatInterpreter.evaluate(new Op.Sub(), col, row));
    assertTensor(Shape.of(2, 3), new float[] {10, 20, 30, 20, 40, 60}, FloatInterpreter.evaluate(new Op.Mul(), row, col));
    assertTensor(Shape.of(1, 3), new float[] {2, 4, 6}, FloatInterpreter.evaluate(new Op.Add(), row, row));
    FloatTensor full = t(Shape.of(2, 3), 1, 1, 1, 2, 2, 2);
    assertTensor(Shape.of(2, 3), new float[] {0, 1, 2, -1, 0, 1}, FloatInterpreter.evaluate(new Op.Sub(), row, full)); // only one side broadcast
    assertTensor(Shape.of(2, 3), new float[] {0, -1, -2, 1, 0, -1}, FloatInterpreter.evaluate(new Op.Sub(), full, row));
    FloatTensor v = t(Shape.of(4), -1.5f, 0, 2, -0f);
    assertTensor(Shape.of(4), new float[] {1.5f, 0, -2, 0}, FloatInterpreter.evaluate(new Op.Neg(), v));
    assertTensor(Shape.of(4), new float[] {0, 0, 2, 0}, FloatInterpreter.evaluate(new Op.Relu(), v));
  }

  @Test
  void poolingIgnoresOrCountsPadding() {
    Op.Window w = new Op.Window(2, 2, 1, 1, 0, 1, 0, 1);
    assertTensor(Shape.of(1, 3, 3, 1), new float[] {5, 6, 6, 8, 9, 9, 8, 9, 9}, FloatInterpreter.evaluate(new Op.MaxPool(w), NINE));
    FloatTensor negative = t(Shape.of(1, 3, 3, 1), -1, -2, -3, -4, -5, -6, -7, -8, -9);
    assertTensor(Shape.of(1, 3, 3, 1), new float[] {-1, -2, -3, -4, -5, -6, -7, -8, -9},
        FloatInterpreter.evaluate(new Op.MaxPool(w), negative)); // padding never wins a max
    assertTensor(Shape.of(1, 3, 3, 1), new float[] {3, 4, 4.5f, 6, 7, 7.5f, 7.5f, 8.5f, 9},
        FloatInterpreter.evaluate(new Op.AvgPool(w, false), NINE));
    assertTensor(Shape.of(1, 3, 3, 1), new float[] {3, 4, 2.25f, 6, 7, 3.75f, 3.75f, 4.25f, 2.25f},
        FloatInterpreter.evaluate(new Op.AvgPool(w, true), NINE));
  }

  @Test
  void reductionsAndArgMax() {
    FloatTensor m = t(Shape.of(2, 3), 1, 2, 3, 4, 5, 6);
    assertTensor(Shape.of(2), new float[] {6, 15}, FloatInterpreter.evaluate(new Op.ReduceSum(new int[] {1}, false), m));
    assertTensor(Shape.of(2, 1), new float[] {6, 15}, FloatInterpreter.evaluate(new Op.ReduceSum(new int[] {1}, true), m));
    assertTensor(Shape.of(2), new float[] {2, 5}, FloatInterpreter.evaluate(new Op.ReduceMean(new int[] {1}, false), m));
    assertTensor(Shape.of(3), new float[] {2.5f, 3.5f, 4.5f}, FloatInterpreter.evaluate(new Op.ReduceMean(new int[] {0}, false), m));
    assertTensor(Shape.of(), new float[] {3.5f}, FloatInterpreter.evaluate(new Op.ReduceMean(new int[] {0, 1}, false), m));
    FloatTensor ties = t(Shape.of(2, 3), 1, 3, 3, 5, 2, 4);
    assertTensor(Shape.of(2), new float[] {1, 0}, FloatInterpreter.evaluate(new Op.ArgMax(1), ties)); // first index on ties
    assertTensor(Shape.of(3), new float[] {1, 0, 1}, FloatInterpreter.evaluate(new Op.ArgMax(0), ties));
    // x[2, 3, 2] along the middle axis: outer and inner both above one
    FloatTensor cube = t(Shape.of(2, 3, 2), 0, 9, 5, 1, 2, 3, 7, 7, 8, 6, 8, 9);
    assertTensor(Shape.of(2, 2), new float[] {1, 0, 1, 2}, FloatInterpreter.evaluate(new Op.ArgMax(1), cube));
  }

  @Test
  void indexingOps() {
    FloatTensor m = t(Shape.of(2, 3), 1, 2, 3, 4, 5, 6);
    assertTensor(Shape.of(2, 3), new float[] {1, 10, 11, 2, 20, 21},
        FloatInterpreter.evaluate(new Op.Concat(1), t(Shape.of(2, 1), 1, 2), t(Shape.of(2, 2), 10, 11, 20, 21)));
    assertTensor(Shape.of(3, 2), new float[] {1, 2, 3, 4, 5, 6}, FloatInterpreter.evaluate(new Op.Reshape(Shape.of(3, 2)), m));
    assertTensor(Shape.of(5), new float[] {0, 1, 2, 0, 0}, FloatInterpreter.evaluate(new Op.Pad(new int[] {1}, new int[] {2}), t(Shape.of(2), 1, 2)));
    assertTensor(Shape.of(3, 2), new float[] {1, 4, 2, 5, 3, 6}, FloatInterpreter.evaluate(new Op.Transpose(new int[] {1, 0}), m));
    assertTensor(Shape.of(3), new float[] {1, 4, 7},
        FloatInterpreter.evaluate(new Op.Slice(new int[] {1}, new int[] {8}, new int[] {3}), t(Shape.of(9), 0, 1, 2, 3, 4, 5, 6, 7, 8)));
    assertTensor(Shape.of(2, 3), m.data(), FloatInterpreter.evaluate(new Op.Truncate(12), m));
  }

  @Test
  void softmaxNormalisesEachRowOfTheLastAxisStably() {
    FloatTensor x = t(Shape.of(3, 2), 0, (float) Math.log(3), 1, 1, 1000, 1000);
    assertTensor(Shape.of(3, 2), new float[] {0.25f, 0.75f, 0.5f, 0.5f, 0.5f, 0.5f}, FloatInterpreter.evaluate(new Op.Softmax(), x));
    assertTensor(Shape.of(1, 3), new float[] {0, 0, 1}, FloatInterpreter.evaluate(new Op.Softmax(), t(Shape.of(1, 3), -1000, -1000, 0)));
  }

  @Test
  void aGraphRunsInOrderAndShowsEveryNodeOnce() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 3)));
    int r = b.add("r", new Op.Relu(), x);
    int c = b.add("c", new Op.Constant(t(Shape.of(1, 3), 1, 1, 1), false));
    int s = b.add("s", new Op.Add(), r, c);
    int n = b.add("n", new Op.Neg(), x);
    Graph g = b.build(s, n, r);
    List<Integer> seen = new ArrayList<>();
    List<FloatTensor> out = FloatInterpreter.run(g, Map.of("x", t(Shape.of(1, 3), -1, 0, 2)), (node, value) -> {
      seen.add(node);
      assertTrue(value != null, "node " + node);
    });
    assertEquals(List.of(0, 1, 2, 3, 4), seen);
    assertEquals(3, out.size());
    assertArrayEquals(new float[] {1, 1, 3}, out.get(0).data());
    assertArrayEquals(new float[] {1, 0, -2}, out.get(1).data(), 0f);
    assertArrayEquals(new float[] {0, 0, 2}, out.get(2).data(), 0f);

    MusketeerException missing = assertThrows(MusketeerException.class, () -> FloatInterpreter.run(g, Map.of()));
    assertEquals("no value given for input 'x'", missing.getMessage());
    MusketeerException shape = assertThrows(MusketeerException.class, () -> FloatInterpreter.run(g, Map.of("x", t(Shape.of(3), 1, 2, 3))));
    assertEquals("input 'x' has shape [3] but the model expects [1, 3]", shape.getMessage());
  }
}
