package io.musketeer.importer.tf;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.SplittableRandom;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Builds TensorFlow GraphDefs node by node, with seeded random weights; for built-in models and tests.
 * Without weights, every float constant is stored as ones (one repeated value, as {@code musketeer strip}
 * writes weights): the same program for the parties that must not (and need not) hold the weights.
 */
public class GraphDefBuilder {
  private final GraphDef.Builder graph = GraphDef.newBuilder();
  private final SplittableRandom rng;
  private final boolean weights;
  private int counter;

  public GraphDefBuilder(long seed) {
    this(seed, true);
  }

  public GraphDefBuilder(long seed, boolean weights) {
    rng = new SplittableRandom(seed);
    this.weights = weights;
  }

  public GraphDef build() {
    return graph.build();
  }

  public String name(String op) {
    return op.toLowerCase() + "_" + (counter++);
  }

  public String node(String op, String name, List<String> inputs, Object... attrs) {
    NodeDef.Builder n = NodeDef.newBuilder().setName(name).setOp(op).addAllInput(inputs);
    for (int i = 0; i < attrs.length; i += 2) n.putAttr((String) attrs[i], (AttrValue) attrs[i + 1]);
    graph.addNode(n);
    return name;
  }

  public static AttrValue type() {
    return AttrValue.newBuilder().setType(DataType.DT_FLOAT).build();
  }

  public static AttrValue ints(int... v) {
    AttrValue.ListValue.Builder l = AttrValue.ListValue.newBuilder();
    for (int x : v) l.addI(x);
    return AttrValue.newBuilder().setList(l).build();
  }

  public static AttrValue str(String s) {
    return AttrValue.newBuilder().setS(ByteString.copyFromUtf8(s)).build();
  }

