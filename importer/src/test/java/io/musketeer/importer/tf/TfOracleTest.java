package io.musketeer.importer.tf;

import io.musketeer.importer.ImportOptions;
import static io.musketeer.importer.tf.TfOracle.assertClose;
import static io.musketeer.importer.tf.TfOracle.raw;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.op.core.Stack;
import org.tensorflow.op.core.StridedSlice;
import org.tensorflow.op.core.Sum;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.nn.BiasAdd;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.DepthwiseConv2dNative;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Every op of the importer's table that TensorFlow Java can express, built as a TF graph, run by
 * TensorFlow on random inputs, exported as a GraphDef, imported, and compared: the float interpreter
 * and the optimized graph within 1e-4 relative, the fixed-point program at scale 16 within
 * {@link #FIXED_TOL}.
 */
class TfOracleTest {
  static final double FLOAT_TOL = 1e-4;
  /** Scale 16: one ulp is 1.5e-5; a few truncations per layer and sums over up to 75 terms stay far below this. */
  static final double FIXED_TOL = 2e-3;
  static final int SCALE = 16;

  private static double worstFloat, worstOpt, worstFixed;
  private static int graphs;

  private final SplittableRandom rng = new SplittableRandom(20240611);

  interface Body {
    Operand<?> build(Ops tf);
  }

  @AfterAll
  static void report() {
    System.out.printf("TfOracleTest: %d graphs; worst relative error float %.2e, optimized %.2e, fixed point (scale %d) %.2e%n",
        graphs, worstFloat, worstOpt, SCALE, worstFixed);
  }

  private static Operand<TFloat32> ph(Ops tf, String name, int... dims) {
    long[] d = new long[dims.length];
    for (int i = 0; i < d.length; i++) d[i] = dims[i];
    return tf.withName(name).placeholder(TFloat32.class, Placeholder.shape(org.tensorflow.ndarray.Shape.of(d)));
  }

  private Operand<TFloat32> weights(Ops tf, double sd, int... dims) {
    FloatTensor w = TfOracle.gaussian(rng, sd, dims);
    return tf.constant(TfOracle.tfShape(w.shape()), org.tensorflow.ndarray.buffer.DataBuffers.of(w.data()));
  }

  private Map<String, FloatTensor> feeds(Object... nameDims) {
    Map<String, FloatTensor> m = new LinkedHashMap<>();
    for (int i = 0; i < nameDims.length; i += 2) m.put((String) nameDims[i], TfOracle.gaussian(rng, 1, (int[]) nameDims[i + 1]));
    return m;
  }

  private static int[] d(int... dims) {
    return dims;
  }

  /** Builds, runs in TF, imports, and compares float, optimized float and fixed point. */
  private void check(String label, Map<String, FloatTensor> feeds, Body body) {
    check(label, feeds, body, true);
  }

  private void check(String label, Map<String, FloatTensor> feeds, Body body, boolean fixed) {
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      Ops tf = Ops.create(g);
      Operand<?> out = body.build(tf);
      String outName = out.op().name() + (out.asOutput().index() == 0 ? "" : ":" + out.asOutput().index());
      FloatTensor expected = TfOracle.run(g, feeds, outName);
      Graph ir = TfImporter.fromGraphDef(g.toGraphDef(), ImportOptions.defaults().withOutputs(List.of(outName)));
      worstFloat = Math.max(worstFloat, assertClose(label + " (float)", expected, FloatInterpreter.run(ir, feeds).get(0), FLOAT_TOL));
      worstOpt = Math.max(worstOpt, assertClose(label + " (optimized)", expected, FloatInterpreter.run(Compiler.optimize(ir), feeds).get(0), FLOAT_TOL));
      if (fixed) {
        FloatTensor q = FixedPointInterpreter.run(Compiler.compile(ir, SCALE), feeds).get(0);
        worstFixed = Math.max(worstFixed, assertClose(label + " (fixed point)", expected, q, FIXED_TOL));
      }
      graphs++;
    }
  }

  private static List<Long> strides(int sh, int sw) {
    return List.of(1L, (long) sh, (long) sw, 1L);
  }

  @Test
  void conv2dPaddingStridesAndKernels() {
    for (int k : new int[] {1, 3, 5}) {
      for (String pad : new String[] {"SAME", "VALID"}) {
        for (int[] s : new int[][] {{1, 1}, {2, 2}, {2, 1}}) {
          String label = "Conv2D " + k + "x" + k + " " + pad + " stride " + s[0] + "," + s[1];
          check(label, feeds("x", d(2, 11, 9, 3)), tf -> {
            Operand<TFloat32> w = weights(tf, Math.sqrt(2.0 / (k * k * 3)), k, k, 3, 4);
            return tf.nn.conv2d(ph(tf, "x", 2, 11, 9, 3), w, strides(s[0], s[1]), pad);
          });
        }
      }
    }
    // a non-square kernel with bias and relu
    check("Conv2D 3x5 + BiasAdd + Relu", feeds("x", d(1, 11, 9, 2)), tf -> {
      Operand<TFloat32> y = tf.nn.conv2d(ph(tf, "x", 1, 11, 9, 2), weights(tf, 0.3, 3, 5, 2, 5), strides(2, 2), "SAME");
      return tf.nn.relu(tf.nn.biasAdd(y, weights(tf, 0.5, 5)));
    });
  }

  /** SAME padding whose total is odd: TensorFlow puts the extra row and column at the bottom and right. */
  @Test
  void convSameWithOddTotalPadding() {
    int[][] cases = {{2, 2, 1, 1}, {4, 4, 1, 1}, {3, 3, 2, 2}, {4, 3, 2, 3}, {1, 2, 1, 2}}; // kh, kw, sh, sw on 8x11
    for (int[] k : cases) {
      check("Conv2D " + k[0] + "x" + k[1] + " SAME stride " + k[2] + "," + k[3] + " on 8x11", feeds("x", d(2, 8, 11, 3)),
          tf -> tf.nn.conv2d(ph(tf, "x", 2, 8, 11, 3), weights(tf, 0.4, k[0], k[1], 3, 4), strides(k[2], k[3]), "SAME"));
    }
    check("DepthwiseConv2dNative 4x4 SAME stride 2,1", feeds("x", d(1, 8, 11, 3)),
        tf -> tf.nn.depthwiseConv2dNative(ph(tf, "x", 1, 8, 11, 3), weights(tf, 0.4, 4, 4, 3, 2), strides(2, 1), "SAME"));
  }

  /** Non-square strides and windows, SAME padding (padded slots on every side), on negative inputs too. */
  @Test
  void poolingWithNonSquareStrides() {
    int[][] cases = {{3, 3, 1, 2}, {2, 3, 2, 1}, {3, 2, 3, 2}, {4, 4, 2, 3}}; // kh, kw, sh, sw
    for (String type : new String[] {"MaxPool", "AvgPool"}) {
      for (int[] k : cases) {
        for (String pad : new String[] {"SAME", "VALID"}) {
          check(type + " " + k[0] + "x" + k[1] + " stride " + k[2] + "," + k[3] + " " + pad + " of negatives", feeds("x", d(2, 9, 11, 2)),
              tf -> raw(tf, type, new Object[] {"ksize", new long[] {1, k[0], k[1], 1}, "strides", new long[] {1, k[2], k[3], 1},
                  "padding", pad}, tf.math.sub(tf.constant(-0.5f), tf.math.square(ph(tf, "x", 2, 9, 11, 2)))));
        }
      }
    }
  }

  /**
   * A multiply after a conv by constants that are not per output channel (per position, per row, per
   * batch and position, a scalar) and by one that is: the optimizer may fold only the last kinds.
   */
  @Test
  void batchNormFoldingOfConstantsThatAreNotPerChannel() {
    int[][] shapes = {{5, 4, 3}, {1, 4, 1}, {5, 1, 1}, {1, 5, 4, 3}, {1, 1, 1, 3}, {3}, {}};
    for (int[] cs : shapes) {
      for (boolean bias : new boolean[] {false, true}) {
        check("Conv2D" + (bias ? " + BiasAdd" : "") + " * constant " + java.util.Arrays.toString(cs), feeds("x", d(1, 5, 4, 2)), tf -> {
          Operand<TFloat32> y = tf.nn.conv2d(ph(tf, "x", 1, 5, 4, 2), weights(tf, 0.5, 3, 3, 2, 3), strides(1, 1), "SAME");
          if (bias) y = tf.nn.biasAdd(y, weights(tf, 0.5, 3));
          return tf.math.mul(y, cs.length == 0 ? tf.constant(1.7f) : weights(tf, 1, cs));
        });
      }
    }
    check("MatMul * constant [1,1,6]", feeds("x", d(2, 8)),
        tf -> tf.math.mul(tf.linalg.matMul(ph(tf, "x", 2, 8), weights(tf, 0.5, 8, 6)), weights(tf, 1, 1, 1, 6)));
  }

  @Test
  void depthwiseConv() {
    for (int mult : new int[] {1, 2}) {
      for (String pad : new String[] {"SAME", "VALID"}) {
        for (int s : new int[] {1, 2}) {
          check("DepthwiseConv2dNative mult " + mult + " " + pad + " stride " + s, feeds("x", d(2, 11, 9, 3)),
              tf -> tf.nn.depthwiseConv2dNative(ph(tf, "x", 2, 11, 9, 3), weights(tf, 0.4, 3, 3, 3, mult), strides(s, s), pad));
        }
      }
    }
  }

  @Test
  void fusedBatchNormInference() {
    check("Conv2D + FusedBatchNormV3 + Relu6", feeds("x", d(1, 9, 7, 3)), tf -> {
      Operand<TFloat32> y = tf.nn.conv2d(ph(tf, "x", 1, 9, 7, 3), weights(tf, 0.5, 3, 3, 3, 4), strides(1, 1), "SAME");
      Operand<TFloat32> scale = tf.constant(new float[] {1.2f, 0.8f, 1.0f, 0.5f});
      Operand<TFloat32> offset = tf.constant(new float[] {0.1f, -0.2f, 0.3f, 0f});
      Operand<TFloat32> mean = tf.constant(new float[] {0.05f, -0.1f, 0.2f, 0.3f});
      Operand<TFloat32> var = tf.constant(new float[] {1.5f, 0.7f, 1.1f, 2.0f});
      FusedBatchNorm<TFloat32, TFloat32> bn = tf.nn.fusedBatchNorm(y, scale, offset, mean, var,
          FusedBatchNorm.isTraining(false), FusedBatchNorm.epsilon(0.001f));
      return tf.nn.relu6(bn.y());
    });
    check("FusedBatchNormV3 on the input", feeds("x", d(2, 3, 3, 2)), tf -> tf.nn.fusedBatchNorm(ph(tf, "x", 2, 3, 3, 2),
        tf.constant(new float[] {2f, 0.5f}), tf.constant(new float[] {1f, -1f}), tf.constant(new float[] {0.5f, -0.5f}),
        tf.constant(new float[] {0.25f, 4f}), FusedBatchNorm.isTraining(false), FusedBatchNorm.epsilon(0.01f)).y());
  }

  @Test
  void pooling() {
    for (String type : new String[] {"MaxPool", "AvgPool"}) {
      for (String pad : new String[] {"SAME", "VALID"}) {
        for (int[] ks : new int[][] {{2, 2}, {3, 2}, {3, 1}, {3, 3}}) {
          int k = ks[0], s = ks[1];
          check(type + " " + k + "x" + k + " stride " + s + " " + pad, feeds("x", d(2, 11, 9, 3)),
              tf -> raw(tf, type, new Object[] {"ksize", new long[] {1, k, k, 1}, "strides", new long[] {1, s, s, 1}, "padding", pad,
                  "data_format", "NHWC"}, ph(tf, "x", 2, 11, 9, 3)));
        }
      }
    }
    // TF Java's own max pool emits MaxPoolV2 (window and strides as inputs)
    check("MaxPoolV2 3x3 stride 2 SAME", feeds("x", d(1, 11, 9, 2)), tf -> tf.nn.maxPool(ph(tf, "x", 1, 11, 9, 2),
        tf.constant(new int[] {1, 3, 3, 1}), tf.constant(new int[] {1, 2, 2, 1}), "SAME"));
    check("Relu then MaxPool SAME (the optimizer swaps them)", feeds("x", d(1, 11, 9, 2)), tf -> raw(tf, "MaxPool",
        new Object[] {"ksize", new long[] {1, 3, 3, 1}, "strides", new long[] {1, 2, 2, 1}, "padding", "SAME"},
        tf.nn.relu(tf.math.sub(ph(tf, "x", 1, 11, 9, 2), tf.constant(1.5f)))));
    check("AvgPool (Ops) 2x3 window", feeds("x", d(1, 7, 8, 2)), tf -> tf.nn.avgPool(ph(tf, "x", 1, 7, 8, 2),
        List.of(1L, 2L, 3L, 1L), List.of(1L, 2L, 2L, 1L), "SAME"));
  }

  @Test
  void elementwiseWithBroadcasting() {
    Map<String, FloatTensor> f = feeds("a", d(2, 3, 4), "b", d(4), "c", d(3, 1), "e", d(2, 1, 4));
    check("Add/AddV2/Sub/Mul broadcast", f, tf -> {
      Operand<TFloat32> a = ph(tf, "a", 2, 3, 4), b = ph(tf, "b", 4), c = ph(tf, "c", 3, 1), e = ph(tf, "e", 2, 1, 4);
      Operand<TFloat32> x = tf.math.add(a, b); // [2,3,4] + [4]
      x = raw(tf, "AddV2", new Object[0], x, c); // + [3,1]
      x = tf.math.sub(e, x); // [2,1,4] - [2,3,4]
      x = tf.math.mul(x, c); // * [3,1]
      return tf.math.mul(x, tf.constant(new float[] {0.5f, -1f, 2f, 0.25f}));
    });
    check("Neg/Relu/Relu6/Square", feeds("x", d(3, 5)), tf -> {
      Operand<TFloat32> x = tf.math.mul(ph(tf, "x", 3, 5), tf.constant(4f));
      return tf.math.add(tf.math.add(tf.nn.relu6(x), tf.nn.relu(tf.math.neg(x))), tf.math.square(tf.math.mul(x, tf.constant(0.25f))));
    });
    check("AddN and RealDiv by constants", feeds("x", d(2, 6), "y", d(2, 6)), tf -> {
      Operand<TFloat32> x = ph(tf, "x", 2, 6), y = ph(tf, "y", 2, 6);
      Operand<TFloat32> q = tf.math.realDiv(x, tf.constant(3f));
      Operand<TFloat32> r = tf.math.realDiv(y, tf.constant(new float[] {1f, 2f, -4f, 0.5f, 8f, 10f}));
      return tf.math.addN(List.of(q, r, x, y));
    });
  }

  @Test
  void matMulTransposes() {
    for (boolean ta : new boolean[] {false, true}) {
      for (boolean tb : new boolean[] {false, true}) {
        int[] as = ta ? d(5, 3) : d(3, 5);
        check("MatMul transpose_a=" + ta + " transpose_b=" + tb, feeds("a", as), tf -> {
          Operand<TFloat32> w = tb ? weights(tf, 0.5, 4, 5) : weights(tf, 0.5, 5, 4);
          return tf.linalg.matMul(ph(tf, "a", as), w, MatMul.transposeA(ta), MatMul.transposeB(tb));
        });
      }
    }
    check("MatMul of two inputs, constant on the left", feeds("b", d(5, 2)), tf ->
        tf.linalg.matMul(weights(tf, 1, 5, 3), ph(tf, "b", 5, 2), MatMul.transposeA(true)));
  }

  @Test
  void shapeOps() {
    check("ConcatV2 axis -1, Pad", feeds("a", d(2, 3, 4), "b", d(2, 3, 2)), tf -> {
      Operand<TFloat32> c = tf.concat(List.of(ph(tf, "a", 2, 3, 4), ph(tf, "b", 2, 3, 2)), tf.constant(-1));
      return tf.pad(c, tf.constant(new int[][] {{0, 1}, {2, 0}, {1, 3}}), tf.constant(0f));
    });
    check("ConcatV2 axis 1 of three", feeds("a", d(2, 3, 4), "b", d(2, 1, 4)), tf -> {
      Operand<TFloat32> a = ph(tf, "a", 2, 3, 4);
      return tf.concat(List.of(a, ph(tf, "b", 2, 1, 4), a), tf.constant(1));
    });
    check("Reshape -1, Transpose, ExpandDims, Squeeze", feeds("x", d(2, 3, 4)), tf -> {
      Operand<TFloat32> x = tf.reshape(ph(tf, "x", 2, 3, 4), tf.constant(new int[] {4, -1, 2}));
      x = tf.linalg.transpose(x, tf.constant(new int[] {2, 0, 1}));
      x = tf.expandDims(x, tf.constant(-2)); // [2,4,1,3]
      x = tf.expandDims(x, tf.constant(0)); // [1,2,4,1,3]
      x = tf.squeeze(x, Squeeze.axis(List.of(-2L)));
      return tf.squeeze(x); // [2,4,3]
    });
    check("Slice with size -1", feeds("x", d(3, 5, 4)),
        tf -> tf.slice(ph(tf, "x", 3, 5, 4), tf.constant(new int[] {1, 2, 0}), tf.constant(new int[] {2, -1, 3})));
  }

  private static Operand<TInt32> ints(Ops tf, int... v) {
    return tf.constant(v);
  }

  @Test
  void stridedSliceMasks() {
    record Case(String label, int[] b, int[] e, int[] s, long beginMask, long endMask, long ellipsis, long newAxis, long shrink) {}
    List<Case> cases = List.of(
        new Case("plain", d(1, 0, 1), d(3, 5, 4), d(1, 2, 1), 0, 0, 0, 0, 0),
        new Case("negative indices", d(-2, -4, 0), d(-1, -1, 4), d(1, 1, 2), 0, 0, 0, 0, 0),
        new Case("begin/end masks", d(2, 1, 3), d(0, 4, 0), d(1, 2, 1), 0b101, 0b101, 0, 0, 0),
        new Case("shrink", d(1, 0, -1), d(2, 5, 0), d(1, 1, 1), 0, 0b010, 0, 0, 0b101),
        new Case("new axis", d(0, 0, 1, 0), d(3, 0, 5, 4), d(1, 1, 2, 1), 0, 0, 0, 0b010, 0),
        new Case("ellipsis", d(0, 1), d(0, 3), d(1, 1), 0, 0, 0b01, 0, 0),
        new Case("ellipsis + shrink last", d(0, -1), d(0, 0), d(1, 1), 0, 0, 0b01, 0, 0b10),
        new Case("new axis + ellipsis + shrink first", d(0, 1, 0), d(0, 2, 0), d(1, 1, 1), 0, 0, 0b100, 0b001, 0b010),
        new Case("out of range clamps", d(-10, 2, 1), d(10, 100, 3), d(2, 3, 1), 0, 0, 0, 0, 0));
    for (Case c : cases) {
      check("StridedSlice " + c.label(), feeds("x", d(3, 5, 4)), tf -> tf.stridedSlice(ph(tf, "x", 3, 5, 4), ints(tf, c.b()),
          ints(tf, c.e()), ints(tf, c.s()), StridedSlice.beginMask(c.beginMask()), StridedSlice.endMask(c.endMask()),
          StridedSlice.ellipsisMask(c.ellipsis()), StridedSlice.newAxisMask(c.newAxis()), StridedSlice.shrinkAxisMask(c.shrink())));
    }
  }

  @Test
  void reductions() {
    for (boolean keep : new boolean[] {false, true}) {
      for (int[] axes : new int[][] {{1, 2}, {-1}, {0}, {0, 1, 2}}) {
        check("Mean keep_dims=" + keep + " axes " + java.util.Arrays.toString(axes), feeds("x", d(2, 5, 3)),
            tf -> tf.math.mean(ph(tf, "x", 2, 5, 3), tf.constant(axes), Mean.keepDims(keep)));
        check("Sum keep_dims=" + keep + " axes " + java.util.Arrays.toString(axes), feeds("x", d(2, 5, 3)),
            tf -> tf.sum(ph(tf, "x", 2, 5, 3), tf.constant(axes), Sum.keepDims(keep)));
      }
    }
    check("Mean over a scalar axis", feeds("x", d(2, 5, 3)), tf -> tf.math.mean(ph(tf, "x", 2, 5, 3), tf.constant(1)));
  }

  @Test
  void softmaxAndArgMax() {
    check("Softmax", feeds("x", d(3, 7)), tf -> tf.nn.softmax(tf.math.mul(ph(tf, "x", 3, 7), tf.constant(2f))));
    check("ArgMax axis 1", feeds("x", d(4, 9)), tf -> tf.math.argMax(ph(tf, "x", 4, 9), tf.constant(1)));
    check("ArgMax axis -1 of 3-D", feeds("x", d(2, 3, 6)), tf -> tf.math.argMax(ph(tf, "x", 2, 3, 6), tf.constant(-1)));
    check("ArgMax axis 0", feeds("x", d(5, 3)), tf -> tf.math.argMax(ph(tf, "x", 5, 3), tf.constant(0)));
  }

  @Test
  void kerasFlattenChain() {
    // Shape -> StridedSlice (batch) -> Pack [batch, -1] -> Reshape, then a dense layer
    check("Keras flatten chain", feeds("x", d(2, 4, 3, 2)), tf -> {
      Operand<TFloat32> x = tf.nn.relu(ph(tf, "x", 2, 4, 3, 2));
      Operand<TInt32> batch = tf.stridedSlice(tf.shape(x), ints(tf, 0), ints(tf, 1), ints(tf, 1), StridedSlice.shrinkAxisMask(1L));
      Operand<TInt32> newShape = tf.stack(List.of(batch, tf.constant(-1)), Stack.axis(0L));
      Operand<TFloat32> flat = tf.reshape(x, newShape);
      return tf.nn.biasAdd(tf.linalg.matMul(flat, weights(tf, 0.3, 24, 5)), weights(tf, 0.1, 5));
    });
    check("Pack of inputs along axis 1", feeds("a", d(2, 3), "b", d(2, 3)),
        tf -> tf.stack(List.of(ph(tf, "a", 2, 3), ph(tf, "b", 2, 3)), Stack.axis(1L)));
  }

  @Test
  void constantSideComputationsAndIdentities() {
    check("Fill/ZerosLike/Cast/Identity/StopGradient", feeds("x", d(2, 3)), tf -> {
      Operand<TFloat32> x = tf.identity(ph(tf, "x", 2, 3));
      Operand<TFloat32> filled = tf.fill(tf.constant(new int[] {2, 3}), tf.constant(0.75f));
      Operand<TFloat32> cast = tf.dtypes.cast(tf.constant(new int[] {1, -2, 3}), TFloat32.class);
      Operand<TFloat32> zeros = tf.zerosLike(x);
      Operand<TFloat32> zc = tf.zerosLike(tf.constant(new float[] {5f, 6f, 7f}));
      Operand<TFloat32> y = tf.math.add(tf.math.mul(tf.stopGradient(x), cast), filled);
      return tf.identity(tf.math.add(tf.math.add(y, zeros), zc));
    });
  }

  @Test
  void nchwWhereTensorFlowCpuSupportsIt() {
    int supported = 0;
    supported += tryNchw("Conv2D NCHW", tf -> tf.nn.conv2d(ph(tf, "x", 1, 3, 11, 9), weights(tf, 0.4, 3, 3, 3, 4),
        List.of(1L, 1L, 2L, 2L), "SAME", Conv2d.dataFormat("NCHW")));
    supported += tryNchw("DepthwiseConv2dNative NCHW", tf -> tf.nn.depthwiseConv2dNative(ph(tf, "x", 1, 3, 11, 9),
        weights(tf, 0.4, 3, 3, 3, 2), List.of(1L, 1L, 1L, 1L), "SAME", DepthwiseConv2dNative.dataFormat("NCHW")));
    supported += tryNchw("BiasAdd NCHW", tf -> tf.nn.biasAdd(ph(tf, "x", 1, 3, 11, 9), weights(tf, 1, 3), BiasAdd.dataFormat("NCHW")));
    supported += tryNchw("FusedBatchNormV3 NCHW", tf -> tf.nn.fusedBatchNorm(ph(tf, "x", 1, 3, 11, 9), tf.constant(new float[] {1f, 2f, .5f}),
        tf.constant(new float[] {0f, 1f, -1f}), tf.constant(new float[] {.1f, .2f, .3f}), tf.constant(new float[] {1f, 2f, 3f}),
        FusedBatchNorm.isTraining(false), FusedBatchNorm.dataFormat("NCHW")).y());
    for (String type : new String[] {"MaxPool", "AvgPool"}) {
      supported += tryNchw(type + " NCHW", tf -> raw(tf, type, new Object[] {"ksize", new long[] {1, 1, 3, 3}, "strides", new long[] {1, 1, 2, 2},
          "padding", "SAME", "data_format", "NCHW"}, ph(tf, "x", 1, 3, 11, 9)));
    }
    Assumptions.assumeTrue(supported > 0, "TensorFlow's CPU kernels support none of the NCHW ops");
  }

  /** 1 if TF ran the NCHW graph (and we matched it), 0 if TF's CPU kernels refuse the layout. */
  private int tryNchw(String label, Body body) {
    Map<String, FloatTensor> f = feeds("x", d(1, 3, 11, 9));
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      Operand<?> out = body.build(Ops.create(g));
      TfOracle.run(g, f, out.op().name());
    } catch (org.tensorflow.exceptions.TensorFlowException | IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
      // TFUnimplementedException is an UnsupportedOperationException
      System.out.println("TfOracleTest: skipping " + label + ": TensorFlow CPU says " + TfImporter.firstLine(e.getMessage()));
      return 0;
    }
    check(label, f, body);
    return 1;
  }
}
