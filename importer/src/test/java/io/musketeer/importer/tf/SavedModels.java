package io.musketeer.importer.tf;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedBareConcreteFunction;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedConcreteFunction;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedObject;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedObjectGraph;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedUserObject;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedVariable;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph.TrackableObject;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph.TrackableObject.ObjectReference;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph.TrackableObject.SerializedTensor;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

/**
 * Writes SavedModels with TensorFlow Java, in the forms real exporters produce, and returns what
 * TensorFlow itself computes on a probe input (the oracle). Each is checked to be a valid SavedModel:
 * TensorFlow's own loader ({@link SavedModelBundle#load}, as TF Serving) restores it and computes the
 * same output.
 *
 * <ul>
 *   <li>{@link #keras}: TF2 / Keras ({@code tf.saved_model.save}, {@code model.save}): the serving
 *       signature is a {@code StatefulPartitionedCall} of a signature wrapper that calls the model's
 *       function, both in the function library; variables are {@code VarHandleOp}s captured by the calls
 *       and read with {@code ReadVariableOp} inside; the checkpoint uses Keras' object-based keys
 *       ({@code layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE}) with its own object graph, tied
 *       to the functions through the SavedObjectGraph's {@code bound_inputs}.
 *   <li>{@link #tf1}: TF1 ({@code SavedModelBuilder}, TF Java's exporter): {@code VariableV2} nodes in the
 *       MetaGraph, checkpoint keyed by variable name, signature of tensor names.
 * </ul>
 */
public final class SavedModels {
  private SavedModels() {}

  /** A variable of a layer ({@code dense}, {@code kernel}) with its value. */
  public record Weight(String layer, String name, FloatTensor value) {
    String path() {
      return layer + "/" + name;
    }
  }

  /** The network: computes the output from the input and the variables' values (read inside the function). */
  public interface Body {
    Operand<TFloat32> call(Ops tf, Operand<TFloat32> x, Map<String, Operand<TFloat32>> weights);
  }

  /** How the Keras-style checkpoint is written. */
  public record Options(int shards, boolean statefulCalls, boolean objectGraph) {
    public static Options defaults() {
      return new Options(1, true, true);
    }

    public Options withShards(int n) {
      return new Options(n, statefulCalls, objectGraph);
    }

    public Options withObjectGraph(boolean b) {
      return new Options(shards, statefulCalls, b);
    }

    public Options withStatefulCalls(boolean b) {
      return new Options(shards, b, objectGraph);
    }
  }

