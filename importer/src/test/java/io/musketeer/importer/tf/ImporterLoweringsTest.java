package io.musketeer.importer.tf;

import io.musketeer.importer.ImportOptions;
import static io.musketeer.importer.tf.TfOracle.assertClose;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.importer.ModelImportException;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.nn.LeakyRelu;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.types.TFloat32;

/**
 * Lowerings of ops the IR has no op for (Maximum/Minimum on run-time values, ClipByValue, LeakyRelu,
 * ArgMax over a Softmax) against TensorFlow, and FusedBatchNorm's training-mode default.
 */
class ImporterLoweringsTest {
  private static final double FLOAT_TOL = 1e-4;
  private static final double FIXED_TOL = 2e-3;
  private static final int SCALE = 16;
  private final SplittableRandom rng = new SplittableRandom(11);

  interface Body {
    Operand<?> build(Ops tf);
  }

  private static Operand<TFloat32> ph(Ops tf, String name, long... dims) {
    return tf.withName(name).placeholder(TFloat32.class, Placeholder.shape(org.tensorflow.ndarray.Shape.of(dims)));
  }

  private Map<String, FloatTensor> feeds(String... names) {
    Map<String, FloatTensor> m = new LinkedHashMap<>();
    for (String n : names) m.put(n, TfOracle.gaussian(rng, 2, 3, 5, 4));
    return m;
  }

