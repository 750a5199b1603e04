package io.musketeer.importer.onnx;

import static io.musketeer.importer.onnx.OnnxModel.in;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.importer.ImportOptions;
import io.musketeer.importer.onnx.OnnxModel.Storage;
import io.musketeer.importer.tf.TfOracle;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Every op of the ONNX table in the attribute and input forms of the opsets that changed them, built
 * as ONNX models in code, run by ONNX Runtime on random inputs, imported, and compared: the float
 * interpreter and the optimized graph within 1e-4 relative, the fixed-point program at scale 16
 * within 2e-3.
 */
class OnnxOracleTest {
  static final double FLOAT_TOL = 1e-4;
  static final double FIXED_TOL = 2e-3;
  static final int SCALE = 16;

  private static int models;
  private static double worstFloat, worstFixed;
  private final SplittableRandom rng = new SplittableRandom(20261201);

  @AfterAll
  static void report() {
    System.out.printf("OnnxOracleTest: %d models; worst relative error float %.2e, fixed point (scale %d) %.2e%n", models, worstFloat, SCALE, worstFixed);
  }

  FloatTensor gaussian(double sd, int... dims) {
    return TfOracle.gaussian(rng, sd, dims);
  }

  /** Builds a model with one input x of the given dims (a negative dim is open; the feed gives it). */
  private Graph check(String label, int opset, int[] feedDims, int[] declared, Consumer<Builder> body) {
    return check(label, opset, feedDims, declared, body, true);
  }

  private Graph check(String label, int opset, int[] feedDims, int[] declared, Consumer<Builder> body, boolean fixed) {
    OnnxModel m = new OnnxModel(opset);
    Builder b = new Builder(m, m.input("x", declared));
    body.accept(b);
    m.output(b.out);
    ModelProto model = m.build();
    Map<String, FloatTensor> feeds = new LinkedHashMap<>();
    feeds.put("x", gaussian(1, feedDims));
    FloatTensor want = OrtOracle.run(model, feeds).get(0);
    Graph g = OnnxImporter.fromModel(model, ImportOptions.defaults().withInputShape("x", feeds.get("x").shape()));
    String at = label + " (opset " + opset + ")";
    worstFloat = Math.max(worstFloat, close(at + " float", want, FloatInterpreter.run(g, feeds).get(0), FLOAT_TOL));
    close(at + " optimized", want, FloatInterpreter.run(Compiler.optimize(g), feeds).get(0), FLOAT_TOL);
    if (fixed) worstFixed = Math.max(worstFixed, close(at + " fixed point", want, FixedPointInterpreter.run(Compiler.compile(g, SCALE), feeds).get(0), FIXED_TOL));
    models++;
    return g;
  }

  private Graph check(String label, int opset, int[] dims, Consumer<Builder> body) {
    return check(label, opset, dims, dims, body);
  }

  /** |a-b| <= tol*max(1,|b|) elementwise; a final softmax may come as [rows, classes] of the same elements. */
  static double close(String label, FloatTensor want, FloatTensor got, double tol) {
    if (!want.shape().equals(got.shape()) && want.size() != got.size()) fail(label + ": shape " + got.shape() + ", ONNX Runtime gives " + want.shape());
    double worst = 0;
    for (int i = 0; i < want.size(); i++) {
      double e = Math.abs(got.data()[i] - want.data()[i]) / Math.max(1, Math.abs(want.data()[i]));
      if (!(e <= tol)) fail(label + ": element " + i + " is " + got.data()[i] + ", ONNX Runtime says " + want.data()[i]);
      worst = Math.max(worst, e);
    }
    return worst;
  }

  /** A small fluent builder over one model; {@code out} is the value to return. */
  final class Builder {
    final OnnxModel m;
    String out;

    Builder(OnnxModel m, String x) {
      this.m = m;
      this.out = x;
    }

    String x() {
      return "x";
    }

    String w(double sd, int... dims) {
      return m.weight(gaussian(sd, dims));
    }

    String w(Storage s, double sd, int... dims) {
      return m.weight(gaussian(sd, dims), s);
    }

    String node(String op, String[] ins, Object... attrs) {
      out = m.node(op, ins, attrs);
      return out;
    }
  }

  private static int[] d(int... v) {
    return v;
  }

  // ---------------------------------------------------------------- convolution