  /**
   * Exports a Keras-style TF2 SavedModel of {@code body} and returns TensorFlow's output on {@code probe}.
   *
   * @param inputShape the signature's input shape, -1 for the dynamic batch
   */
  public static FloatTensor keras(Path dir, String inputKey, long[] inputShape, List<Weight> weights, Body body, String outputKey,
      FloatTensor probe, Options options) throws IOException {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      org.tensorflow.ndarray.Shape shape = org.tensorflow.ndarray.Shape.of(inputShape);
      // the layer call, taking the variables as resource arguments, as tf.function captures them
      ConcreteFunction model = ConcreteFunction.create(ft -> {
        Operand<TFloat32> x = ft.withName(inputKey).placeholder(TFloat32.class, Placeholder.shape(shape));
        Signature.Builder sig = Signature.builder().input(inputKey, x);
        Map<String, Operand<TFloat32>> reads = new LinkedHashMap<>();
        for (Weight w : weights) {
          Output<?> h = resourcePlaceholder(ft, "model_" + w.layer() + "_" + w.name() + "_readvariableop_resource");
          sig.input(h.op().name(), h);
          reads.put(w.path(), ft.withSubScope(w.layer()).withName(w.name() + "_ReadVariableOp").readVariableOp(h, TFloat32.class));
        }
        return sig.output("identity", ft.withName("Identity").identity(body.call(ft, x, reads))).build();
      });
      // the signature wrapper: same arguments, one nested call
      ConcreteFunction wrapper = ConcreteFunction.create(ft -> {
        Operand<TFloat32> x = ft.withName(inputKey).placeholder(TFloat32.class, Placeholder.shape(shape));
        Signature.Builder sig = Signature.builder().input(inputKey, x);
        Map<String, Operand<?>> args = new LinkedHashMap<>();
        args.put(inputKey, x);
        for (int i = 0; i < weights.size(); i++) {
          Output<?> h = resourcePlaceholder(ft, i == 0 ? "unknown" : "unknown_" + (i - 1));
          sig.input(h.op().name(), h);
          args.put("model_" + weights.get(i).layer() + "_" + weights.get(i).name() + "_readvariableop_resource", h);
        }
        Operand<?> y = model.call(ft, args).get("identity");
        return sig.output("identity", ft.withName("Identity").identity(y)).build();
      });
      Operand<TFloat32> x = tf.withName("serving_default_" + inputKey).placeholder(TFloat32.class, Placeholder.shape(shape));
      Map<String, Operand<?>> args = new LinkedHashMap<>();
      args.put(inputKey, x);
      List<Operand<?>> handles = new ArrayList<>();
      for (int i = 0; i < weights.size(); i++) {
        Weight w = weights.get(i);
        Operand<?> v = tf.withSubScope(w.layer()).withName(w.name())
            .varHandleOp(TFloat32.class, TfOracle.tfShape(w.value().shape()), VarHandleOp.sharedName(w.path()));
        tf.withInitScope().assignVariableOp(v, constant(tf, w.value()));
        handles.add(v);
        args.put(i == 0 ? "unknown" : "unknown_" + (i - 1), v);
      }
      Operand<?> y = wrapper.call(tf, args).get("identity");
      restoreOp(tf, weights, handles, options);
      try (Session s = new Session(g)) {
        s.initialize();
        FloatTensor expected = run(s, x, probe, y);
        Signature sig = Signature.builder().key("serving_default").input(inputKey, x).output(outputKey, (Operand) y).build();
        SavedModelBundle.exporter(dir.toString()).withSession(s).withSignature(sig).export();
        writeKerasCheckpoint(tf, s, dir, weights, handles, options);
        rewriteKerasMetaGraph(dir, weights, wrapper.getDefinedName(), options);
        assertServedAlike(dir, inputKey, probe, expected);
        return expected;
      }
    }
  }

  /**
   * Exports a TF1-style SavedModel ({@code VariableV2} variables named {@code layer/name}, checkpoint keyed
   * by those names) and returns TensorFlow's output on {@code probe}.
   */
  public static FloatTensor tf1(Path dir, String inputName, long[] inputShape, List<Weight> weights, Body body, String outputName,
      FloatTensor probe) throws IOException {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.withName(inputName).placeholder(TFloat32.class, Placeholder.shape(org.tensorflow.ndarray.Shape.of(inputShape)));
      Map<String, Operand<TFloat32>> vars = new LinkedHashMap<>();
      for (Weight w : weights) vars.put(w.path(), tf.withSubScope(w.layer()).withName(w.name()).variable(constant(tf, w.value())));
      Operand<TFloat32> y = tf.withName(outputName).identity(body.call(tf, x, vars));
      try (Session s = new Session(g)) {
        s.initialize();
        FloatTensor expected = run(s, x, probe, y);
        Signature sig = Signature.builder().key("serving_default").input(inputName, x).output(outputName, y).build();
        SavedModelBundle.exporter(dir.toString()).withSession(s).withSignature(sig).export();
        assertServedAlike(dir, inputName, probe, expected);
        return expected;
      }
    }
  }

  private static final String[] MNIST_LAYERS = {"hidden1", "hidden2", "softmax_linear"};

  /**
   * The trained MNIST MLP of the frozen graph {@code pb} (784-128-32-10) as a Keras-style SavedModel at
   * {@code dir}: its constants become variables, input {@code images} [-1, 784], output {@code logits}.
   */
  public static void mnistMlp(Path pb, Path dir) throws IOException {
    List<Weight> weights = new ArrayList<>();
    try (Graph g = new Graph()) {
      g.importGraphDef(GraphDef.parseFrom(Files.readAllBytes(pb)));
      for (String layer : MNIST_LAYERS) {
        for (String name : new String[] {"weights", "biases"}) weights.add(new Weight(layer, name, TfOracle.run(g, Map.of(), layer + "/" + name)));
      }
    }
    Body body = (tf, x, w) -> {
      Operand<TFloat32> h = x;
      for (int i = 0; i < MNIST_LAYERS.length; i++) {
        h = tf.math.add(tf.linalg.matMul(h, w.get(MNIST_LAYERS[i] + "/weights")), w.get(MNIST_LAYERS[i] + "/biases"));
        if (i < MNIST_LAYERS.length - 1) h = tf.nn.relu(h);
      }
      return h;
    };
    keras(dir, "images", new long[] {-1, 784}, weights, body, "logits", FloatTensor.zeros(Shape.of(1, 784)), Options.defaults());
  }

  /** The checkpoint keys of the weights, in order. */
  private static List<String> checkpointKeys(List<Weight> weights, Options options) {
    List<String> layers = layers(weights), keys = new ArrayList<>();
    for (Weight w : weights) keys.add(options.objectGraph() ? checkpointKey(layers.indexOf(w.layer()), w.name()) : w.path());
    return keys;
  }

  /**
   * What TensorFlow's C++ loader (TF Serving, TF Java) runs to load the variables, named by the
   * MetaGraph's SaverDef: RestoreV2 of every key, assigned to the variables.
   */
  private static void restoreOp(Ops tf, List<Weight> weights, List<Operand<?>> handles, Options options) {
    Operand<TString> file = tf.withName("saver_filename").placeholder(TString.class, Placeholder.shape(org.tensorflow.ndarray.Shape.scalar()));
    List<String> keys = checkpointKeys(weights, options);
    List<Class<? extends org.tensorflow.types.family.TType>> types = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) types.add(TFloat32.class);
    var restored = tf.train.restore(file, strings(tf, keys), strings(tf, keys.stream().map(k -> "").toList()), types);
    List<org.tensorflow.op.Op> assigns = new ArrayList<>();
    for (int i = 0; i < handles.size(); i++) assigns.add(tf.assignVariableOp(handles.get(i), restored.tensors().get(i)));
    tf.withName("restore_all").withControlDependencies(assigns).noOp();
  }

  /**
   * The SavedModel as TensorFlow itself serves it ({@link SavedModelBundle#load}: restore from the
   * checkpoint, run the signature) must compute what the graph computed before export: the fixture is a
   * valid SavedModel, not just something this importer reads.
   */
  static void assertServedAlike(Path dir, String inputKey, FloatTensor probe, FloatTensor expected) {
    try (SavedModelBundle b = SavedModelBundle.load(dir.toString(), "serve");
        TFloat32 in = TFloat32.tensorOf(TfOracle.tfShape(probe.shape()), DataBuffers.of(probe.data()));
        Result r = b.function("serving_default").call(Map.of(inputKey, in))) {
      TfOracle.assertClose("TensorFlow serving " + dir.getFileName(), expected, TfOracle.toFloat(r.get(0)), 1e-6);
    }
  }

  static Output<?> resourcePlaceholder(Ops tf, String name) {
    return tf.scope().env().opBuilder("Placeholder", name, tf.scope()).setAttr("dtype", DataType.DT_RESOURCE).build().output(0);
  }

  static Operand<TFloat32> constant(Ops tf, FloatTensor t) {
    return tf.constant(TfOracle.tfShape(t.shape()), DataBuffers.of(t.data()));
  }

  private static FloatTensor run(Session s, Operand<TFloat32> x, FloatTensor probe, Operand<?> y) {
    try (TFloat32 in = TFloat32.tensorOf(TfOracle.tfShape(probe.shape()), DataBuffers.of(probe.data()));
        Result r = s.runner().feed(x, in).fetch(y).run()) {
      return TfOracle.toFloat(r.get(0));
    }
  }

  static Operand<TString> strings(Ops tf, List<String> values) {
    return tf.constant(java.nio.charset.StandardCharsets.UTF_8, values.toArray(String[]::new));
  }

  static String checkpointKey(int layer, String name) {
    return "layer_with_weights-" + layer + "/" + name + "/.ATTRIBUTES/VARIABLE_VALUE";
  }

  /** Layers in first-appearance order. */
  private static List<String> layers(List<Weight> weights) {
    List<String> layers = new ArrayList<>();
    for (Weight w : weights) if (!layers.contains(w.layer())) layers.add(w.layer());
    return layers;
  }

  /**
   * The checkpoint's object graph: root, then the weights before the layers (TensorFlow matches objects
   * by child names from the root, not by id, so the numbering differs from the SavedObjectGraph's on
   * purpose), with a second path to each variable through {@code variables/i}.
   */
  private static TrackableObjectGraph checkpointObjects(List<Weight> weights) {
    List<String> layers = layers(weights);
    int firstLayer = 1 + weights.size(), list = firstLayer + layers.size();
    TrackableObjectGraph.Builder g = TrackableObjectGraph.newBuilder();
    TrackableObject.Builder root = TrackableObject.newBuilder();
    for (int l = 0; l < layers.size(); l++) {
      root.addChildren(ref("layer_with_weights-" + l, firstLayer + l)).addChildren(ref("layer-" + l, firstLayer + l));
    }
    root.addChildren(ref("variables", list));
    g.addNodes(root);
    for (Weight w : weights) {
      int l = layers.indexOf(w.layer());
      g.addNodes(TrackableObject.newBuilder().addAttributes(SerializedTensor.newBuilder().setName("VARIABLE_VALUE").setFullName(w.path())
          .setCheckpointKey(checkpointKey(l, w.name()))));
    }
    for (String layer : layers) {
      TrackableObject.Builder b = TrackableObject.newBuilder();
      for (int i = 0; i < weights.size(); i++) if (weights.get(i).layer().equals(layer)) b.addChildren(ref(weights.get(i).name(), 1 + i));
      g.addNodes(b);
    }
    TrackableObject.Builder vars = TrackableObject.newBuilder();
    for (int i = 0; i < weights.size(); i++) vars.addChildren(ref(String.valueOf(i), 1 + i));
    g.addNodes(vars);
    return g.build();
  }

  private static ObjectReference ref(String name, int id) {
    return ObjectReference.newBuilder().setLocalName(name).setNodeId(id).build();
  }

  private static void writeKerasCheckpoint(Ops tf, Session s, Path dir, List<Weight> weights, List<Operand<?>> handles, Options options)
      throws IOException {
    Files.createDirectories(dir.resolve("variables"));
    List<List<Integer>> shards = new ArrayList<>();
    for (int k = 0; k < options.shards(); k++) shards.add(new ArrayList<>());
    for (int i = 0; i < weights.size(); i++) shards.get(i % options.shards()).add(i);
    List<String> keys = checkpointKeys(weights, options);
    List<String> prefixes = new ArrayList<>();
    for (int k = 0; k < shards.size(); k++) {
      List<String> names = new ArrayList<>();
      List<Operand<?>> tensors = new ArrayList<>();
      for (int i : shards.get(k)) {
        names.add(keys.get(i)); // without an object graph, readers fall back to the variable's shared_name
        tensors.add(tf.readVariableOp(handles.get(i), TFloat32.class));
      }
      if (k == 0 && options.objectGraph()) {
        names.add(TensorBundle.OBJECT_GRAPH_KEY);
        byte[] graph = checkpointObjects(weights).toByteArray();
        try (TString t = TString.tensorOfBytes(NdArrays.scalarOfObject(graph))) {
          tensors.add(tf.constantOf(t));
        }
      }
      String prefix = shards.size() == 1 ? dir.resolve("variables/variables").toString() : dir.resolve("variables/part-" + k).toString();
      prefixes.add(prefix);
      s.run(tf.train.save(tf.constant(prefix), strings(tf, names), strings(tf, names.stream().map(n -> "").toList()), tensors));
    }
    if (shards.size() > 1) {
      s.run(tf.train.mergeV2Checkpoints(strings(tf, prefixes), tf.constant(dir.resolve("variables/variables").toString())));
    }
  }

  /**
   * Adds the SavedObjectGraph (root with layers, variables and the signature's concrete function, whose
   * bound inputs are the variables), names the restore op in the SaverDef, and makes the calls
   * StatefulPartitionedCall, as TensorFlow does for functions that read variables.
   */
  private static void rewriteKerasMetaGraph(Path dir, List<Weight> weights, String wrapper, Options options) throws IOException {
    Path pb = dir.resolve("saved_model.pb");
    SavedModel.Builder model = SavedModel.parseFrom(Files.readAllBytes(pb)).toBuilder();
    MetaGraphDef.Builder meta = model.getMetaGraphsBuilder(0);
    GraphDef.Builder graph = meta.getGraphDefBuilder();
    if (options.statefulCalls()) {
      for (NodeDef.Builder n : graph.getNodeBuilderList()) if (n.getOp().equals("PartitionedCall")) n.setOp("StatefulPartitionedCall");
      for (FunctionDef.Builder f : graph.getLibraryBuilder().getFunctionBuilderList()) {
        for (NodeDef.Builder n : f.getNodeDefBuilderList()) if (n.getOp().equals("PartitionedCall")) n.setOp("StatefulPartitionedCall");
      }
    }
    if (options.objectGraph()) {
      List<String> layers = layers(weights);
      SavedObjectGraph.Builder og = SavedObjectGraph.newBuilder();
      int firstVar = 1 + layers.size(), list = firstVar + weights.size(), signatures = list + 1;
      SavedObject.Builder root = SavedObject.newBuilder().setUserObject(SavedUserObject.newBuilder().setIdentifier("_tf_keras_sequential"));
      for (int l = 0; l < layers.size(); l++) root.addChildren(ref("layer-" + l, 1 + l)).addChildren(ref("layer_with_weights-" + l, 1 + l));
      root.addChildren(ref("variables", list));
      root.addChildren(ref("signatures", signatures));
      og.addNodes(root);
      for (String layer : layers) {
        SavedObject.Builder b = SavedObject.newBuilder().setUserObject(SavedUserObject.newBuilder().setIdentifier("_tf_keras_layer"));
        for (int i = 0; i < weights.size(); i++) if (weights.get(i).layer().equals(layer)) b.addChildren(ref(weights.get(i).name(), firstVar + i));
        og.addNodes(b);
      }
      List<Integer> bound = new ArrayList<>();
      for (int i = 0; i < weights.size(); i++) {
        Weight w = weights.get(i);
        org.tensorflow.proto.TensorShapeProto.Builder shape = org.tensorflow.proto.TensorShapeProto.newBuilder();
        for (int d : w.value().shape().dims()) shape.addDim(org.tensorflow.proto.TensorShapeProto.Dim.newBuilder().setSize(d));
        og.addNodes(SavedObject.newBuilder().setVariable(SavedVariable.newBuilder().setDtype(DataType.DT_FLOAT).setShape(shape).setName(w.path())));
        bound.add(firstVar + i);
      }
      SavedObject.Builder vars = SavedObject.newBuilder().setUserObject(SavedUserObject.newBuilder().setIdentifier("trackable_list_wrapper"));
      for (int i = 0; i < weights.size(); i++) vars.addChildren(ref(String.valueOf(i), firstVar + i));
      og.addNodes(vars);
      og.addNodes(SavedObject.newBuilder().setUserObject(SavedUserObject.newBuilder().setIdentifier("signature_map"))
          .addChildren(ref("serving_default", signatures + 1)));
      og.addNodes(SavedObject.newBuilder().setBareConcreteFunction(SavedBareConcreteFunction.newBuilder().setConcreteFunctionName(wrapper)));
      og.putConcreteFunctions(wrapper, SavedConcreteFunction.newBuilder().addAllBoundInputs(bound).build());
      meta.setObjectGraphDef(og);
    }
    meta.setSaverDef(org.tensorflow.proto.SaverDef.newBuilder().setFilenameTensorName("saver_filename:0").setRestoreOpName("restore_all")
        .setVersion(org.tensorflow.proto.SaverDef.CheckpointFormatVersion.V2));
    Files.write(pb, model.build().toByteArray());
  }

  /** Shape of a probe tensor with the batch dimension. */
  public static Shape probeShape(int batch, long[] inputShape) {
    int[] d = new int[inputShape.length];
    for (int i = 0; i < d.length; i++) d[i] = inputShape[i] < 0 ? batch : (int) inputShape[i];
    return new Shape(d);
  }
}