  /** TF vs float, optimized float and fixed point; returns the imported graph. */
  private Graph check(String label, Map<String, FloatTensor> feeds, Body body) {
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      Ops tf = Ops.create(g);
      Operand<?> out = body.build(tf);
      String outName = out.op().name();
      FloatTensor expected = TfOracle.run(g, feeds, outName);
      Graph ir = TfImporter.fromGraphDef(g.toGraphDef(), ImportOptions.defaults().withOutputs(List.of(outName)));
      assertClose(label + " (float)", expected, FloatInterpreter.run(ir, feeds).get(0), FLOAT_TOL);
      assertClose(label + " (optimized)", expected, FloatInterpreter.run(Compiler.optimize(ir), feeds).get(0), FLOAT_TOL);
      assertClose(label + " (fixed point)", expected, FixedPointInterpreter.run(Compiler.compile(ir, SCALE), feeds).get(0), FIXED_TOL);
      return ir;
    }
  }

  private static long count(Graph g, Class<? extends Op> kind) {
    return g.nodes().stream().map(Node::op).filter(kind::isInstance).count();
  }

  @Test
  void maximumAndMinimumOfRunTimeValues() {
    Graph relu = check("Maximum(x, 0)", feeds("x"), tf -> tf.math.maximum(ph(tf, "x", 3, 5, 4), tf.constant(0f)));
    assertTrue(count(relu, Op.Relu.class) == 1 && count(relu, Op.Sub.class) == 0, "maximum with zero is one Relu");
    check("Maximum(x, 0.5)", feeds("x"), tf -> tf.math.maximum(ph(tf, "x", 3, 5, 4), tf.constant(0.5f)));
    check("Maximum(-1, x)", feeds("x"), tf -> tf.math.maximum(tf.constant(-1f), ph(tf, "x", 3, 5, 4)));
    check("Maximum(x, y)", feeds("x", "y"), tf -> tf.math.maximum(ph(tf, "x", 3, 5, 4), ph(tf, "y", 3, 5, 4)));
    check("Minimum(x, per-channel)", feeds("x"),
        tf -> tf.math.minimum(ph(tf, "x", 3, 5, 4), tf.constant(new float[] {0f, 1f, -1f, 2.5f})));
    check("Minimum(x, y)", feeds("x", "y"), tf -> tf.math.minimum(ph(tf, "x", 3, 5, 4), ph(tf, "y", 3, 5, 4)));
    check("Relu6 as clip with Minimum/Maximum", feeds("x"),
        tf -> tf.math.minimum(tf.math.maximum(tf.math.mul(ph(tf, "x", 3, 5, 4), tf.constant(4f)), tf.constant(0f)), tf.constant(6f)));
  }

  @Test
  void clipByValueAndLeakyRelu() {
    check("ClipByValue(x, -1, 1.5)", feeds("x"), tf -> tf.clipByValue(ph(tf, "x", 3, 5, 4), tf.constant(-1f), tf.constant(1.5f)));
    for (float alpha : new float[] {0.2f, 0.01f, 1.5f}) {
      check("LeakyRelu alpha " + alpha, feeds("x"), tf -> tf.nn.leakyRelu(ph(tf, "x", 3, 5, 4), LeakyRelu.alpha(alpha)));
    }
  }

  @Test
  void argMaxOverSoftmaxUsesTheLogits() {
    Map<String, FloatTensor> f = Map.of("x", TfOracle.gaussian(rng, 1, 6, 10));
    Graph g = check("ArgMax(Softmax(x W))", f, tf -> tf.math.argMax(tf.nn.softmax(tf.linalg.matMul(ph(tf, "x", 6, 10),
        tf.constant(TfOracle.tfShape(Shape.of(10, 7)), org.tensorflow.ndarray.buffer.DataBuffers.of(TfOracle.gaussian(rng, 0.5, 10, 7).data())))),
        tf.constant(-1)));
    assertTrue(count(g, Op.Softmax.class) == 0, "the Softmax under ArgMax is dropped: " + g.nodes());
    assertTrue(count(g, Op.Constant.class) == 1, "nothing the output does not need is left: " + g.nodes());
  }

  @Test
  void fusedBatchNormWithoutIsTrainingTrains() {
    GraphDefBuilder b = new GraphDefBuilder(1);
    b.relu(b.batchNorm(b.conv(b.placeholder("x", 1, 8, 8, 3), 3, 3, 4, 1, "SAME"), 1f));
    GraphDef def = b.build();
    GraphDef.Builder stripped = def.toBuilder();
    for (NodeDef.Builder n : stripped.getNodeBuilderList()) {
      if (n.getOp().startsWith("FusedBatchNorm")) n.removeAttr("is_training");
    }
    ModelImportException e = assertThrows(ModelImportException.class, () -> TfImporter.fromGraphDef(stripped.build(), ImportOptions.defaults()));
    assertTrue(e.getMessage().contains("FusedBatchNormV3") && e.getMessage().contains("training"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void fusedBatchNormParametersMustMatchChannels() {
    GraphDefBuilder b = new GraphDefBuilder(1);
    String x = b.placeholder("x", -1, 4, 4, 3);
    String p = b.floats(new float[] {1, 1}, 2);
    b.node("FusedBatchNormV3", "bn", List.of(x, p, p, p, p), "T", GraphDefBuilder.type(), "U", GraphDefBuilder.type(),
        "is_training", org.tensorflow.proto.AttrValue.newBuilder().setB(false).build());
    ModelImportException e = assertThrows(ModelImportException.class, () -> TfImporter.fromGraphDef(b.build(), ImportOptions.defaults()));
    assertTrue(e.getMessage().contains("'bn'") && e.getMessage().contains("3 channels"), e.getMessage());
  }

  /** A FusedBatchNorm exported with default attributes stripped has TensorFlow's epsilon, 1e-4 (not Keras' 1e-3). */
  @Test
  void fusedBatchNormEpsilonDefaultsToTensorFlows() {
    Map<String, FloatTensor> f = Map.of("x", TfOracle.gaussian(rng, 0.01, 2, 3, 3, 2));
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      Ops tf = Ops.create(g);
      // variances near epsilon: 1e-3 instead of 1e-4 would change the result by a factor of about 3
      Operand<TFloat32> y = tf.nn.fusedBatchNorm(ph(tf, "x", 2, 3, 3, 2), tf.constant(new float[] {1f, 2f}), tf.constant(new float[] {0f, 0.5f}),
          tf.constant(new float[] {0f, 0.01f}), tf.constant(new float[] {1e-4f, 2e-4f}),
          org.tensorflow.op.nn.FusedBatchNorm.isTraining(false)).y();
      String out = y.op().name();
      FloatTensor expected = TfOracle.run(g, f, out);
      GraphDef.Builder stripped = g.toGraphDef().toBuilder();
      for (NodeDef.Builder n : stripped.getNodeBuilderList()) {
        if (n.getOp().startsWith("FusedBatchNorm")) n.removeAttr("epsilon");
      }
      Graph ir = TfImporter.fromGraphDef(stripped.build(), ImportOptions.defaults().withOutputs(List.of(out)));
      assertClose("FusedBatchNormV3 without epsilon", expected, FloatInterpreter.run(ir, f).get(0), FLOAT_TOL);
    }
  }
}
