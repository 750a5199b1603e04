package io.musketeer.importer.tf;

import static io.musketeer.importer.tf.TfOracle.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.importer.ModelImportException;
import io.musketeer.importer.tf.SavedModels.Weight;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.StridedSlice;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * SavedModels written by TensorFlow Java in the forms Keras/TF2 and TF1 exporters produce, imported and
 * compared with what TensorFlow computed on the same input: float within 1e-4, fixed point (scale 16)
 * within 2e-3, as the op tests.
 */
class SavedModelImporterTest {
  static final int SCALE = 16;

  @TempDir Path dir;
  private final SplittableRandom rng = new SplittableRandom(20261201);

  private Weight weight(String layer, String name, double sd, int... dims) {
    return new Weight(layer, name, TfOracle.gaussian(rng, sd, dims));
  }

  private static Operand<TFloat32> dense(Ops tf, Operand<TFloat32> x, Map<String, Operand<TFloat32>> w, String layer) {
    return tf.nn.biasAdd(tf.linalg.matMul(x, w.get(layer + "/kernel")), w.get(layer + "/bias"));
  }

  /** Keras Sequential([Dense(16, relu), Dense(5, softmax)]) on 20 features. */
  private List<Weight> mlpWeights() {
    return List.of(weight("dense", "kernel", 0.3, 20, 16), weight("dense", "bias", 0.1, 16),
        weight("dense_1", "kernel", 0.3, 16, 5), weight("dense_1", "bias", 0.1, 5));
  }

  private static Operand<TFloat32> mlp(Ops tf, Operand<TFloat32> x, Map<String, Operand<TFloat32>> w) {
    return tf.nn.softmax(dense(tf, tf.nn.relu(dense(tf, x, w, "dense")), w, "dense_1"));
  }

  /** Imports with the batch of {@code probe}, checks float and fixed point against TensorFlow's output. */
  private Graph checkAgainstTf(Path model, String signature, FloatTensor probe, FloatTensor tf) {
    Graph g = SavedModelImporter.load(model, signature, ImportOptions.defaults().withBatchSize(probe.shape().dim(0)));
    String input = ((Op.Input) g.node(g.inputs()[0]).op()).name();
    Map<String, FloatTensor> feed = Map.of(input, probe);
    assertClose("float", tf, FloatInterpreter.run(g, feed).get(0), 1e-4);
    assertClose("fixed point", tf, FixedPointInterpreter.run(Compiler.compile(g, SCALE), feed).get(0), 2e-3);
    return g;
  }

  /** The probe given to the last Keras MLP exported, and TensorFlow's output on it. */
  private FloatTensor kerasProbe, expected;

  private Path keras(String name, SavedModels.Options options) throws IOException {
    Path path = dir.resolve(name);
    kerasProbe = TfOracle.gaussian(rng, 1, 3, 20);
    expected = SavedModels.keras(path, "dense_input", new long[] {-1, 20}, mlpWeights(), SavedModelImporterTest::mlp, "dense_1", kerasProbe, options);
    return path;
  }

  @Test
  void kerasDenseNetwork() throws IOException {
    Path model = keras("mlp", SavedModels.Options.defaults());
    Graph g = checkAgainstTf(model, "serving_default", kerasProbe, expected);
    Op.Input in = (Op.Input) g.node(g.inputs()[0]).op();
    assertEquals("dense_input", in.name(), "inputs are named after the signature's keys");
    assertEquals(Shape.of(3, 20), in.shape());
    // the call structure TF2 writes, which the importer had to see through
    var meta = org.tensorflow.proto.SavedModel.parseFrom(Files.readAllBytes(model.resolve("saved_model.pb"))).getMetaGraphs(0);
    assertTrue(meta.getGraphDef().getNodeList().stream().anyMatch(n -> n.getOp().equals("StatefulPartitionedCall")));
    assertTrue(meta.getGraphDef().getLibrary().getFunctionCount() >= 2, "signature wrapper and model function");
    assertTrue(meta.getGraphDef().getLibrary().getFunctionList().stream()
        .anyMatch(f -> f.getNodeDefList().stream().anyMatch(n -> n.getOp().equals("StatefulPartitionedCall"))), "a nested call");
  }

