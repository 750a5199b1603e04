package io.musketeer.importer.tf;

import com.google.protobuf.ByteString;
import io.musketeer.importer.ModelImportException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Frozen TensorFlow graphs of well-known architectures with seeded random weights, built directly as
 * GraphDef protobufs: the real structures (ResNet-50 v1.5, DenseNet-121, SqueezeNet 1.1, a small CNN)
 * for cost benchmarks and tests, where trained weights are not available. Weights are He-scaled and
 * batch-norm parameters mild, so activations stay in a range fixed point at scale 12 represents well.
 */
public final class SyntheticModels {
  private static final List<String> NAMES = List.of("demo", "squeezenet", "resnet50", "densenet121");

  private SyntheticModels() {}

  public static List<String> names() {
    return NAMES;
  }

  public static GraphDef build(String name, long seed) {
    Builder b = new Builder(seed);
    switch (name) {
      case "demo" -> b.demo();
      case "squeezenet" -> b.squeezenet();
      case "resnet50" -> b.resnet50();
      case "densenet121" -> b.densenet121();
      default -> throw new ModelImportException("unknown built-in model '" + name + "'; available: " + String.join(", ", NAMES));
    }
    return b.graph.build();
  }

  public static void writeTo(Path file, String name, long seed) throws IOException {
    Files.write(file, build(name, seed).toByteArray());
  }

  private static final class Builder {
    final GraphDef.Builder graph = GraphDef.newBuilder();
    final SplittableRandom rng;
    int counter;

    Builder(long seed) {
      rng = new SplittableRandom(seed);
    }

    // ---- architectures ----

    void demo() {
      String x = placeholder("input", 1, 28, 28, 1);
      x = relu(batchNorm(conv(x, 5, 1, 8, 1, "SAME"), 1f));
      x = maxPool(x, 2, 2, "VALID");
      x = relu(biasAdd(conv(x, 5, 8, 16, 1, "SAME"), 16));
      x = maxPool(x, 2, 2, "VALID");
      x = reshape(x, -1, 7 * 7 * 16);
      x = relu(dense(x, 7 * 7 * 16, 64));
      dense(x, 64, 10, "logits");
    }

    void squeezenet() {
      String x = placeholder("data", 1, 224, 224, 3);
      x = relu(biasAdd(conv(x, 3, 3, 64, 2, "VALID"), 64));
      x = maxPool(x, 3, 2, "VALID");
      x = fire(x, 64, 16, 64);
      x = fire(x, 128, 16, 64);
      x = maxPool(x, 3, 2, "VALID");
      x = fire(x, 128, 32, 128);
      x = fire(x, 256, 32, 128);
      x = maxPool(x, 3, 2, "VALID");
      x = fire(x, 256, 48, 192);
      x = fire(x, 384, 48, 192);
      x = fire(x, 384, 64, 256);
      x = fire(x, 512, 64, 256);
      x = relu(biasAdd(conv(x, 1, 512, 1000, 1, "VALID"), 1000));
      x = mean(x);
      softmax(x);
    }

    String fire(String x, int in, int squeeze, int expand) {
      String s = relu(biasAdd(conv(x, 1, in, squeeze, 1, "VALID"), squeeze));
      String e1 = relu(biasAdd(conv(s, 1, squeeze, expand, 1, "VALID"), expand));
      String e3 = relu(biasAdd(conv(s, 3, squeeze, expand, 1, "SAME"), expand));
      return concat(3, e1, e3);
    }

    void resnet50() {
      String x = placeholder("input", 1, 224, 224, 3);
      x = relu(batchNorm(conv(x, 7, 3, 64, 2, "SAME"), 1f));
      x = maxPool(x, 3, 2, "SAME");
      int[][] stages = {{64, 256, 3, 1}, {128, 512, 4, 2}, {256, 1024, 6, 2}, {512, 2048, 3, 2}};
      int channels = 64;
      for (int[] st : stages) {
        for (int i = 0; i < st[2]; i++) {
          x = bottleneck(x, channels, st[0], st[1], i == 0 ? st[3] : 1, i == 0);
          channels = st[1];
        }
      }
      x = mean(x);
      x = dense(x, 2048, 1000);
      softmax(x);
    }

    String bottleneck(String x, int in, int mid, int out, int stride, boolean project) {
      String shortcut = project ? batchNorm(conv(x, 1, in, out, stride, "VALID"), 1f) : x;
      // v1.5 (TensorFlow's official ResNet-50): the stride sits on the 3x3 convolution
      String y = relu(batchNorm(conv(x, 1, in, mid, 1, "VALID"), 1f));
      y = relu(batchNorm(conv(y, 3, mid, mid, stride, "SAME"), 1f));
      // a small last gamma keeps the residual stream's scale steady over 16 blocks
      y = batchNorm(conv(y, 1, mid, out, 1, "VALID"), 0.25f);
      return relu(add(y, shortcut));
    }