  public static TensorShapeProto shape(int... dims) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (int d : dims) s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    return s.build();
  }

  public String placeholder(String name, int... dims) {
    return node("Placeholder", name, List.of(), "dtype", type(), "shape", AttrValue.newBuilder().setShape(shape(dims)).build());
  }

  /** A float constant; v is null (or ignored) for a weight-free build. */
  public String floats(float[] v, int... dims) {
    TensorProto.Builder t = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape(dims));
    if (!weights) {
      t.addFloatVal(1f); // TensorFlow's fill rule repeats the last value
    } else {
      ByteBuffer bb = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      bb.asFloatBuffer().put(v);
      t.setTensorContent(UnsafeByteOperations.unsafeWrap(bb.array())); // bb is not used again
    }
    return node("Const", name("Const"), List.of(), "dtype", type(), "value", AttrValue.newBuilder().setTensor(t.build()).build());
  }

  /** An int32 constant of the given shape (an empty shape is a scalar). */
  public String int32sShaped(int[] dims, int... v) {
    TensorProto.Builder t = TensorProto.newBuilder().setDtype(DataType.DT_INT32).setTensorShape(shape(dims));
    for (int x : v) t.addIntVal(x);
    return node("Const", name("Const"), List.of(), "dtype", AttrValue.newBuilder().setType(DataType.DT_INT32).build(),
        "value", AttrValue.newBuilder().setTensor(t).build());
  }

  public String int32s(int... v) {
    TensorProto.Builder t = TensorProto.newBuilder().setDtype(DataType.DT_INT32).setTensorShape(shape(v.length));
    for (int x : v) t.addIntVal(x);
    return node("Const", name("Const"), List.of(), "dtype", AttrValue.newBuilder().setType(DataType.DT_INT32).build(),
        "value", AttrValue.newBuilder().setTensor(t).build());
  }

  /** n seeded normal values, or null in a weight-free build. */
  public float[] gaussian(int n, double sd) {
    if (!weights) return null;
    float[] v = new float[n];
    // RandomGenerator's ziggurat: specified, so the weights are the same on every JVM, and fast
    for (int i = 0; i < n; i++) v[i] = (float) (rng.nextGaussian() * sd);
    return v;
  }

  public String conv(String x, int k, int in, int out, int stride, String padding) {
    String w = floats(gaussian(k * k * in * out, Math.sqrt(2.0 / (k * k * in))), k, k, in, out);
    return node("Conv2D", name("Conv2D"), List.of(x, w), "T", type(), "strides", ints(1, stride, stride, 1),
        "padding", str(padding), "data_format", str("NHWC"), "dilations", ints(1, 1, 1, 1));
  }

  public String biasAdd(String x, int n) {
    String b = floats(gaussian(n, 0.05), n);
    return node("BiasAdd", name("BiasAdd"), List.of(x, b), "T", type(), "data_format", str("NHWC"));
  }

  public String batchNorm(String x, float gammaScale) {
    int n = channels(x);
    float[] gamma = new float[n], beta = gaussian(n, 0.05f), mean = gaussian(n, 0.05f), var = new float[n];
    if (!weights) return batchNormNode(x, n, gamma, beta, mean, var);
    for (int i = 0; i < n; i++) {
      gamma[i] = gammaScale * (float) (1 + 0.1 * rng.nextDouble(-1, 1));
      var[i] = (float) (1 + 0.2 * rng.nextDouble());
    }
    return batchNormNode(x, n, gamma, beta, mean, var);
  }

  private String batchNormNode(String x, int n, float[] gamma, float[] beta, float[] mean, float[] var) {
    String name = name("FusedBatchNormV3");
    node("FusedBatchNormV3", name,
        List.of(x, floats(gamma, n), floats(beta, n), floats(mean, n), floats(var, n)),
        "T", type(), "U", type(), "epsilon", AttrValue.newBuilder().setF(0.001f).build(),
        "is_training", AttrValue.newBuilder().setB(false).build(), "data_format", str("NHWC"));
    return name;
  }

  /** Output channels of the node that produced x, read back from the weights this builder made. */
  public int channels(String x) {
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

  public String relu(String x) {
    return node("Relu", name("Relu"), List.of(x), "T", type());
  }

  public String add(String a, String b) {
    return node("AddV2", name("AddV2"), List.of(a, b), "T", type());
  }

  public String maxPool(String x, int k, int s, String padding) {
    return node("MaxPool", name("MaxPool"), List.of(x), "T", type(), "ksize", ints(1, k, k, 1), "strides", ints(1, s, s, 1),
        "padding", str(padding), "data_format", str("NHWC"));
  }

  public String avgPool(String x, int k, int s, String padding) {
    return node("AvgPool", name("AvgPool"), List.of(x), "T", type(), "ksize", ints(1, k, k, 1), "strides", ints(1, s, s, 1),
        "padding", str(padding), "data_format", str("NHWC"));
  }

  public String concat(int axis, String... xs) {
    List<String> ins = new java.util.ArrayList<>(List.of(xs));
    ins.add(int32sShaped(new int[0], axis));
    return node("ConcatV2", name("ConcatV2"), ins, "T", type(), "N", AttrValue.newBuilder().setI(xs.length).build(),
        "Tidx", AttrValue.newBuilder().setType(DataType.DT_INT32).build());
  }

  public String mean(String x) {
    return node("Mean", name("Mean"), List.of(x, int32s(1, 2)), "T", type(), "keep_dims", AttrValue.newBuilder().setB(false).build(),
        "Tidx", AttrValue.newBuilder().setType(DataType.DT_INT32).build());
  }

  public String reshape(String x, int... dims) {
    return node("Reshape", name("Reshape"), List.of(x, int32s(dims)), "T", type(), "Tshape", AttrValue.newBuilder().setType(DataType.DT_INT32).build());
  }

  public String dense(String x, int in, int out) {
    return dense(x, in, out, name("BiasAdd"));
  }

  public String dense(String x, int in, int out, String name) {
    String w = floats(gaussian(in * out, Math.sqrt(1.0 / in)), in, out);
    String mm = node("MatMul", name("MatMul"), List.of(x, w), "T", type(), "transpose_a", AttrValue.newBuilder().setB(false).build(),
        "transpose_b", AttrValue.newBuilder().setB(false).build());
    String b = floats(gaussian(out, 0.05), out);
    return node("BiasAdd", name, List.of(mm, b), "T", type(), "data_format", str("NHWC"));
  }

  public String softmax(String x) {
    return node("Softmax", "probabilities", List.of(x), "T", type());
  }
}
