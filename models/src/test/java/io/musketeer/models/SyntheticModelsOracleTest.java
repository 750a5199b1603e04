package io.musketeer.models;

import static io.musketeer.importer.tf.TfOracle.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.importer.ImportOptions;
import io.musketeer.importer.tf.TfImporter;
import io.musketeer.importer.tf.TfOracle;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.GraphStats;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * The built-in synthetic GraphDefs run by TensorFlow itself and by the float interpreter on the same
 * random input (logits and probabilities within 1e-4), their MAC counts against the published figures,
 * and the fixed-point program at scale 12 against float: same top-1, logits within
 * {@link #FIXED_LOGIT_TOL} of max(1, max |logit|).
 */
class SyntheticModelsOracleTest {
  static final double FLOAT_TOL = 1e-4;
  /**
   * Scale 12 (ulp 2.4e-4) through up to 121 layers: the worst logit error measured is 0.15% (demo) to 0.54%
   * (DenseNet-121) of the largest |logit|, with no systematic bias; 1% leaves about 2x margin. Inputs and
   * weights are seeded and the fixed-point run is exact integer arithmetic, so this is deterministic.
   */
  static final double FIXED_LOGIT_TOL = 1e-2;

  @ParameterizedTest
  @CsvSource({
    // name, input, dims, expected MACs (optimized graph), MAC tolerance
    "demo,        input, 1x28x28x1,   0,          0",
    "squeezenet,  data,  1x224x224x3, 0.35e9,     0.03",
    "resnet50,    input, 1x224x224x3, 4.10e9,     0.02",
    "densenet121, input, 1x224x224x3, 2.85e9,     0.02"
  })
  void matchesTensorFlow(String name, String input, String dims, double expectedMacs, double macTol) {
    long t0 = System.nanoTime();
    GraphDef def = SyntheticModels.build(name, 7);
    String logits = preSoftmax(def);
    String out = def.getNodeList().stream().anyMatch(n -> n.getOp().equals("Softmax")) ? "probabilities" : logits;

    int[] shape = java.util.Arrays.stream(dims.split("x")).mapToInt(Integer::parseInt).toArray();
    Map<String, FloatTensor> feeds = Map.of(input, TfOracle.gaussian(new SplittableRandom(name.hashCode()), 1, shape));

    FloatTensor tfLogits, tfOut;
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      g.importGraphDef(def);
      tfLogits = TfOracle.run(g, feeds, logits);
      tfOut = TfOracle.run(g, feeds, out);
    }
    long t1 = System.nanoTime();

    Graph full = TfImporter.fromGraphDef(def, ImportOptions.defaults().withOutputs(List.of(out)));
    double errOut = assertClose(name + " " + out + " (float)", tfOut, FloatInterpreter.run(full, feeds).get(0), FLOAT_TOL);
    Graph pre = TfImporter.fromGraphDef(def, ImportOptions.defaults().withOutputs(List.of(logits)));
    Graph opt = Compiler.optimize(pre);
    FloatTensor ours = FloatInterpreter.run(opt, feeds).get(0);
    double errLogits = assertClose(name + " logits (optimized float)", tfLogits, ours, FLOAT_TOL);
    long t2 = System.nanoTime();

    long macs = GraphStats.totalMacs(opt);

    FloatTensor fixed = FixedPointInterpreter.run(Compiler.compile(pre, 12), feeds).get(0);
    long t3 = System.nanoTime();
    double range = 0, worst = 0;
    for (int i = 0; i < fixed.size(); i++) {
      range = Math.max(range, Math.abs(tfLogits.data()[i]));
      worst = Math.max(worst, Math.abs(fixed.data()[i] - tfLogits.data()[i]));
    }
    System.out.printf("%s: %.3e MACs; float error %s %.1e, logits %.1e; fixed point (scale 12) worst logit error %.4f"
            + " (%.2f%% of max |logit| %.2f), top-1 %d vs %d; TF %.1f s, float %.1f s, fixed %.1f s%n", name, (double) macs, out,
        errOut, errLogits, worst, 100 * worst / Math.max(1, range), range, argmax(fixed.data()), argmax(tfLogits.data()),
        (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9);

    if (expectedMacs > 0) {
      assertEquals(expectedMacs, macs, expectedMacs * macTol, name + " has " + macs + " MACs");
    }
    assertEquals(argmax(tfLogits.data()), argmax(fixed.data()), name + ": fixed-point top-1 differs from float");
    assertTrue(worst <= FIXED_LOGIT_TOL * Math.max(1, range),
        name + ": fixed-point logits differ from TensorFlow's by up to " + worst + " (max |logit| " + range + ")");
  }

  /** The node the Softmax reads, or the graph's last node if there is none. */
  static String preSoftmax(GraphDef def) {
    for (NodeDef n : def.getNodeList()) if (n.getOp().equals("Softmax")) return n.getInput(0);
    return def.getNode(def.getNodeCount() - 1).getName();
  }

  static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
    return best;
  }
}