  @Test
  void convGroupsPadsStridesDilations() {
    record Case(String label, int group, int co, int k, int[] strides, int[] pads, int[] dil, boolean bias) {}
    List<Case> cases = List.of(
        new Case("3x3 pads 1", 1, 4, 3, d(1, 1), d(1, 1, 1, 1), d(1, 1), true),
        new Case("3x3 asymmetric pads, strides 2,1", 1, 5, 3, d(2, 1), d(0, 1, 2, 1), d(1, 1), true),
        new Case("5x5 stride 2 no bias", 1, 3, 5, d(2, 2), d(2, 2, 2, 2), d(1, 1), false),
        new Case("grouped 2", 2, 6, 3, d(1, 2), d(1, 0, 1, 0), d(1, 1), true),
        new Case("depthwise", 4, 4, 3, d(1, 1), d(1, 1, 1, 1), d(1, 1), true),
        new Case("depthwise multiplier 2", 4, 8, 3, d(2, 2), d(1, 1, 1, 1), d(1, 1), false),
        new Case("dilation 2", 1, 3, 3, d(1, 1), d(2, 2, 2, 2), d(2, 2), true),
        new Case("dilation 2,3 strided", 2, 4, 2, d(2, 1), d(1, 1, 0, 2), d(2, 3), false));
    for (int opset : new int[] {7, 11, 13, 21}) {
      for (Case c : cases) {
        check("Conv " + c.label(), opset, d(2, 4, 9, 11), b -> {
          String wt = b.w(0.3, c.co(), 4 / c.group(), c.k(), c.k());
          String[] ins = c.bias() ? in(b.x(), wt, b.w(0.2, c.co())) : in(b.x(), wt);
          b.node("Conv", ins, "group", c.group(), "strides", c.strides(), "pads", c.pads(), "dilations", c.dil(), "kernel_shape", d(c.k(), c.k()));
        });
      }
    }
  }

