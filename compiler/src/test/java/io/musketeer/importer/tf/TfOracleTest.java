package io.musketeer.importer.tf;

import static io.musketeer.importer.tf.GraphDefBuilder.ints;
import static io.musketeer.importer.tf.GraphDefBuilder.str;
import static io.musketeer.importer.tf.GraphDefBuilder.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.Shape;
import io.musketeer.ir.Graph;
import io.musketeer.ir.GraphStats;
import io.musketeer.ir.Op;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;

/** Every supported TensorFlow op, run by TensorFlow Java and by Musketeer's interpreters. */
class TfOracleTest {
  private static AttrValue bool(boolean b) {
    return AttrValue.newBuilder().setB(b).build();
  }

  private static AttrValue i64(long v) {
    return AttrValue.newBuilder().setI(v).build();
  }

  private static AttrValue int32() {
    return AttrValue.newBuilder().setType(DataType.DT_INT32).build();
  }

  @ParameterizedTest(name = "conv {0}x{0} stride {1} {2}")
  @CsvSource({"3,1,SAME", "3,2,SAME", "5,2,VALID", "1,2,SAME", "1,1,VALID", "5,1,SAME", "3,2,VALID"})
  void conv2d(int k, int stride, String padding) {
    GraphDefBuilder b = new GraphDefBuilder(k * 10 + stride);
    String x = b.placeholder("x", 1, 11, 9, 3);
    String y = b.biasAdd(b.conv(x, k, 3, 4, stride, padding), 4);
    TfOracle.check(b.build(), x, Shape.of(1, 11, 9, 3), y);
  }

  @ParameterizedTest(name = "depthwise multiplier {0} stride {1} {2}")
  @CsvSource({"1,1,SAME", "2,2,SAME", "2,1,VALID", "1,2,VALID"})
  void depthwise(int mult, int stride, String padding) {
    GraphDefBuilder b = new GraphDefBuilder(mult * 7 + stride);
    String x = b.placeholder("x", 1, 10, 7, 3);
    String w = b.floats(b.gaussian(3 * 3 * 3 * mult, 0.5), 3, 3, 3, mult);
    String y = b.node("DepthwiseConv2dNative", "dw", List.of(x, w), "T", type(), "strides", ints(1, stride, stride, 1),
        "padding", str(padding), "data_format", str("NHWC"), "dilations", ints(1, 1, 1, 1));
    TfOracle.check(b.build(), x, Shape.of(1, 10, 7, 3), y);
  }

  @Test
  void batchNormReluAndRelu6() {
    GraphDefBuilder b = new GraphDefBuilder(3);
    String x = b.placeholder("x", 1, 8, 8, 3);
    String y = b.relu(b.batchNorm(b.conv(x, 3, 3, 5, 1, "SAME"), 1f));
    String y6 = b.node("Relu6", "relu6", List.of(b.node("Mul", "times4", List.of(y, b.floats(new float[] {4f})), "T", type())), "T", type());
    TfOracle.check(b.build(), x, Shape.of(1, 8, 8, 3), y6);
  }

  @ParameterizedTest(name = "{0} {1}x{1} stride {2} {3}")
  @CsvSource({"MaxPool,3,2,SAME", "MaxPool,2,2,VALID", "AvgPool,3,2,SAME", "AvgPool,2,1,VALID", "AvgPool,3,1,SAME", "MaxPool,3,1,SAME"})
  void pooling(String op, int k, int stride, String padding) {
    GraphDefBuilder b = new GraphDefBuilder(5);
    String x = b.placeholder("x", 1, 9, 8, 2);
    String y = b.node(op, "pool", List.of(x), "T", type(), "ksize", ints(1, k, k, 1), "strides", ints(1, stride, stride, 1),
        "padding", str(padding), "data_format", str("NHWC"));
    TfOracle.check(b.build(), x, Shape.of(1, 9, 8, 2), y);
  }