    void densenet121() {
      String x = placeholder("input", 1, 224, 224, 3);
      x = relu(batchNorm(conv(x, 7, 3, 64, 2, "SAME"), 1f));
      x = maxPool(x, 3, 2, "SAME");
      int channels = 64;
      int[] blocks = {6, 12, 24, 16};
      for (int bi = 0; bi < blocks.length; bi++) {
        for (int l = 0; l < blocks[bi]; l++) {
          String y = relu(batchNorm(x, 1f));
          y = conv(y, 1, channels, 128, 1, "VALID");
          y = relu(batchNorm(y, 1f));
          y = conv(y, 3, 128, 32, 1, "SAME");
          x = concat(3, x, y);
          channels += 32;
        }
        if (bi < blocks.length - 1) {
          x = relu(batchNorm(x, 1f));
          x = conv(x, 1, channels, channels / 2, 1, "VALID");
          channels /= 2;
          x = avgPool(x, 2, 2, "VALID");
        }
      }
      x = relu(batchNorm(x, 1f));
      x = mean(x);
      x = dense(x, channels, 1000);
      softmax(x);
    }

    // ---- nodes ----

    String name(String op) {
      return op.toLowerCase() + "_" + (counter++);
    }

    String node(String op, String name, List<String> inputs, Object... attrs) {
      NodeDef.Builder n = NodeDef.newBuilder().setName(name).setOp(op).addAllInput(inputs);
      for (int i = 0; i < attrs.length; i += 2) n.putAttr((String) attrs[i], (AttrValue) attrs[i + 1]);
      graph.addNode(n);
      return name;
    }

    static AttrValue type() {
      return AttrValue.newBuilder().setType(DataType.DT_FLOAT).build();
    }

    static AttrValue ints(int... v) {
      AttrValue.ListValue.Builder l = AttrValue.ListValue.newBuilder();
      for (int x : v) l.addI(x);
      return AttrValue.newBuilder().setList(l).build();
    }

    static AttrValue str(String s) {
      return AttrValue.newBuilder().setS(ByteString.copyFromUtf8(s)).build();
    }

    static TensorShapeProto shape(int... dims) {
      TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
      for (int d : dims) s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
      return s.build();
    }

    String placeholder(String name, int... dims) {
      return node("Placeholder", name, List.of(), "dtype", type(), "shape", AttrValue.newBuilder().setShape(shape(dims)).build());
    }

    String floats(float[] v, int... dims) {
      ByteBuffer bb = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (float f : v) bb.putFloat(f);
      TensorProto t = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape(dims))
          .setTensorContent(ByteString.copyFrom(bb.array())).build();
      return node("Const", name("Const"), List.of(), "dtype", type(), "value", AttrValue.newBuilder().setTensor(t).build());
    }

    String int32s(int... v) {
      TensorProto.Builder t = TensorProto.newBuilder().setDtype(DataType.DT_INT32).setTensorShape(shape(v.length));
      for (int x : v) t.addIntVal(x);
      return node("Const", name("Const"), List.of(), "dtype", AttrValue.newBuilder().setType(DataType.DT_INT32).build(),
          "value", AttrValue.newBuilder().setTensor(t).build());
    }

    String int32Scalar(int v) {
      TensorProto t = TensorProto.newBuilder().setDtype(DataType.DT_INT32).setTensorShape(shape()).addIntVal(v).build();
      return node("Const", name("Const"), List.of(), "dtype", AttrValue.newBuilder().setType(DataType.DT_INT32).build(),
          "value", AttrValue.newBuilder().setTensor(t).build());
    }

