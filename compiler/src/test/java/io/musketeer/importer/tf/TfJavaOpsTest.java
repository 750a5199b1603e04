package io.musketeer.importer.tf;

import io.musketeer.core.FloatTensor;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;

/** A CNN written with TensorFlow Java's own op API, exported by TensorFlow, imported and compared. */
class TfJavaOpsTest {
  private static final SplittableRandom RNG = new SplittableRandom(17);

  private static float[][][][] filter(int kh, int kw, int ci, int co) {
    float[][][][] f = new float[kh][kw][ci][co];
    double sd = Math.sqrt(2.0 / (kh * kw * ci));
    for (var a : f) for (var b : a) for (var c : b) for (int o = 0; o < co; o++) c[o] = (float) (RNG.nextGaussian() * sd);
    return f;
  }

  private static float[] vector(int n, double sd, double mean) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) (mean + RNG.nextGaussian() * sd);
    return v;
  }

  @Test
  void cnnBuiltWithTensorFlowJavaOps() {
    GraphDef def;
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, 13, 11, 3)));
      Operand<TFloat32> c1 = tf.nn.biasAdd(tf.nn.conv2d(x, tf.constant(filter(3, 3, 3, 8)), List.of(1L, 2L, 2L, 1L), "SAME"), tf.constant(vector(8, 0.1, 0)));
      var bn = tf.nn.fusedBatchNorm(c1, tf.constant(vector(8, 0.1, 1)), tf.constant(vector(8, 0.1, 0)), tf.constant(vector(8, 0.1, 0)),
          tf.constant(vector(8, 0.1, 1.2)), FusedBatchNorm.isTraining(false), FusedBatchNorm.epsilon(0.001f));
      Operand<TFloat32> r1 = tf.nn.relu(bn.y());
      Operand<TFloat32> dw = tf.nn.depthwiseConv2dNative(r1, tf.constant(filter(3, 3, 8, 2)), List.of(1L, 1L, 1L, 1L), "VALID");
      Operand<TFloat32> mp = tf.nn.maxPool(dw, tf.constant(new int[] {1, 2, 2, 1}), tf.constant(new int[] {1, 1, 1, 1}), "SAME");
      Operand<TFloat32> ap = tf.nn.avgPool(r1, List.of(1L, 3L, 3L, 1L), List.of(1L, 1L, 1L, 1L), "VALID");
      Operand<TFloat32> padded = tf.pad(ap, tf.constant(new int[][] {{0, 0}, {1, 0}, {0, 1}, {0, 0}}), tf.constant(0f));
      Operand<TFloat32> sliced = tf.slice(padded, tf.constant(new int[] {0, 0, 0, 0}), tf.constant(new int[] {1, 5, 4, 8}));
      Operand<TFloat32> cat = tf.concat(List.of(mp, sliced), tf.constant(3));
      Operand<TFloat32> mean = tf.math.mean(cat, tf.constant(new int[] {1, 2}));
      float[][] w = new float[24][5];
      for (float[] row : w) for (int j = 0; j < 5; j++) row[j] = (float) RNG.nextGaussian();
      Operand<TFloat32> logits = tf.math.add(tf.linalg.matMul(tf.reshape(mean, tf.constant(new int[] {1, -1})), tf.constant(w)), tf.constant(vector(5, 0.1, 0)));
      tf.withName("out").nn.softmax(logits);
      def = g.toGraphDef();
    }
    TfOracle.check(def, "x", io.musketeer.core.Shape.of(1, 13, 11, 3), "out");
  }
}