  @Test
  void kerasCheckpointKeysComeFromTheObjectGraphs() throws IOException {
    Path model = keras("mlp", SavedModels.Options.defaults());
    TensorBundle b = TensorBundle.open(model.resolve("variables/variables"), "variables");
    assertTrue(b.contains("layer_with_weights-1/bias/.ATTRIBUTES/VARIABLE_VALUE"), "Keras' object-based keys: " + b.keys());
    assertFalse(b.contains("dense_1/bias"), "no key equals a variable name");
    SavedModelImporter.Frozen f = SavedModelImporter.freeze(model, "serving_default");
    assertEquals(List.of("dense_input"), f.inputs());
    assertEquals(List.of("dense_1"), f.outputKeys());
    assertTrue(f.graph().getNodeList().stream().noneMatch(n -> CheckpointVariables.VARIABLE_OPS.contains(n.getOp())
        || FunctionInliner.CALL_OPS.contains(n.getOp()) || n.getOp().equals("ReadVariableOp")), "plain frozen graph");
  }

  @Test
  void kerasWithoutObjectGraphUsesSharedNames() throws IOException {
    Path model = keras("plain", SavedModels.Options.defaults().withObjectGraph(false).withStatefulCalls(false));
    checkAgainstTf(model, "serving_default", kerasProbe, expected);
  }

  @Test
  void shardedCheckpoint() throws IOException {
    Path model = keras("sharded", SavedModels.Options.defaults().withShards(2));
    assertTrue(Files.exists(model.resolve("variables/variables.data-00001-of-00002")), "two data shards");
    checkAgainstTf(model, "serving_default", kerasProbe, expected);
  }

