package io.musketeer.importer.tf;

import io.musketeer.importer.ImportOptions;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.Shape;
import io.musketeer.importer.ModelImportException;
import io.musketeer.testkit.SharedModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;

/** Broken or unsupported models fail with a one-line ModelImportException that says what and where, never anything else. */
class BadModelsTest {
  @TempDir Path dir;

  /** Asserts a ModelImportException (exactly that type family) with a one-line message containing every fragment. */
  private static String fails(Executable e, String... fragments) {
    ModelImportException ex = assertThrows(ModelImportException.class, e);
    String m = ex.getMessage();
    assertFalse(m == null || m.isBlank(), "empty message");
    assertFalse(m.contains("\n"), "message is not one line: " + m);
    for (String f : fragments) assertTrue(m.contains(f), "message does not mention '" + f + "': " + m);
    System.out.println("BadModelsTest: " + m.substring(0, Math.min(m.length(), 200)));
    return m;
  }

  private Path write(String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  private static ImportOptions opts() {
    return ImportOptions.defaults();
  }

  @Test
  void truncatedFile() throws IOException {
    GraphDefBuilder b = new GraphDefBuilder(1);
    String x = b.placeholder("input", 1, 28, 28, 1);
    x = b.relu(b.batchNorm(b.conv(x, 5, 1, 8, 1, "SAME"), 1f));
    b.dense(b.reshape(x, 1, 28 * 28 * 8), 28 * 28 * 8, 10);
    byte[] full = b.build().toByteArray();
    for (int cut : new int[] {full.length / 2, full.length - 1, 7, 1}) {
      Path p = write("demo-cut-" + cut + ".pb", Arrays.copyOf(full, cut));
      fails(() -> TfImporter.load(p, opts()), p.getFileName().toString());
    }
  }

  @Test
  void truncatedMnistMlp() throws IOException {
    byte[] full = Files.readAllBytes(SharedModels.require("mnist/mnist-mlp.pb"));
    Path p = write("mnist-mlp-half.pb", Arrays.copyOf(full, full.length / 2));
    fails(() -> TfImporter.load(p, opts()), p.getFileName().toString());
  }

  @Test
  void garbageBytes() throws IOException {
    Random r = new Random(5);
    for (int i = 0; i < 20; i++) {
      byte[] b = new byte[1 + r.nextInt(4096)];
      r.nextBytes(b);
      Path p = write("garbage-" + i + ".pb", b);
      fails(() -> TfImporter.load(p, opts()), p.getFileName().toString());
    }
    Path text = write("model.pbtxt", "node { name: \"x\" op: \"Placeholder\" }\n".getBytes());
    fails(() -> TfImporter.load(text, opts()), "model.pbtxt");
  }

  @Test
  void emptyFile() throws IOException {
    Path p = write("empty.pb", new byte[0]);
    fails(() -> TfImporter.load(p, opts()), "empty.pb", "no nodes");
  }

  @Test
  void missingFileAndDirectory() {
    Path p = dir.resolve("nowhere").resolve("model.pb");
    fails(() -> TfImporter.load(p, opts()), p.toString(), "does not exist");
    fails(() -> TfImporter.load(dir, opts()), dir.toString());
  }

  private static Operand<TFloat32> ph(Ops tf, String name, long... dims) {
    return tf.withName(name).placeholder(TFloat32.class, Placeholder.shape(org.tensorflow.ndarray.Shape.of(dims)));
  }

  @Test
  void unsupportedOpNamesTypeAndNode() throws IOException {
    GraphDef def;
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = ph(tf, "x", 1, 4);
      Operand<TFloat32> e = tf.withName("gelu_erf").math.erf(x);
      tf.withName("out").math.add(tf.math.sin(e), x);
      def = g.toGraphDef();
    }
    String m = fails(() -> TfImporter.fromGraphDef(def, opts().withOutputs(List.of("out"))), "Erf", "'gelu_erf'");
    assertTrue(m.contains("supported ops"), m);
    // with outputs inferred, too; and from a file, which adds its name
    fails(() -> TfImporter.fromGraphDef(def, opts()), "Erf", "gelu_erf");
    Path p = write("erf.pb", def.toByteArray());
    fails(() -> TfImporter.load(p, opts()), "erf.pb", "Erf", "gelu_erf");
  }