  @Test
  void elementwiseWithBroadcasting() {
    GraphDefBuilder b = new GraphDefBuilder(6);
    String x = b.placeholder("x", 2, 3, 4);
    String c = b.floats(b.gaussian(4, 1), 4);
    String c2 = b.floats(b.gaussian(12, 1), 3, 4);
    String add = b.node("Add", "add", List.of(x, c), "T", type());
    String addv2 = b.node("AddV2", "addv2", List.of(add, c2), "T", type());
    String sub = b.node("Sub", "sub", List.of(c, addv2), "T", type());
    String mul = b.node("Mul", "mul", List.of(sub, c2), "T", type());
    String neg = b.node("Neg", "neg", List.of(mul), "T", type());
    String sq = b.node("Square", "square", List.of(x), "T", type());
    String sum = b.node("AddN", "addn", List.of(neg, sq, x), "T", type(), "N", i64(3));
    String div = b.node("RealDiv", "div", List.of(sum, b.floats(new float[] {4f, -2f, 0.5f, 8f}, 4)), "T", type());
    String id = b.node("StopGradient", "stop", List.of(b.node("Identity", "id", List.of(div), "T", type())), "T", type());
    TfOracle.check(b.build(), x, Shape.of(2, 3, 4), id);
  }

  @ParameterizedTest(name = "matmul transpose_a={0} transpose_b={1}")
  @CsvSource({"false,false", "true,false", "false,true", "true,true"})
  void matmul(boolean ta, boolean tb) {
    GraphDefBuilder b = new GraphDefBuilder(7);
    String x = b.placeholder("x", ta ? 7 : 5, ta ? 5 : 7);
    String w = b.floats(b.gaussian(7 * 3, 1), tb ? 3 : 7, tb ? 7 : 3);
    String y = b.node("MatMul", "mm", List.of(x, w), "T", type(), "transpose_a", bool(ta), "transpose_b", bool(tb));
    TfOracle.check(b.build(), x, Shape.of(ta ? 7 : 5, ta ? 5 : 7), y);
  }

  @Test
  void layoutOps() {
    GraphDefBuilder b = new GraphDefBuilder(8);
    String x = b.placeholder("x", 1, 4, 5, 3);
    String cat = b.node("ConcatV2", "cat", List.of(x, b.relu(x), b.int32sShaped(new int[0], -1)), "T", type(), "N", i64(2), "Tidx", int32());
    String pad = b.node("Pad", "pad", List.of(cat, b.int32sShaped(new int[] {4, 2}, 0, 0, 1, 2, 0, 1, 0, 0)), "T", type(), "Tpaddings", int32());
    String tr = b.node("Transpose", "tr", List.of(pad, b.int32s(0, 3, 1, 2)), "T", type(), "Tperm", int32());
    String sl = b.node("Slice", "slice", List.of(tr, b.int32s(0, 1, 1, 0), b.int32s(1, 4, -1, 5)), "T", type(), "Index", int32());
    String rs = b.node("Reshape", "reshape", List.of(sl, b.int32s(1, -1, 5)), "T", type(), "Tshape", int32());
    String ex = b.node("ExpandDims", "expand", List.of(rs, b.int32sShaped(new int[0], -1)), "T", type(), "Tdim", int32());
    String sq = b.node("Squeeze", "squeeze", List.of(ex), "T", type(), "squeeze_dims", ints(0, 3));
    TfOracle.check(b.build(), x, Shape.of(1, 4, 5, 3), sq);
  }

  @ParameterizedTest(name = "strided slice masks begin={0} end={1} ellipsis={2} new_axis={3} shrink={4}")
  @CsvSource({"0,0,0,0,0", "1,2,0,0,0", "0,0,0,0,2", "0,0,1,0,0", "0,0,0,2,0", "5,5,0,0,4"})
  void stridedSlice(int beginMask, int endMask, int ellipsis, int newAxis, int shrink) {
    GraphDefBuilder b = new GraphDefBuilder(9);
    String x = b.placeholder("x", 2, 6, 5);
    String y = b.node("StridedSlice", "ss", List.of(x, b.int32s(0, 1, -4), b.int32s(2, 5, 5), b.int32s(1, 2, 1)),
        "T", type(), "Index", int32(), "begin_mask", i64(beginMask), "end_mask", i64(endMask), "ellipsis_mask", i64(ellipsis),
        "new_axis_mask", i64(newAxis), "shrink_axis_mask", i64(shrink));
    TfOracle.check(b.build(), x, Shape.of(2, 6, 5), y);
  }