  @Test
  void kerasConvNetworkWithRescalingAndBatchNorm() throws IOException {
    List<Weight> w = List.of(weight("conv2d", "kernel", 0.3, 3, 3, 2, 4), weight("conv2d", "bias", 0.1, 4),
        new Weight("batch_normalization", "gamma", positive(4, 0.5, 1.5)), weight("batch_normalization", "beta", 0.1, 4),
        weight("batch_normalization", "moving_mean", 0.1, 4), new Weight("batch_normalization", "moving_variance", positive(4, 0.5, 2)),
        weight("dense", "kernel", 0.2, 4 * 4 * 4, 6), weight("dense", "bias", 0.1, 6));
    SavedModels.Body body = (tf, x, v) -> {
      // Rescaling(1/255, offset -0.5): the preprocessing Keras puts before the network, as Mul and Add
      Operand<TFloat32> r = tf.math.add(tf.math.mul(x, tf.constant(1f / 255)), tf.constant(-0.5f));
      Operand<TFloat32> c = tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(r, v.get("conv2d/kernel"), List.of(1L, 1L, 1L, 1L), "SAME",
          Conv2d.dataFormat("NHWC")), v.get("conv2d/bias")));
      Operand<TFloat32> bn = tf.nn.fusedBatchNorm(c, v.get("batch_normalization/gamma"), v.get("batch_normalization/beta"),
          v.get("batch_normalization/moving_mean"), v.get("batch_normalization/moving_variance"), FusedBatchNorm.isTraining(false),
          FusedBatchNorm.epsilon(0.001f)).y();
      Operand<TFloat32> p = tf.nn.maxPool(bn, tf.constant(new int[] {1, 2, 2, 1}), tf.constant(new int[] {1, 2, 2, 1}), "VALID");
      // Keras' Flatten with a dynamic batch: reshape to [shape(x)[0], -1]
      Operand<TInt32> batch = tf.stridedSlice(tf.shape(p), tf.constant(new int[] {0}), tf.constant(new int[] {1}), tf.constant(new int[] {1}),
          StridedSlice.shrinkAxisMask(1L));
      Operand<TFloat32> flat = tf.reshape(p, tf.stack(List.of(batch, tf.constant(-1))));
      return tf.nn.softmax(dense(tf, flat, v, "dense"));
    };
    FloatTensor probe = uniform(2, 8, 8, 2, 0, 255);
    FloatTensor tf = SavedModels.keras(dir.resolve("cnn"), "image", new long[] {-1, 8, 8, 2}, w, body, "dense", probe, SavedModels.Options.defaults());
    Graph g = checkAgainstTf(dir.resolve("cnn"), "serving_default", probe, tf);
    assertTrue(g.nodes().stream().map(Node::op).anyMatch(o -> o instanceof Op.Conv2D));
  }

  /** Keras' Dense on a [batch, steps, features] input: tf.tensordot's reshape to 2-D, matmul and reshape back, sized by a gather of the shape. */
  private static Operand<TFloat32> tensordot(Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernel, int units) {
    Operand<TInt32> shape = tf.shape(x);
    Operand<TInt32> free = tf.gather(shape, tf.constant(new int[] {0, 1}), tf.constant(0));
    Operand<TInt32> rows = tf.prod(free, tf.constant(new int[] {0}));
    Operand<TFloat32> flat = tf.reshape(x, tf.stack(List.of(rows, tf.gather(shape, tf.constant(2), tf.constant(0)))));
    return tf.reshape(tf.linalg.matMul(flat, kernel), tf.concat(List.of(free, tf.constant(new int[] {units})), tf.constant(0)));
  }

  @Test
  void kerasDenseOnSequences() throws IOException {
    SavedModels.Body body = (tf, x, w) -> {
      Operand<TFloat32> h = tf.nn.relu(tf.math.add(tensordot(tf, x, w.get("dense/kernel"), 16), w.get("dense/bias")));
      return tf.nn.softmax(tf.math.add(tensordot(tf, h, w.get("dense_1/kernel"), 5), w.get("dense_1/bias")));
    };
    FloatTensor probe = TfOracle.gaussian(rng, 1, 2, 3, 20);
    FloatTensor tf = SavedModels.keras(dir.resolve("seq"), "tokens", new long[] {-1, 3, 20}, mlpWeights(), body, "dense_1", probe, SavedModels.Options.defaults());
    checkAgainstTf(dir.resolve("seq"), "serving_default", probe, tf);
  }

  /** Keras 3's Dense on a [batch, steps, features] input: a BatchMatMulV3 by the kernel. */
  @Test
  void keras3DenseOnSequences() throws IOException {
    SavedModels.Body body = (tf, x, w) -> {
      Operand<TFloat32> h = tf.nn.relu(tf.math.add(tf.train.batchMatMul(x, w.get("dense/kernel"), TFloat32.class), w.get("dense/bias")));
      return tf.math.add(tf.train.batchMatMul(h, w.get("dense_1/kernel"), TFloat32.class), w.get("dense_1/bias"));
    };
    FloatTensor probe = TfOracle.gaussian(rng, 1, 2, 3, 20);
    FloatTensor tf = SavedModels.keras(dir.resolve("seq3"), "tokens", new long[] {-1, 3, 20}, mlpWeights(), body, "dense_1", probe, SavedModels.Options.defaults());
    checkAgainstTf(dir.resolve("seq3"), "serving_default", probe, tf);
  }

  @Test
  void tf1DenseNetwork() throws IOException {
    FloatTensor probe = TfOracle.gaussian(rng, 1, 4, 20);
    FloatTensor tf = SavedModels.tf1(dir.resolve("tf1"), "x", new long[] {-1, 20}, mlpWeights(), SavedModelImporterTest::mlp, "probabilities", probe);
    checkAgainstTf(dir.resolve("tf1"), "serving_default", probe, tf);
  }

  /**
   * A TF1 Saver that restores variables from other keys (as for moving averages): TensorFlow's loader runs
   * the SaverDef's restore op, so 'dense/kernel' comes from 'dense/kernel/ExponentialMovingAverage'; the
   * checkpoint also holds zeros under the variables' own names, which a name lookup would take.
   */
  @Test
  void tf1SaverThatRestoresFromOtherKeys() throws IOException {
    Path model = dir.resolve("ema");
    List<Weight> weights = mlpWeights();
    FloatTensor probe = TfOracle.gaussian(rng, 1, 2, 20), expected;
    try (org.tensorflow.Graph g = new org.tensorflow.Graph(); org.tensorflow.Session s = new org.tensorflow.Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, org.tensorflow.op.core.Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, 20)));
      Map<String, Operand<TFloat32>> v = new java.util.LinkedHashMap<>();
      for (Weight w : weights) v.put(w.path(), tf.withSubScope(w.layer()).withName(w.name()).variable(SavedModels.constant(tf, w.value())));
      Operand<TFloat32> y = tf.withName("y").identity(mlp(tf, x, v));
      var file = tf.withName("restore_file").placeholder(org.tensorflow.types.TString.class,
          org.tensorflow.op.core.Placeholder.shape(org.tensorflow.ndarray.Shape.scalar()));
      List<String> averages = weights.stream().map(w -> w.path() + "/ExponentialMovingAverage").toList();
      List<Class<? extends org.tensorflow.types.family.TType>> types = weights.stream().<Class<? extends org.tensorflow.types.family.TType>>map(w -> TFloat32.class).toList();
      var restored = tf.train.restore(file, SavedModels.strings(tf, averages), SavedModels.strings(tf, averages.stream().map(a -> "").toList()), types);
      List<org.tensorflow.op.Op> assigns = new java.util.ArrayList<>();
      int i = 0;
      for (Operand<TFloat32> var : v.values()) assigns.add(tf.assign(var, (Operand<TFloat32>) (Operand<?>) restored.tensors().get(i++)));
      tf.withName("restore_averages").withControlDependencies(assigns).noOp();
      s.initialize();
      try (TFloat32 in = TFloat32.tensorOf(TfOracle.tfShape(probe.shape()), org.tensorflow.ndarray.buffer.DataBuffers.of(probe.data()));
          var r = s.runner().feed(x, in).fetch(y).run()) {
        expected = TfOracle.toFloat(r.get(0));
      }
      org.tensorflow.SavedModelBundle.exporter(model.toString()).withSession(s)
          .withSignature(org.tensorflow.Signature.builder().key("serving_default").input("x", x).output("y", y).build()).export();
      List<String> names = new java.util.ArrayList<>();
      List<Operand<?>> tensors = new java.util.ArrayList<>();
      for (Weight w : weights) {
        names.add(w.path());
        tensors.add(SavedModels.constant(tf, FloatTensor.zeros(w.value().shape())));
        names.add(w.path() + "/ExponentialMovingAverage");
        tensors.add(SavedModels.constant(tf, w.value()));
      }
      s.run(tf.train.save(tf.constant(model.resolve("variables/variables").toString()), SavedModels.strings(tf, names),
          SavedModels.strings(tf, names.stream().map(n -> "").toList()), tensors));
    }
    Path pb = model.resolve("saved_model.pb");
    var proto = org.tensorflow.proto.SavedModel.parseFrom(Files.readAllBytes(pb)).toBuilder();
    proto.getMetaGraphsBuilder(0).setSaverDef(org.tensorflow.proto.SaverDef.newBuilder().setFilenameTensorName("restore_file:0")
        .setRestoreOpName("restore_averages").setVersion(org.tensorflow.proto.SaverDef.CheckpointFormatVersion.V2));
    Files.write(pb, proto.build().toByteArray());
    SavedModels.assertServedAlike(model, "x", probe, expected);
    assertEquals("dense/kernel/ExponentialMovingAverage", CheckpointVariables.restoreKeys(proto.getMetaGraphs(0)).get("dense/kernel"));
    checkAgainstTf(model, "serving_default", probe, expected);
  }

  @Test
  void textFormatSavedModel() throws IOException {
    Path model = keras("text", SavedModels.Options.defaults());
    var proto = org.tensorflow.proto.SavedModel.parseFrom(Files.readAllBytes(model.resolve("saved_model.pb")));
    Files.writeString(model.resolve("saved_model.pbtxt"), com.google.protobuf.TextFormat.printer().printToString(proto));
    Files.delete(model.resolve("saved_model.pb"));
    checkAgainstTf(model, "serving_default", kerasProbe, expected);
  }

  @Test
  void resizeOnTheInputIsRefusedWithAdvice() throws IOException {
    SavedModels.Body body = (tf, x, v) -> mlp(tf, tf.reshape(tf.image.resizeBilinear(x, tf.constant(new int[] {4, 5})), tf.constant(new int[] {-1, 20})), v);
    SavedModels.keras(dir.resolve("resize"), "image", new long[] {-1, 8, 8, 1}, mlpWeights(), body, "dense_1", TfOracle.gaussian(rng, 1, 1, 8, 8, 1),
        SavedModels.Options.defaults());
    fails(() -> SavedModelImporter.load(dir.resolve("resize"), "serving_default", ImportOptions.defaults()),
        "ResizeBilinear", "export the model without that layer");
  }

  /** A resize after learned layers (Keras UpSampling2D) is part of the network: an unsupported op, not preprocessing to drop. */
  @Test
  void resizeInsideTheNetworkIsAnUnsupportedOp() throws IOException {
    SavedModels.Body body = (tf, x, v) -> {
      Operand<TFloat32> h = tf.reshape(dense(tf, tf.reshape(x, tf.constant(new int[] {-1, 20})), v, "dense"), tf.constant(new int[] {-1, 4, 4, 1}));
      return tf.image.resizeNearestNeighbor(h, tf.constant(new int[] {8, 8}));
    };
    SavedModels.keras(dir.resolve("upsample"), "x", new long[] {-1, 20}, mlpWeights().subList(0, 2), body, "y", TfOracle.gaussian(rng, 1, 1, 20),
        SavedModels.Options.defaults());
    String m = fails(() -> SavedModelImporter.load(dir.resolve("upsample"), "serving_default", ImportOptions.defaults()),
        "unsupported TensorFlow op ResizeNearestNeighbor");
    assertFalse(m.contains("preprocesses"), m);
  }

  @Test
  void outputsAreChosenBySignatureKey() throws IOException {
    Path model = keras("mlp", SavedModels.Options.defaults());
    Graph g = SavedModelImporter.load(model, "serving_default", ImportOptions.defaults().withOutputs(List.of("dense_1")));
    assertEquals(1, g.outputs().length);
    fails(() -> SavedModelImporter.load(model, "serving_default", ImportOptions.defaults().withOutputs(List.of("logits"))),
        "no output 'logits'", "dense_1");
  }

  @Test
  void uint8InputCastToFloat() throws IOException {
    FloatTensor w = TfOracle.gaussian(rng, 0.5, 6, 3);
    FloatTensor probe = uniform(2, 6, 0, 256);
    FloatTensor expected;
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      Ops tf = Ops.create(g);
      var x = tf.withName("pixels").placeholder(org.tensorflow.types.TUint8.class,
          org.tensorflow.op.core.Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, 6)));
      Operand<TFloat32> scaled = tf.math.mul(tf.dtypes.cast(x, TFloat32.class), tf.constant(1f / 255));
      Operand<TFloat32> y = tf.withName("y").linalg.matMul(scaled, tf.withName("kernel").variable(SavedModels.constant(tf, w)));
      try (org.tensorflow.Session s = new org.tensorflow.Session(g)) {
        s.initialize();
        byte[] bytes = new byte[probe.size()];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) probe.data()[i];
        try (var in = org.tensorflow.types.TUint8.tensorOf(TfOracle.tfShape(probe.shape()), org.tensorflow.ndarray.buffer.DataBuffers.of(bytes));
            var r = s.runner().feed(x, in).fetch(y).run()) {
          expected = TfOracle.toFloat(r.get(0));
        }
        org.tensorflow.SavedModelBundle.exporter(dir.resolve("u8").toString()).withSession(s)
            .withSignature(org.tensorflow.Signature.builder().key("serving_default").input("pixels", x).output("y", y).build()).export();
      }
    }
    Graph g = checkAgainstTf(dir.resolve("u8"), "serving_default", probe, expected);
    assertEquals("pixels", ((Op.Input) g.node(g.inputs()[0]).op()).name());
  }

  @Test
  void signatureIsChosenByName() throws IOException {
    FloatTensor probe = TfOracle.gaussian(rng, 1, 2, 20);
    FloatTensor logits, probabilities;
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      Ops tf = Ops.create(g);
      Map<String, Operand<TFloat32>> v = new java.util.LinkedHashMap<>();
      for (Weight w : mlpWeights()) v.put(w.path(), tf.withSubScope(w.layer()).withName(w.name()).variable(SavedModels.constant(tf, w.value())));
      Operand<TFloat32> x = tf.withName("features").placeholder(TFloat32.class,
          org.tensorflow.op.core.Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, 20)));
      Operand<TFloat32> z = tf.withName("logits").identity(dense(tf, tf.nn.relu(dense(tf, x, v, "dense")), v, "dense_1"));
      Operand<TFloat32> p = tf.withName("probabilities").nn.softmax(z);
      try (org.tensorflow.Session s = new org.tensorflow.Session(g)) {
        s.initialize();
        try (TFloat32 in = TFloat32.tensorOf(TfOracle.tfShape(probe.shape()), org.tensorflow.ndarray.buffer.DataBuffers.of(probe.data()));
            var r = s.runner().feed(x, in).fetch(z).fetch(p).run()) {
          logits = TfOracle.toFloat(r.get(0));
          probabilities = TfOracle.toFloat(r.get(1));
        }
        org.tensorflow.SavedModelBundle.exporter(dir.resolve("two").toString()).withSession(s).withSignatures(
            org.tensorflow.Signature.builder().key("serving_default").input("x", x).output("probabilities", p).build(),
            org.tensorflow.Signature.builder().key("logits").input("x", x).output("scores", z).build()).export();
      }
    }
    checkAgainstTf(dir.resolve("two"), "serving_default", probe, probabilities);
    checkAgainstTf(dir.resolve("two"), "logits", probe, logits);
    fails(() -> SavedModelImporter.load(dir.resolve("two"), "predict", ImportOptions.defaults()), "it has logits, serving_default");
  }

  // --- bad inputs: one clear line each

  private static String fails(Executable e, String... fragments) {
    ModelImportException ex = assertThrows(ModelImportException.class, e);
    String m = ex.getMessage();
    assertFalse(m == null || m.isBlank(), "empty message");
    assertFalse(m.contains("\n"), "message is not one line: " + m);
    for (String f : fragments) assertTrue(m.contains(f), "message does not mention '" + f + "': " + m);
    System.out.println("SavedModelImporterTest: " + m);
    return m;
  }

  @Test
  void missingSignatureNamesTheOnesThere() throws IOException {
    Path model = keras("mlp", SavedModels.Options.defaults());
    fails(() -> SavedModelImporter.load(model, "predict", ImportOptions.defaults()), "no signature 'predict'", "serving_default", "--signature");
  }

  @Test
  void directoryThatIsNotASavedModel() throws IOException {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    assertFalse(SavedModelImporter.isSavedModel(empty));
    fails(() -> SavedModelImporter.load(empty, "serving_default", ImportOptions.defaults()), "not a TensorFlow SavedModel", "saved_model.pb");
    Path garbage = Files.createDirectories(dir.resolve("garbage"));
    Files.write(garbage.resolve("saved_model.pb"), new byte[] {(byte) 0xff, 0x12, 0x34, 0x56});
    fails(() -> SavedModelImporter.load(garbage, "serving_default", ImportOptions.defaults()), "not a SavedModel", "corrupt");
  }

  @Test
  void missingVariablesBundle() throws IOException {
    Path model = keras("mlp", SavedModels.Options.defaults());
    Files.delete(model.resolve("variables/variables.index"));
    fails(() -> SavedModelImporter.load(model, "serving_default", ImportOptions.defaults()), "variables.index is missing");
    Path other = keras("other", SavedModels.Options.defaults());
    Files.delete(other.resolve("variables/variables.data-00000-of-00001"));
    fails(() -> SavedModelImporter.load(other, "serving_default", ImportOptions.defaults()), "variables.data-00000-of-00001 is missing");
  }

  @Test
  void corruptVariablesBundle() throws IOException {
    Path model = keras("index", SavedModels.Options.defaults());
    flipByte(model.resolve("variables/variables.index"), 20);
    fails(() -> SavedModelImporter.load(model, "serving_default", ImportOptions.defaults()), "variables.index is corrupt");
    Path data = keras("data", SavedModels.Options.defaults());
    flipByte(data.resolve("variables/variables.data-00000-of-00001"), 100);
    fails(() -> SavedModelImporter.load(data, "serving_default", ImportOptions.defaults()), "is corrupt", "checksum");
    Path truncated = keras("truncated", SavedModels.Options.defaults());
    Path shard = truncated.resolve("variables/variables.data-00000-of-00001");
    Files.write(shard, java.util.Arrays.copyOf(Files.readAllBytes(shard), 64));
    fails(() -> SavedModelImporter.load(truncated, "serving_default", ImportOptions.defaults()), "truncated");
  }

  @Test
  void missingVariable() throws IOException {
    FloatTensor probe = TfOracle.gaussian(rng, 1, 1, 20);
    SavedModels.tf1(dir.resolve("full"), "x", new long[] {-1, 20}, mlpWeights(), SavedModelImporterTest::mlp, "y", probe);
    List<Weight> fewer = mlpWeights().subList(0, 2);
    SavedModels.tf1(dir.resolve("part"), "x", new long[] {-1, 20}, fewer, (tf, x, v) -> dense(tf, x, v, "dense"), "y", probe);
    for (String f : List.of("variables.index", "variables.data-00000-of-00001")) {
      Files.copy(dir.resolve("part/variables").resolve(f), dir.resolve("full/variables").resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    fails(() -> SavedModelImporter.load(dir.resolve("full"), "serving_default", ImportOptions.defaults()),
        "variable 'dense_1/kernel' is not in", "does not belong to this model");
  }

  /** Damaged saved_model.pb files: whatever parses must import or fail as an import error, never crash. */
  @Test
  void damagedSavedModelsFailCleanly() throws IOException {
    Path model = keras("fuzz", SavedModels.Options.defaults());
    byte[] good = Files.readAllBytes(model.resolve("saved_model.pb"));
    SplittableRandom r = new SplittableRandom(99);
    int imported = 0, refused = 0;
    for (int round = 0; round < 300; round++) {
      byte[] bad = good.clone();
      for (int k = 0; k < 1 + r.nextInt(4); k++) bad[r.nextInt(bad.length)] = (byte) r.nextInt(256);
      Files.write(model.resolve("saved_model.pb"), bad);
      try {
        SavedModelImporter.load(model, "serving_default", ImportOptions.defaults());
        imported++;
      } catch (ModelImportException e) {
        assertFalse(e.getMessage() == null || e.getMessage().isBlank()); // names read from the damaged file may hold anything; the CLI prints one line
        refused++;
      }
    }
    System.out.println("SavedModelImporterTest: 300 damaged saved_model.pb: " + refused + " refused, " + imported + " still imported");
  }

  private static void flipByte(Path file, int at) throws IOException {
    byte[] b = Files.readAllBytes(file);
    b[at] ^= 0x5a;
    Files.write(file, b);
  }

  private FloatTensor positive(int n, double lo, double hi) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) rng.nextDouble(lo, hi);
    return new FloatTensor(Shape.of(n), v);
  }

  private FloatTensor uniform(int... dimsThenRange) {
    int[] dims = java.util.Arrays.copyOf(dimsThenRange, dimsThenRange.length - 2);
    Shape s = new Shape(dims);
    float[] v = new float[s.size()];
    for (int i = 0; i < v.length; i++) v[i] = (float) Math.floor(rng.nextDouble(dimsThenRange[dims.length], dimsThenRange[dims.length + 1]));
    return new FloatTensor(s, v);
  }
}