  @Test
  void contradictingInputShape() {
    GraphDef def;
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      Ops tf = Ops.create(g);
      tf.withName("out").nn.relu(ph(tf, "image", 1, 28, 28, 1));
      def = g.toGraphDef();
    }
    ImportOptions o = opts().withOutputs(List.of("out"));
    fails(() -> TfImporter.fromGraphDef(def, o.withInputShape("image", Shape.of(1, 28, 27, 1))), "Placeholder", "'image'", "expects");
    fails(() -> TfImporter.fromGraphDef(def, o.withInputShape("image", Shape.of(1, 784))), "'image'", "rank");
    // a batch override is fine
    TfImporter.fromGraphDef(def, o.withInputShape("image", Shape.of(8, 28, 28, 1)));
  }

  @Test
  void nanAndInfinityInWeights() {
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
      GraphDef def;
      try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
        Ops tf = Ops.create(g);
        Operand<TFloat32> w = tf.withSubScope("dense").withName("kernel").constant(new float[][] {{1f, 2f}, {bad, 0.5f}});
        tf.withName("out").linalg.matMul(ph(tf, "x", 1, 2), w);
        def = g.toGraphDef();
      }
      fails(() -> TfImporter.fromGraphDef(def, opts().withOutputs(List.of("out"))), "'dense/kernel'", "NaN");
    }
  }

  // ---- hand-made GraphDefs (structures TensorFlow would refuse to build) ----

  private static NodeDef node(String name, String op, String... inputs) {
    NodeDef.Builder n = NodeDef.newBuilder().setName(name).setOp(op).addAllInput(List.of(inputs));
    n.putAttr("T", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build());
    return n.build();
  }

  private static NodeDef placeholder(String name, int... dims) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (int d : dims) s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    return NodeDef.newBuilder().setName(name).setOp("Placeholder")
        .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build())
        .putAttr("shape", AttrValue.newBuilder().setShape(s).build()).build();
  }

  private static NodeDef ints(String name, int... v) {
    TensorProto.Builder t = TensorProto.newBuilder().setDtype(DataType.DT_INT32)
        .setTensorShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(v.length)));
    for (int x : v) t.addIntVal(x);
    return NodeDef.newBuilder().setName(name).setOp("Const").putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_INT32).build())
        .putAttr("value", AttrValue.newBuilder().setTensor(t).build()).build();
  }

  private static GraphDef graph(NodeDef... nodes) {
    return GraphDef.newBuilder().addAllNode(List.of(nodes)).build();
  }

  @Test
  void cyclesAndDanglingReferences() {
    GraphDef cycle = graph(placeholder("x", 1, 4), node("a", "AddV2", "x", "b"), node("b", "Relu", "a"), node("out", "Relu", "b"));
    fails(() -> TfImporter.fromGraphDef(cycle, opts().withOutputs(List.of("out"))), "cycle");
    GraphDef self = graph(placeholder("x", 1, 4), node("loop", "AddV2", "x", "loop"));
    fails(() -> TfImporter.fromGraphDef(self, opts().withOutputs(List.of("loop"))), "cycle", "loop");
    GraphDef dangling = graph(placeholder("x", 1, 4), node("out", "AddV2", "x", "missing_bias"));
    fails(() -> TfImporter.fromGraphDef(dangling, opts().withOutputs(List.of("out"))), "missing_bias");
    GraphDef badIndex = graph(placeholder("x", 1, 4), node("out", "Relu", "x:3"));
    fails(() -> TfImporter.fromGraphDef(badIndex, opts().withOutputs(List.of("out"))), "x:3");
    fails(() -> TfImporter.fromGraphDef(dangling, opts().withOutputs(List.of("nope"))), "nope");
    GraphDef dup = graph(placeholder("x", 1, 4), node("x", "Relu", "x"));
    fails(() -> TfImporter.fromGraphDef(dup, opts()), "'x'");
  }

  @Test
  void malformedAttributesAndConstantsNameTheNode() {
    ImportOptions o = opts().withOutputs(List.of("out"));
    // a reshape to a negative size other than -1
    fails(() -> TfImporter.fromGraphDef(graph(placeholder("x", 2, 4), ints("s", -2, -4), node("out", "Reshape", "x", "s")), o), "Reshape", "'out'");
    // slice bounds for the wrong rank
    fails(() -> TfImporter.fromGraphDef(graph(placeholder("x", 2, 4), ints("b", 0), ints("n", 1), node("out", "Slice", "x", "b", "n")), o), "Slice", "'out'");
    // strided slice specs shorter than one another
    fails(() -> TfImporter.fromGraphDef(graph(placeholder("x", 2, 4), ints("b", 0, 0), ints("e", 1), ints("s", 1, 1),
        node("out", "StridedSlice", "x", "b", "e", "s")), o), "StridedSlice", "'out'");
    // a concat axis that is not a scalar
    fails(() -> TfImporter.fromGraphDef(graph(placeholder("x", 2, 4), ints("axis", 0, 1), node("out", "ConcatV2", "x", "x", "axis")), o),
        "ConcatV2", "'out'");
    // a convolution whose window is larger than the input
    NodeDef w = NodeDef.newBuilder().setName("w").setOp("Const").putAttr("value", AttrValue.newBuilder().setTensor(TensorProto.newBuilder()
        .setDtype(DataType.DT_FLOAT).setTensorShape(TensorShapeProto.newBuilder().addDim(dim(5)).addDim(dim(5)).addDim(dim(1)).addDim(dim(1)))
        .addFloatVal(1f)).build()).build();
    NodeDef conv = node("out", "Conv2D", "x", "w").toBuilder()
        .putAttr("padding", AttrValue.newBuilder().setS(com.google.protobuf.ByteString.copyFromUtf8("VALID")).build()).build();
    fails(() -> TfImporter.fromGraphDef(graph(placeholder("x", 1, 3, 3, 1), w, conv), o), "Conv2D", "'out'");
    // a constant whose bytes do not match its shape
    NodeDef corrupt = NodeDef.newBuilder().setName("w").setOp("Const").putAttr("value", AttrValue.newBuilder().setTensor(TensorProto.newBuilder()
        .setDtype(DataType.DT_FLOAT).setTensorShape(TensorShapeProto.newBuilder().addDim(dim(4)))
        .setTensorContent(com.google.protobuf.ByteString.copyFrom(new byte[10]))).build()).build();
    fails(() -> TfImporter.fromGraphDef(graph(placeholder("x", 4), corrupt, node("out", "AddV2", "x", "w")), o), "'w'");
    // a string constant
    NodeDef str = NodeDef.newBuilder().setName("label").setOp("Const").putAttr("value", AttrValue.newBuilder().setTensor(TensorProto.newBuilder()
        .setDtype(DataType.DT_STRING).addStringVal(com.google.protobuf.ByteString.copyFromUtf8("hi"))).build()).build();
    fails(() -> TfImporter.fromGraphDef(graph(placeholder("x", 1), str, node("out", "AddV2", "x", "label")), o), "'label'");
    // an integer model input
    NodeDef intInput = placeholder("ids", 1, 4).toBuilder().putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_INT32).build()).build();
    fails(() -> TfImporter.fromGraphDef(graph(intInput, node("out", "Relu", "ids")), o), "'ids'");
  }

  private static TensorShapeProto.Dim dim(int n) {
    return TensorShapeProto.Dim.newBuilder().setSize(n).build();
  }
}