  @ParameterizedTest(name = "{0} keep_dims={1}")
  @CsvSource({"Mean,true", "Mean,false", "Sum,true", "Sum,false"})
  void reductions(String op, boolean keep) {
    GraphDefBuilder b = new GraphDefBuilder(10);
    String x = b.placeholder("x", 2, 3, 4, 5);
    String y = b.node(op, "reduce", List.of(x, b.int32s(1, -1)), "T", type(), "keep_dims", bool(keep), "Tidx", int32());
    TfOracle.check(b.build(), x, Shape.of(2, 3, 4, 5), y);
  }

  @Test
  void softmaxAndArgMax() {
    GraphDefBuilder b = new GraphDefBuilder(11);
    String x = b.placeholder("x", 3, 10);
    String sm = b.node("Softmax", "softmax", List.of(x), "T", type());
    TfOracle.check(b.build(), x, Shape.of(3, 10), sm);
    GraphDefBuilder a = new GraphDefBuilder(12);
    String x2 = a.placeholder("x", 3, 10);
    String am = a.node("ArgMax", "argmax", List.of(x2, a.int32sShaped(new int[0], 1)), "T", type(), "Tidx", int32(),
        "output_type", AttrValue.newBuilder().setType(DataType.DT_INT64).build());
    Graph g = TfOracle.check(a.build(), x2, Shape.of(3, 10), am);
    assertTrue(g.nodes().stream().anyMatch(n -> n.op() instanceof Op.ArgMax));
  }

  /** Keras's Flatten: Reshape(x, Pack(StridedSlice(Shape(x), [0], [1]), -1)), folded at import. */
  @Test
  void kerasFlattenAndConstantSideComputations() {
    GraphDefBuilder b = new GraphDefBuilder(13);
    String x = b.placeholder("x", 1, 4, 3, 2);
    String shape = b.node("Shape", "shape", List.of(x), "T", type(), "out_type", int32());
    String batch = b.node("StridedSlice", "batch", List.of(shape, b.int32s(0), b.int32s(1), b.int32s(1)), "T", int32(), "Index", int32(),
        "shrink_axis_mask", i64(1));
    String packed = b.node("Pack", "pack", List.of(batch, b.int32sShaped(new int[0], -1)), "T", int32(), "N", i64(2), "axis", i64(0));
    String flat = b.node("Reshape", "flatten", List.of(x, packed), "T", type(), "Tshape", int32());
    String ones = b.node("Fill", "fill", List.of(b.int32s(1, 24), b.floats(new float[] {0.5f})), "T", type(), "index_type", int32());
    String zeros = b.node("ZerosLike", "zeros", List.of(ones), "T", type());
    String cast = b.node("Cast", "cast", List.of(b.int32s(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24)),
        "SrcT", int32(), "DstT", type());
    String sum = b.node("AddN", "sum", List.of(flat, ones, zeros), "T", type(), "N", i64(3));
    String y = b.node("Mul", "scaled", List.of(sum, b.node("Reshape", "castr", List.of(cast, b.int32s(1, 24)), "T", type(), "Tshape", int32())), "T", type());
    Graph g = TfOracle.check(b.build(), x, Shape.of(1, 4, 3, 2), y);
    assertTrue(g.nodes().stream().noneMatch(n -> n.name().startsWith("shape")), "shape computations fold away at import");
  }

  @Test
  void syntheticDemoAndSqueezeNetMatchTensorFlow() {
    for (String name : List.of("demo", "squeezenet")) {
      var def = SyntheticModels.build(name, 5);
      String input = name.equals("demo") ? "input" : "data";
      Shape shape = name.equals("demo") ? Shape.of(1, 28, 28, 1) : Shape.of(1, 224, 224, 3);
      String out = name.equals("demo") ? "logits" : "probabilities";
      TfOracle.check(def, input, shape, out);
    }
  }

  @Test
  void resNet50AndDenseNet121ImportCountAndMatchTensorFlow() {
    Graph resnet = TfOracle.check(SyntheticModels.build("resnet50", 5), "input", Shape.of(1, 224, 224, 3), "probabilities");
    assertEquals(4.10e9, GraphStats.totalMacs(resnet), 0.02e9, "ResNet-50 MACs");
    Graph densenet = TfOracle.check(SyntheticModels.build("densenet121", 5), "input", Shape.of(1, 224, 224, 3), "probabilities");
    assertEquals(2.85e9, GraphStats.totalMacs(densenet), 0.03e9, "DenseNet-121 MACs");
  }
}
