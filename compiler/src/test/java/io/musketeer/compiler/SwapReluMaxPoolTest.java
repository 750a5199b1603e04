package io.musketeer.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SwapReluMaxPoolTest {
  private static Graph reluThenPool(boolean reluHasAnotherReader) {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 4, 4, 2)));
    int relu = b.add("relu", new Op.Relu(), x);
    int pool = b.add("pool", new Op.MaxPool(new Op.Window(2, 2, 2, 2, 0, 0, 0, 0)), relu);
    if (!reluHasAnotherReader) return b.build(pool);
    int flat = b.add("flat", new Op.Reshape(Shape.of(1, 32)), relu);
    return b.build(pool, flat);
  }

  @Test
  void poolsFirstAndKeepsTheValues() {
    Graph g = reluThenPool(false);
    Graph s = new SwapReluMaxPool().apply(g);
    assertTrue(s.node(s.outputs()[0]).op() instanceof Op.Relu);
    assertTrue(s.node(s.node(s.outputs()[0]).input(0)).op() instanceof Op.MaxPool);
    float[] d = new float[32];
    for (int i = 0; i < d.length; i++) d[i] = (i * 7 % 11) - 5.5f;
    Map<String, FloatTensor> in = Map.of("x", new FloatTensor(Shape.of(1, 4, 4, 2), d));
    assertArrayEquals(FloatInterpreter.run(g, in).get(0).data(), FloatInterpreter.run(s, in).get(0).data());
  }

  @Test
  void aReluWithAnotherReaderStays() {
    Graph g = reluThenPool(true);
    Graph s = new SwapReluMaxPool().apply(g);
    assertTrue(s.node(s.outputs()[0]).op() instanceof Op.MaxPool, "the ReLU's value is needed anyway: swapping would add comparisons");
  }
}