  @Test
  void convAutoPad() {
    for (String mode : new String[] {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
      for (int[] s : new int[][] {{1, 1}, {2, 2}, {2, 3}}) {
        for (int k : new int[] {2, 3, 4}) {
          check("Conv " + k + "x" + k + " auto_pad " + mode + " strides " + s[0] + "," + s[1], 11, d(1, 3, 8, 11),
              b -> b.node("Conv", in(b.x(), b.w(0.3, 4, 3, k, k)), "auto_pad", mode, "strides", s));
        }
      }
    }
  }

  // ---------------------------------------------------------------- products

  @Test
  void gemmAlphaBetaTransposes() {
    for (int opset : new int[] {7, 11, 13}) {
      for (boolean ta : new boolean[] {false, true}) {
        for (boolean tb : new boolean[] {false, true}) {
          int[] xs = ta ? d(6, 3) : d(3, 6);
          check("Gemm transA=" + ta + " transB=" + tb, opset, xs, b -> b.node("Gemm", in(b.x(), tb ? b.w(0.5, 5, 6) : b.w(0.5, 6, 5), b.w(0.5, 5)),
              "transA", ta ? 1 : 0, "transB", tb ? 1 : 0, "alpha", 0.75f, "beta", 1.5f));
        }
      }
      check("Gemm with a [1,N] C", opset, d(3, 6), b -> b.node("Gemm", in(b.x(), b.w(0.5, 6, 5), b.w(0.5, 1, 5))));
      check("Gemm with an [M,N] C and beta 0", opset, d(3, 6), b -> b.node("Gemm", in(b.x(), b.w(0.5, 6, 5), b.w(0.5, 3, 5)), "beta", 0f));
    }
    check("Gemm without C", 13, d(3, 6), b -> b.node("Gemm", in(b.x(), b.w(0.5, 5, 6)), "transB", 1));
  }

  @Test
  void matMul() {
    check("MatMul 2-D", 13, d(3, 6), b -> b.node("MatMul", in(b.x(), b.w(0.5, 6, 4))));
    check("MatMul 3-D x 2-D", 13, d(2, 3, 6), b -> b.node("MatMul", in(b.x(), b.w(0.5, 6, 4))));
    check("MatMul by a vector", 13, d(3, 6), b -> b.node("MatMul", in(b.x(), b.w(0.5, 6))));
    check("MatMul, constant on the left", 9, d(6, 4), b -> b.node("MatMul", in(b.w(0.5, 3, 6), b.x())));
  }

  // ---------------------------------------------------------------- elementwise

  @Test
  void broadcastingArithmeticAgainstNchwValues() {
    for (String op : new String[] {"Add", "Sub", "Mul", "Div"}) {
      for (int opset : new int[] {7, 13}) {
        // a conv output (held NHWC) against per-channel, per-column, scalar and full constants
        for (int[] cs : new int[][] {{4, 1, 1}, {9}, {}, {1, 4, 7, 9}, {7, 1}}) {
          check(op + " conv output and constant " + java.util.Arrays.toString(cs), opset, d(2, 3, 7, 9), b -> {
            String conv = b.node("Conv", in(b.x(), b.w(0.3, 4, 3, 3, 3)), "pads", d(1, 1, 1, 1));
            String c = cs.length == 0 ? b.m.scalar(op.equals("Div") ? 1.7f : 0.7f) : b.m.weight(nonZero(cs));
            b.node(op, op.equals("Sub") ? in(c, conv) : in(conv, c));
          });
        }
        check(op + " of two inputs' values with broadcasting", opset, d(2, 3, 4), b -> {
          String y = b.node("Relu", in(b.x()));
          b.node(op.equals("Div") ? "Mul" : op, in(b.x(), b.node("ReduceMean", in(y), "axes", d(1), "keepdims", 1)));
        });
      }
    }
    check("Add of a conv output and a plain 4-D value", 13, d(1, 3, 6, 6), b -> {
      String conv = b.node("Conv", in(b.x(), b.w(0.3, 3, 3, 1, 1)));
      b.node("Add", in(conv, b.x()));
    });
    check("Sum of three", 13, d(1, 2, 5, 5), b -> {
      String conv = b.node("Conv", in(b.x(), b.w(0.3, 2, 2, 1, 1)));
      b.node("Sum", in(conv, b.x(), b.w(0.3, 2, 1, 1)));
    });
    check("Max and Min of run-time values", 13, d(2, 6), b -> {
      String r = b.node("Max", in(b.x(), b.m.scalar(0.25f), b.node("Neg", in(b.x()))));
      b.node("Min", in(r, b.w(1, 6)));
    });
  }

  private FloatTensor nonZero(int[] dims) {
    FloatTensor t = gaussian(1, dims);
    for (int i = 0; i < t.size(); i++) t.data()[i] = t.data()[i] >= 0 ? t.data()[i] + 0.5f : t.data()[i] - 0.5f;
    return t;
  }

  @Test
  void activations() {
    check("Relu", 7, d(2, 3, 4, 5), b -> b.node("Relu", in(b.node("Conv", in(b.x(), b.w(0.5, 3, 3, 1, 1))))));
    for (float alpha : new float[] {0.01f, 0.2f}) {
      check("LeakyRelu " + alpha, 9, d(2, 3, 4, 5), b -> b.node("LeakyRelu", in(b.x()), "alpha", alpha));
    }
    check("LeakyRelu default alpha", 16, d(3, 7), b -> b.node("LeakyRelu", in(b.x())));
    // Clip: bounds as attributes before opset 11, as inputs (optional) from 11
    check("Clip 0..6 as attributes (Relu6)", 7, d(2, 3, 4, 5), b -> b.node("Clip", in(b.node("Mul", in(b.x(), b.m.scalar(4f)))), "min", 0f, "max", 6f));
    check("Clip -1..0.5 as attributes", 9, d(3, 7), b -> b.node("Clip", in(b.x()), "min", -1f, "max", 0.5f));
    check("Clip without bounds", 9, d(3, 7), b -> b.node("Clip", in(b.x())));
    for (int opset : new int[] {11, 13, 21}) {
      check("Clip 0..6 as inputs (Relu6)", opset, d(2, 3, 4, 5), b -> b.node("Clip", in(b.node("Mul", in(b.x(), b.m.scalar(4f))), b.m.scalar(0f), b.m.scalar(6f))));
      check("Clip with min only", opset, d(3, 7), b -> b.node("Clip", in(b.x(), b.m.scalar(-0.5f))));
      check("Clip with max only", opset, d(3, 7), b -> b.node("Clip", in(b.x(), "", b.m.scalar(0.5f))));
    }
  }

  // ---------------------------------------------------------------- pooling and normalization

  @Test
  void pooling() {
    record Case(int[] k, int[] s, int[] pads, boolean ceil, boolean countPad) {}
    List<Case> cases = List.of(
        new Case(d(2, 2), d(2, 2), d(0, 0, 0, 0), false, false),
        new Case(d(3, 3), d(2, 2), d(1, 1, 1, 1), false, false),
        new Case(d(3, 3), d(2, 2), d(1, 1, 1, 1), false, true),
        new Case(d(3, 2), d(1, 2), d(1, 0, 0, 1), false, true),
        new Case(d(3, 3), d(2, 2), d(0, 0, 0, 0), true, false),
        new Case(d(3, 3), d(2, 2), d(1, 1, 1, 1), true, true),
        new Case(d(2, 3), d(3, 2), d(1, 1, 0, 1), true, true),
        new Case(d(3, 3), d(3, 3), d(0, 0, 0, 0), true, false));
    for (String op : new String[] {"MaxPool", "AveragePool"}) {
      for (int opset : new int[] {7, 10, 11, 19}) {
        for (Case c : cases) {
          if (c.ceil() && opset < 10) continue; // ceil_mode arrived in opset 10
          String label = op + " " + c.k()[0] + "x" + c.k()[1] + " strides " + c.s()[0] + "," + c.s()[1] + " pads " + java.util.Arrays.toString(c.pads())
              + (c.ceil() ? " ceil" : "") + (c.countPad() ? " count_include_pad" : "");
          check(label, opset, d(2, 3, 10, 9), b -> {
            Object[] a = op.equals("AveragePool")
                ? new Object[] {"kernel_shape", c.k(), "strides", c.s(), "pads", c.pads(), "count_include_pad", c.countPad() ? 1 : 0}
                : new Object[] {"kernel_shape", c.k(), "strides", c.s(), "pads", c.pads()};
            if (c.ceil()) {
              Object[] more = java.util.Arrays.copyOf(a, a.length + 2);
              more[a.length] = "ceil_mode";
              more[a.length + 1] = 1;
              a = more;
            }
            b.node(op, in(b.x()), a);
          });
        }
        check(op + " auto_pad SAME_UPPER", opset, d(1, 2, 9, 8), b -> b.node(op, in(b.x()), "kernel_shape", d(3, 3), "strides", d(2, 2), "auto_pad", "SAME_UPPER"));
      }
    }
    check("GlobalAveragePool", 7, d(2, 3, 5, 7), b -> b.node("GlobalAveragePool", in(b.x())));
    check("GlobalMaxPool", 7, d(2, 3, 5, 7), b -> b.node("GlobalMaxPool", in(b.x())));
  }

  @Test
  void batchNormalization() {
    for (int opset : new int[] {7, 9, 14, 15}) {
      check("Conv + BatchNormalization + Relu", opset, d(2, 3, 6, 5), b -> {
        String conv = b.node("Conv", in(b.x(), b.w(0.4, 4, 3, 3, 3)), "pads", d(1, 1, 1, 1));
        String bn = b.node("BatchNormalization", in(conv, b.m.weight(positive(4)), b.w(0.3, 4), b.w(0.3, 4), b.m.weight(positive(4))), "epsilon", 1e-3f);
        b.node("Relu", in(bn));
      });
      check("BatchNormalization on the input", opset, d(2, 3, 4, 4),
          b -> b.node("BatchNormalization", in(b.x(), b.m.weight(positive(3)), b.w(0.3, 3), b.w(0.3, 3), b.m.weight(positive(3)))));
      check("BatchNormalization on [N,C]", opset, d(5, 3),
          b -> b.node("BatchNormalization", in(b.x(), b.m.weight(positive(3)), b.w(0.3, 3), b.w(0.3, 3), b.m.weight(positive(3)))));
    }
  }

  private FloatTensor positive(int n) {
    FloatTensor t = gaussian(0.3, n);
    for (int i = 0; i < n; i++) t.data()[i] = Math.abs(t.data()[i]) + 0.5f;
    return t;
  }

  // ---------------------------------------------------------------- shapes and data movement

  @Test
  void concatReshapeFlattenTranspose() {
    for (int opset : new int[] {7, 13}) {
      check("Concat of conv outputs on channels", opset, d(1, 3, 5, 5), b -> {
        String a = b.node("Conv", in(b.x(), b.w(0.3, 2, 3, 1, 1)));
        String c = b.node("Conv", in(b.x(), b.w(0.3, 3, 3, 3, 3)), "pads", d(1, 1, 1, 1));
        b.node("Concat", in(a, c, b.x()), "axis", 1);
      });
      check("Concat on the last axis", opset, d(2, 3, 4), b -> b.node("Concat", in(b.x(), b.w(1, 2, 3, 2)), "axis", -1));
      check("Reshape with 0 and -1 of a conv output", opset, d(2, 3, 4, 5), b -> {
        String conv = b.node("Conv", in(b.x(), b.w(0.3, 4, 3, 1, 1)));
        b.node("Reshape", in(conv, b.m.ints(0, -1, 5)));
      });
      for (int axis : new int[] {0, 1, 2}) {
        check("Flatten axis " + axis + " of a pooled value", opset, d(2, 3, 4, 6), b -> b.node("Flatten", in(b.node("MaxPool", in(b.x()), "kernel_shape", d(2, 2), "strides", d(2, 2))), "axis", axis));
      }
      for (int[] perm : new int[][] {{0, 2, 3, 1}, {0, 3, 1, 2}, {1, 0, 2, 3}, {0, 1, 3, 2}}) {
        check("Transpose " + java.util.Arrays.toString(perm) + " of a conv output", opset, d(2, 3, 4, 5), b -> {
          String conv = b.node("Conv", in(b.x(), b.w(0.3, 4, 3, 1, 1)));
          b.node("Relu", in(b.node("Transpose", in(conv), "perm", perm)));
        });
      }
      check("Transpose without perm", opset, d(2, 3, 4), b -> b.node("Transpose", in(b.x())));
    }
  }

  @Test
  void padSqueezeUnsqueeze() {
    // Pad: amounts as an attribute before opset 11, as an input after, with axes from 18
    check("Pad as attribute on a conv output", 7, d(1, 2, 4, 5), b -> b.node("Pad", in(b.node("Conv", in(b.x(), b.w(0.3, 3, 2, 1, 1)))), "pads", d(0, 1, 2, 0, 0, 0, 1, 3)));
    check("Pad as attribute, 2-D", 9, d(3, 4), b -> b.node("Pad", in(b.x()), "pads", d(1, 0, 0, 2), "mode", "constant"));
    for (int opset : new int[] {11, 13}) {
      check("Pad as input on a conv output", opset, d(1, 2, 4, 5), b -> b.node("Pad", in(b.node("Conv", in(b.x(), b.w(0.3, 3, 2, 1, 1))), b.m.ints(0, 1, 2, 0, 0, 0, 1, 3))));
      check("Pad as input with a zero value", opset, d(3, 4), b -> b.node("Pad", in(b.x(), b.m.ints(1, 0, 0, 2), b.m.scalar(0f))));
    }
    check("Pad with axes", 18, d(1, 2, 4, 5), b -> b.node("Pad", in(b.x(), b.m.ints(1, 2, 0, 3), "", b.m.ints(2, 3))));
    // Squeeze/Unsqueeze: axes as attributes before opset 13, as inputs from 13
    check("Squeeze/Unsqueeze axes as attributes", 11, d(2, 1, 3, 1), b -> {
      String s = b.node("Squeeze", in(b.x()), "axes", d(1, -1));
      b.node("Unsqueeze", in(s), "axes", d(0, 3));
    });
    check("Squeeze without axes", 11, d(2, 1, 3, 1), b -> b.node("Squeeze", in(b.x())));
    check("Squeeze/Unsqueeze axes as inputs", 13, d(2, 1, 3, 1), b -> {
      String s = b.node("Squeeze", in(b.x(), b.m.ints(1, -1)));
      b.node("Unsqueeze", in(s, b.m.ints(0, -1)));
    });
    check("GlobalAveragePool then Squeeze", 13, d(2, 3, 4, 4), b -> b.node("Squeeze", in(b.node("GlobalAveragePool", in(b.x())), b.m.ints(2, 3))));
  }

  @Test
  void constantsIdentitiesAndCasts() {
    check("Constant (value tensor) and Identity", 9, d(2, 3), b -> {
      String c = b.m.node("Constant", in(), "value", OnnxModel.tensor("c", gaussian(1, 2, 3), Storage.TYPED_FLOAT));
      b.node("Identity", in(b.node("Add", in(b.x(), c))));
    });
    check("Constant value_float and value_floats", 13, d(2, 3), b -> {
      String c = b.m.node("Constant", in(), "value_float", 0.5f);
      String v = b.m.node("Constant", in(), "value_floats", new float[] {1f, -2f, 0.25f});
      b.node("Mul", in(b.node("Add", in(b.x(), c)), v));
    });
    check("ConstantOfShape", 9, d(2, 3), b -> {
      String c = b.m.node("ConstantOfShape", in(b.m.ints(2, 3)), "value", OnnxModel.tensor("v", new FloatTensor(io.musketeer.core.Shape.of(1), new float[] {1.5f}), Storage.RAW_FLOAT));
      b.node("Add", in(b.x(), c));
    });
    check("Dropout (opset 7 ratio attribute)", 7, d(2, 3), b -> b.node("Dropout", in(b.x()), "ratio", 0.3f));
    check("Dropout (opset 13 ratio input)", 13, d(2, 3), b -> b.node("Dropout", in(b.x(), b.m.scalar(0.3f))));
    check("Cast float to float", 13, d(2, 3), b -> b.node("Cast", in(b.x()), "to", TensorProto.DataType.FLOAT_VALUE));
  }

  /** PyTorch's x.view(x.size(0), -1): Shape, Gather, Unsqueeze, Concat and Reshape on known shapes, folded at import. */
  @Test
  void pytorchFlattenPattern() {
    for (int opset : new int[] {9, 11, 13}) {
      Graph g = check("Shape/Gather/Unsqueeze/Concat/Reshape", opset, d(2, 3, 4, 5), b -> {
        String conv = b.node("Conv", in(b.x(), b.w(0.3, 4, 3, 1, 1)));
        String shape = b.m.node("Shape", in(conv));
        String batch = b.m.node("Gather", in(shape, scalarInt(b.m, 0)), "axis", 0);
        String unsq = opset < 13 ? b.m.node("Unsqueeze", in(batch), "axes", d(0)) : b.m.node("Unsqueeze", in(batch, b.m.ints(0)));
        String target = b.m.node("Concat", in(unsq, b.m.ints(-1)), "axis", 0);
        b.node("Gemm", in(b.node("Reshape", in(conv, target)), b.w(0.3, 10, 80), b.w(0.3, 10)), "transB", 1);
      });
      assertTrue(g.nodes().stream().noneMatch(n -> n.op() instanceof Op.Concat), "the shape arithmetic folds away: " + g.nodes());
    }
    check("Slice of a shape (opset 9 attributes)", 9, d(2, 3, 4, 5), b -> {
      String shape = b.m.node("Shape", in(b.x()));
      String lead = b.m.node("Slice", in(shape), "starts", d(0), "ends", d(1), "axes", d(0));
      b.node("Reshape", in(b.x(), b.m.node("Concat", in(lead, b.m.ints(-1)), "axis", 0)));
    });
    check("Slice of a run-time value (inputs, steps)", 13, d(4, 6, 5), b -> b.node("Slice", in(b.x(), b.m.ints(1, -5), b.m.ints(100, -1), b.m.ints(0, 1), b.m.ints(2, 1))));
    check("Gather of a run-time value", 13, d(4, 6), b -> b.node("Gather", in(b.x(), b.m.ints(3, 0, 3)), "axis", 1));
  }

  private static String scalarInt(OnnxModel m, long v) {
    return m.scalarInt(v);
  }

  @Test
  void reductionsSoftmaxArgMax() {
    for (int opset : new int[] {11, 13}) {
      check("ReduceMean over H,W keepdims of a conv output", opset, d(2, 3, 4, 5),
          b -> b.node("ReduceMean", in(b.node("Conv", in(b.x(), b.w(0.3, 4, 3, 1, 1)))), "axes", d(2, 3), "keepdims", 1));
      check("ReduceMean over H,W of a conv output", opset, d(2, 3, 4, 5),
          b -> b.node("ReduceMean", in(b.node("Conv", in(b.x(), b.w(0.3, 4, 3, 1, 1)))), "axes", d(-1, -2), "keepdims", 0));
      check("ReduceMean over H of a conv output", opset, d(2, 3, 4, 5),
          b -> b.node("ReduceMean", in(b.node("Conv", in(b.x(), b.w(0.3, 4, 3, 1, 1)))), "axes", d(2), "keepdims", 0));
      check("ReduceMean over all", opset, d(2, 3, 4), b -> b.node("ReduceMean", in(b.x())));
    }
    check("ReduceMean with axes as input", 18, d(2, 3, 4, 5), b -> b.node("ReduceMean", in(b.x(), b.m.ints(1)), "keepdims", 0));
    check("ReduceSum with axes as input", 13, d(2, 3, 4), b -> b.node("ReduceSum", in(b.x(), b.m.ints(0, 2))));
    check("Softmax (opset 11, axis 1 of [N,C])", 11, d(3, 7), b -> b.node("Softmax", in(b.x())));
    check("Softmax (opset 7 on [1,C,1,1], coerced to 2-D)", 7, d(2, 3, 4, 4), b -> b.node("Softmax", in(b.node("GlobalAveragePool", in(b.node("Conv", in(b.x(), b.w(0.5, 6, 3, 1, 1))))))));
    check("Softmax (opset 13, last axis)", 13, d(2, 3, 5), b -> b.node("Softmax", in(b.x())));
    softmaxOverAMiddleAxis();
    for (int keep : new int[] {0, 1}) {
      check("ArgMax keepdims " + keep, 13, d(4, 9), b -> b.node("ArgMax", in(b.x()), "axis", 1, "keepdims", keep));
      check("ArgMax over channels of a conv output, keepdims " + keep, 11, d(2, 3, 4, 5),
          b -> b.node("ArgMax", in(b.node("Conv", in(b.x(), b.w(0.5, 6, 3, 1, 1)))), "axis", 1, "keepdims", keep));
    }
    Graph g = check("ArgMax of a Softmax", 13, d(4, 9), b -> b.node("ArgMax", in(b.node("Softmax", in(b.node("Gemm", in(b.x(), b.w(0.5, 9, 6)))))), "axis", -1, "keepdims", 0));
    assertTrue(g.nodes().stream().noneMatch(n -> n.op() instanceof Op.Softmax), "the Softmax under ArgMax is dropped");
  }

  /** A final softmax over a middle axis comes as [rows, classes]: ONNX Runtime's [2,4,3] with axis 1 moved last. */
  private void softmaxOverAMiddleAxis() {
    OnnxModel m = new OnnxModel(13);
    m.output(m.node("Softmax", in(m.input("x", 2, 4, 3)), "axis", 1));
    ModelProto model = m.build();
    Map<String, FloatTensor> feeds = Map.of("x", gaussian(1, 2, 4, 3));
    FloatTensor want = OrtOracle.run(model, feeds).get(0);
    Graph g = OnnxImporter.fromModel(model, ImportOptions.defaults());
    FloatTensor got = FloatInterpreter.run(g, feeds).get(0);
    assertEquals(io.musketeer.core.Shape.of(6, 4), got.shape());
    for (int n = 0; n < 2; n++)
      for (int c = 0; c < 4; c++)
        for (int w = 0; w < 3; w++) assertEquals(want.data()[(n * 4 + c) * 3 + w], got.data()[(n * 3 + w) * 4 + c], 1e-6);
  }

  // ---------------------------------------------------------------- weights and shapes

  @Test
  void initializerStorage() {
    for (Storage s : Storage.values()) {
      // exporters keep fp16 weights next to a Cast to the input's type
      check("Conv with " + s + " weights", 13, d(1, 3, 5, 5), b -> b.node("Conv", in(b.x(), toFloat(b, b.w(s, 0.3, 4, 3, 3, 3)), toFloat(b, b.w(s, 0.2, 4))),
          "pads", d(1, 1, 1, 1)));
    }
  }

  private static String toFloat(Builder b, String w) {
    return b.m.node("Cast", in(w), "to", TensorProto.DataType.FLOAT_VALUE);
  }

  @Test
  void openDimensionsTakeTheInputsSize() {
    Graph g = check("open batch, height and width", 13, d(3, 2, 6, 7), d(-1, 2, -1, -1), b -> b.node("Relu", in(b.node("Conv", in(b.x(), b.w(0.3, 4, 2, 3, 3)), "pads", d(1, 1, 1, 1)))));
    assertEquals(List.of(3, 2, 6, 7), java.util.Arrays.stream(((Op.Input) g.node(g.inputs()[0]).op()).shape().dims()).boxed().toList());
    assertEquals(Op.Layout.NCHW, ((Op.Input) g.node(g.inputs()[0]).op()).layout());
  }
}