    float[] gaussian(int n, double sd) {
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        // Box-Muller from the seeded generator, so the weights are the same on every JVM
        double u = rng.nextDouble(Double.MIN_NORMAL, 1), w = rng.nextDouble();
        v[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w) * sd);
      }
      return v;
    }

    String conv(String x, int k, int in, int out, int stride, String padding) {
      String w = floats(gaussian(k * k * in * out, Math.sqrt(2.0 / (k * k * in))), k, k, in, out);
      return node("Conv2D", name("Conv2D"), List.of(x, w), "T", type(), "strides", ints(1, stride, stride, 1),
          "padding", str(padding), "data_format", str("NHWC"), "dilations", ints(1, 1, 1, 1));
    }

    String biasAdd(String x, int n) {
      String b = floats(gaussian(n, 0.05), n);
      return node("BiasAdd", name("BiasAdd"), List.of(x, b), "T", type(), "data_format", str("NHWC"));
    }

    String batchNorm(String x, float gammaScale) {
      int n = channels(x);
      float[] gamma = new float[n], beta = gaussian(n, 0.05f), mean = gaussian(n, 0.05f), var = new float[n];
      for (int i = 0; i < n; i++) {
        gamma[i] = gammaScale * (float) (1 + 0.1 * rng.nextDouble(-1, 1));
        var[i] = (float) (1 + 0.2 * rng.nextDouble());
      }
      String name = name("FusedBatchNormV3");
      node("FusedBatchNormV3", name,
          List.of(x, floats(gamma, n), floats(beta, n), floats(mean, n), floats(var, n)),
          "T", type(), "U", type(), "epsilon", AttrValue.newBuilder().setF(0.001f).build(),
          "is_training", AttrValue.newBuilder().setB(false).build(), "data_format", str("NHWC"));
      return name;
    }

    /** Output channels of the node that produced x, read back from the weights this builder made. */
    int channels(String x) {
      for (int i = graph.getNodeCount() - 1; i >= 0; i--) {
        NodeDef n = graph.getNode(i);
        if (!n.getName().equals(x)) continue;
        return switch (n.getOp()) {
          case "Conv2D", "BiasAdd", "FusedBatchNormV3", "Relu", "Add", "AddV2", "AvgPool", "MaxPool" -> channelsOfInput(n);
          case "ConcatV2" -> {
            int c = 0;
            for (int k = 0; k < n.getInputCount() - 1; k++) c += channels(n.getInput(k));
            yield c;
          }
          default -> throw new IllegalStateException("no channel count for " + n.getOp());
        };
      }
      throw new IllegalStateException("unknown node " + x);
    }

    private int channelsOfInput(NodeDef n) {
      if (n.getOp().equals("Conv2D")) {
        NodeDef w = find(n.getInput(1));
        TensorShapeProto s = w.getAttrOrThrow("value").getTensor().getTensorShape();
        return (int) s.getDim(3).getSize();
      }
      return channels(n.getInput(0));
    }

    private NodeDef find(String name) {
      for (int i = graph.getNodeCount() - 1; i >= 0; i--) if (graph.getNode(i).getName().equals(name)) return graph.getNode(i);
      throw new IllegalStateException("unknown node " + name);
    }

    String relu(String x) {
      return node("Relu", name("Relu"), List.of(x), "T", type());
    }

    String add(String a, String b) {
      return node("AddV2", name("AddV2"), List.of(a, b), "T", type());
    }

    String maxPool(String x, int k, int s, String padding) {
      return node("MaxPool", name("MaxPool"), List.of(x), "T", type(), "ksize", ints(1, k, k, 1), "strides", ints(1, s, s, 1),
          "padding", str(padding), "data_format", str("NHWC"));
    }

    String avgPool(String x, int k, int s, String padding) {
      return node("AvgPool", name("AvgPool"), List.of(x), "T", type(), "ksize", ints(1, k, k, 1), "strides", ints(1, s, s, 1),
          "padding", str(padding), "data_format", str("NHWC"));
    }

    String concat(int axis, String... xs) {
      List<String> ins = new java.util.ArrayList<>(List.of(xs));
      ins.add(int32Scalar(axis)); // TensorFlow requires a scalar axis
      return node("ConcatV2", name("ConcatV2"), ins, "T", type(), "N", AttrValue.newBuilder().setI(xs.length).build(),
          "Tidx", AttrValue.newBuilder().setType(DataType.DT_INT32).build());
    }

    String mean(String x) {
      return node("Mean", name("Mean"), List.of(x, int32s(1, 2)), "T", type(), "keep_dims", AttrValue.newBuilder().setB(false).build(),
          "Tidx", AttrValue.newBuilder().setType(DataType.DT_INT32).build());
    }

    String reshape(String x, int... dims) {
      return node("Reshape", name("Reshape"), List.of(x, int32s(dims)), "T", type(), "Tshape", AttrValue.newBuilder().setType(DataType.DT_INT32).build());
    }

    String dense(String x, int in, int out) {
      return dense(x, in, out, name("BiasAdd"));
    }

    String dense(String x, int in, int out, String name) {
      String w = floats(gaussian(in * out, Math.sqrt(1.0 / in)), in, out);
      String mm = node("MatMul", name("MatMul"), List.of(x, w), "T", type(), "transpose_a", AttrValue.newBuilder().setB(false).build(),
          "transpose_b", AttrValue.newBuilder().setB(false).build());
      String b = floats(gaussian(out, 0.05), out);
      return node("BiasAdd", name, List.of(mm, b), "T", type(), "data_format", str("NHWC"));
    }

    String softmax(String x) {
      return node("Softmax", "probabilities", List.of(x), "T", type());
    }
  }
}
