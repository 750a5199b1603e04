package io.musketeer.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cleartext fixed-point run of a small program whose values are worked out by hand. */
class FixedPointInterpreterTest {
  @Test
  void aValueReadTwiceStaysUntilItsLastReaderAndTruncationFloors() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 4)));
    int r = b.add("r", new Op.Relu(), x);
    int n = b.add("n", new Op.Neg(), x);          // x read a second time, after r
    int s = b.add("s", new Op.Add(), r, n);       // relu(x) - x = max(-x, 0)
    int h = b.add("h", new Op.Truncate(3), s);    // / 8, rounding down
    Program p = new Program(b.build(h, r), new int[] {4, 4, 4, 4, 1}, 4, false);
    var run = FixedPointInterpreter.execute(p, Map.of("x", new FloatTensor(Shape.of(1, 4), new float[] {-1.5f, 0.25f, 2f, -0.0625f})));
    // ring values at scale 4: x = -24, 4, 32, -1; s = 24, 0, 0, 1; h = s >> 3 = 3, 0, 0, 0 at scale 1
    assertArrayEquals(new long[] {3, 0, 0, 0}, run.ringOutputs().get(0).data());
    assertArrayEquals(new long[] {0, 4, 32, 0}, run.ringOutputs().get(1).data());
    assertArrayEquals(new float[] {1.5f, 0, 0, 0}, run.outputs().get(0).data());
    assertEquals(List.of(Shape.of(1, 4), Shape.of(1, 4)), run.outputs().stream().map(FloatTensor::shape).toList());
    assertEquals(0, run.outOfBound());
  }
}
