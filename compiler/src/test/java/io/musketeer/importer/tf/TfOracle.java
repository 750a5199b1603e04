package io.musketeer.importer.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/** TensorFlow Java as the reference: runs a GraphDef in TensorFlow and in Musketeer and compares. */
final class TfOracle {
  private TfOracle() {}

  /** Runs the graph in TensorFlow, feeding one float input, and returns the fetched output as floats. */
  static float[] runTensorFlow(GraphDef def, String input, FloatTensor x, String output) {
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      g.importGraphDef(def);
      long[] dims = new long[x.shape().rank()];
      for (int i = 0; i < dims.length; i++) dims[i] = x.shape().dim(i);
      try (Session s = new Session(g);
          TFloat32 feed = TFloat32.tensorOf(Shape.of(dims), DataBuffers.of(x.data(), true, false));
          Result r = s.runner().feed(input, feed).fetch(output).run()) {
        Tensor t = r.get(0);
        int n = (int) t.shape().size();
        float[] out = new float[n];
        if (t instanceof TFloat32 f) {
          f.copyTo(DataBuffers.of(out, false, false));
        } else if (t instanceof TInt64 l) {
          long[] v = new long[n];
          l.copyTo(DataBuffers.of(v, false, false));
          for (int i = 0; i < n; i++) out[i] = v[i];
        } else if (t instanceof TInt32 in) {
          int[] v = new int[n];
          in.copyTo(DataBuffers.of(v, false, false));
          for (int i = 0; i < n; i++) out[i] = v[i];
        } else {
          throw new AssertionError("unexpected output type " + t.getClass());
        }
        return out;
      }
    }
  }

  /** The graph as TensorFlow itself writes it after importing it (with every default attribute filled in). */
  static GraphDef exportedByTensorFlow(GraphDef def) {
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      g.importGraphDef(def);
      return g.toGraphDef();
    }
  }

  static FloatTensor random(io.musketeer.core.Shape s, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] d = new float[s.size()];
    for (int i = 0; i < d.length; i++) d[i] = (float) rng.nextGaussian();
    return new FloatTensor(s, d);
  }

  /**
   * Imports the graph, checks the imported float result, the optimised float result and the
   * fixed-point result (scale 16) against TensorFlow.
   */
  static Graph check(GraphDef built, String input, io.musketeer.core.Shape shape, String output) {
    GraphDef def = exportedByTensorFlow(built);
    FloatTensor x = random(shape, 42);
    float[] expected = runTensorFlow(def, input, x, output);
    Graph g = TfImporter.fromGraphDef(def, ImportOptions.defaults().withOutputs(List.of(output)));
    Map<String, FloatTensor> in = Map.of(input, x);
    FloatTensor ours = FloatInterpreter.run(g, in).get(0);
    assertEquals(expected.length, ours.size(), "output size of " + output);
    assertClose(expected, ours.data(), 1e-4, "imported graph, " + output);
    assertClose(expected, FloatInterpreter.run(Compiler.optimize(g), in).get(0).data(), 1e-4, "optimised graph, " + output);
    float[] fixed = FixedPointInterpreter.run(Compiler.compile(g, 16), in).get(0).data();
    for (int i = 0; i < expected.length; i++) {
      double tol = 2e-3 * Math.max(1, Math.abs(expected[i]));
      assertTrue(Math.abs(fixed[i] - expected[i]) <= tol, "fixed point, " + output + "[" + i + "]: " + fixed[i] + " vs " + expected[i]);
    }
    return g;
  }

  static void assertClose(float[] expected, float[] actual, double rel, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      double tol = rel * Math.max(1, Math.abs(expected[i]));
      if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
        assertArrayEquals(expected, actual, (float) tol, what + ": first difference at " + i);
      }
    }
  }
}
