package io.musketeer.importer.tf;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.TextFormat;
import io.musketeer.importer.ModelImportException;
import io.musketeer.ir.Graph;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * Imports a TensorFlow SavedModel directory (TF2/Keras {@code tf.saved_model.save}, {@code model.export()},
 * TF1 {@code SavedModelBuilder}, TF Java's exporter) through one of its signatures.
 *
 * <p>The signature's tensors name the inputs and outputs in the MetaGraph tagged {@code serve}; calls into
 * the function library are inlined ({@link FunctionInliner}), variables become constants from the
 * checkpoint under {@code variables/} ({@link CheckpointVariables}), and the result, a plain frozen
 * GraphDef, goes through {@link TfImporter}. Inputs are named after the signature's input keys and
 * outputs after its output keys, in key order.
 */
public final class SavedModelImporter {
  public static final String DEFAULT_SIGNATURE = "serving_default";
  private static final String SERVE = "serve";
  private static final String INIT_OP_SIGNATURE = "__saved_model_init_op";

  /**
   * Ops of preprocessing that belongs before the network (decoding, resizing, colour changes,
   * augmentation); refused with advice rather than as an unknown op.
   */
  private static final Set<String> PREPROCESSING = Set.of("ResizeBilinear", "ResizeNearestNeighbor", "ResizeBicubic", "ResizeArea",
      "ScaleAndTranslate", "CropAndResize", "DecodeJpeg", "DecodePng", "DecodeImage", "DecodeBmp", "DecodeGif", "DecodeRaw",
      "DecodeAndCropJpeg", "ParseExample", "ParseExampleV2", "ParseSingleExample", "AdjustContrastv2", "AdjustSaturation", "AdjustHue",
      "RGBToHSV", "HSVToRGB", "ImageProjectiveTransformV2", "ImageProjectiveTransformV3", "ExtractGlimpse", "StringToNumber",
      "RandomUniform", "RandomStandardNormal", "StatelessRandomUniformV2", "StatelessRandomGetKeyCounter");
  private static final Set<String> CONTROL_FLOW = Set.of("If", "StatelessIf", "While", "StatelessWhile", "Case", "StatelessCase",
      "Switch", "Merge", "Enter", "Exit", "NextIteration", "LoopCond");
  private static final Set<DataType> INTEGER_INPUTS = Set.of(DataType.DT_UINT8, DataType.DT_INT8, DataType.DT_UINT16, DataType.DT_INT16,
      DataType.DT_INT32, DataType.DT_INT64);

  private SavedModelImporter() {}

  /**
   * A SavedModel frozen for one signature: a plain GraphDef whose unread nodes are the signature's
   * outputs, identities named {@code outputs} standing for the signature's {@code outputKeys}.
   */
  public record Frozen(GraphDef graph, List<String> inputs, List<String> outputKeys, List<String> outputs) {}

  /** Whether {@code path} is a SavedModel directory. */
  public static boolean isSavedModel(Path path) {
    return Files.isDirectory(path) && (Files.exists(path.resolve("saved_model.pb")) || Files.exists(path.resolve("saved_model.pbtxt")));
  }

  /**
   * Imports the SavedModel at {@code dir} through {@code signature}. {@code options.outputs()}, if given,
   * are output keys of the signature; input shapes are keyed by its input keys.
   */
  public static Graph load(Path dir, String signature, ImportOptions options) {
    Frozen f = freeze(dir, signature);
    List<String> outputs = f.outputs();
    if (!options.outputs().isEmpty()) {
      outputs = new ArrayList<>();
      for (String o : options.outputs()) {
        int i = f.outputKeys().indexOf(o);
        if (i < 0) {
          throw new ModelImportException(where(dir) + ": signature '" + signature + "' has no output '" + o + "'; its outputs: "
              + String.join(", ", f.outputKeys()));
        }
        outputs.add(f.outputs().get(i));
      }
    }
    try {
      return TfImporter.fromGraphDef(f.graph(), options.withOutputs(outputs));
    } catch (ModelImportException e) {
      throw new ModelImportException(where(dir) + ": " + e.getMessage(), e);
    }
  }

  /** The SavedModel at {@code dir} as a frozen GraphDef computing {@code signature}. */
  public static Frozen freeze(Path dir, String signature) {
    SavedModel model = read(dir);
    MetaGraphDef meta = servingGraph(model, dir);
    SignatureDef sig = meta.getSignatureDefMap().get(signature);
    if (sig == null) {
      Set<String> names = new TreeSet<>(meta.getSignatureDefMap().keySet());
      names.remove(INIT_OP_SIGNATURE);
      throw new ModelImportException(where(dir) + " has no signature '" + signature + "'; "
          + (names.isEmpty() ? "it has none (re-export it with a serving signature)" : "it has " + String.join(", ", names) + " (choose one with --signature)"));
    }
    Map<String, TensorInfo> inputs = new TreeMap<>(sig.getInputsMap()), outputs = new TreeMap<>(sig.getOutputsMap());
    if (outputs.isEmpty()) throw new ModelImportException(where(dir) + ": signature '" + signature + "' has no outputs");
    List<String> outTensors = new ArrayList<>();
    for (Map.Entry<String, TensorInfo> e : outputs.entrySet()) outTensors.add(tensor(e.getValue(), e.getKey(), dir));
    try {
      FunctionInliner.Inlined inlined = FunctionInliner.inline(meta.getGraphDef(), outTensors);
      Inputs in = namedInputs(inlined.graph(), inputs, dir);
      List<String> outs = inlined.outputs().stream().map(t -> renamed(t, in.rename())).toList();
      GraphDef g = FunctionInliner.inline(in.graph(), outs).graph(); // without what fed the inputs
      Path prefix = dir.resolve("variables").resolve("variables");
      g = CheckpointVariables.freeze(g, meta, () -> TensorBundle.open(prefix, "variables/variables"));
      refuseUnsupported(g);
      return withOutputs(g, in.names(), new ArrayList<>(outputs.keySet()), outs);
    } catch (ModelImportException e) {
      throw new ModelImportException(where(dir) + ": " + e.getMessage(), e);
    }
  }

  private static String where(Path dir) {
    return "SavedModel " + dir;
  }

  private static SavedModel read(Path dir) {
    if (!Files.exists(dir)) throw new ModelImportException("model " + dir + " does not exist");
    Path pb = dir.resolve("saved_model.pb"), text = dir.resolve("saved_model.pbtxt");
    try {
      if (Files.exists(pb)) return SavedModel.parseFrom(Files.readAllBytes(pb));
      if (Files.exists(text)) {
        SavedModel.Builder b = SavedModel.newBuilder();
        TextFormat.getParser().merge(Files.readString(text, StandardCharsets.UTF_8), b);
        return b.build();
      }
    } catch (InvalidProtocolBufferException | TextFormat.ParseException e) {
      throw new ModelImportException(where(dir) + ": saved_model.pb is not a SavedModel (" + TfImporter.firstLine(e.getMessage()) + "); the file is corrupt");
    } catch (IOException e) {
      throw new ModelImportException("cannot read " + dir + ": " + e.getMessage());
    }
    if (Files.exists(dir.resolve("saved_model.cpb"))) {
      throw new ModelImportException(where(dir) + " is chunked (saved_model.cpb, for models over 2 GB), which is not supported");
    }
    throw new ModelImportException(dir + " is a directory but not a TensorFlow SavedModel (it has no saved_model.pb); give a SavedModel "
        + "directory or a frozen GraphDef (.pb)");
  }

  /** The MetaGraph tagged "serve", or the only one. */
  private static MetaGraphDef servingGraph(SavedModel model, Path dir) {
    if (model.getMetaGraphsCount() == 0) throw new ModelImportException(where(dir) + " holds no MetaGraph; the file is corrupt");
    for (MetaGraphDef m : model.getMetaGraphsList()) if (m.getMetaInfoDef().getTagsList().contains(SERVE)) return m;
    if (model.getMetaGraphsCount() == 1) return model.getMetaGraphs(0);
    List<String> tags = model.getMetaGraphsList().stream().map(m -> String.join(",", m.getMetaInfoDef().getTagsList())).toList();
    throw new ModelImportException(where(dir) + " has no MetaGraph tagged 'serve' (it has tag sets " + tags + "); export it for serving");
  }

  private static String tensor(TensorInfo info, String key, Path dir) {
    if (info.getName().isEmpty()) {
      throw new ModelImportException(where(dir) + ": signature tensor '" + key + "' is not a dense tensor (sparse and composite tensors are not supported)");
    }
    return TfImporter.tensorName(info.getName());
  }

  /** Ops that are not the network: a better message than "unsupported op". */
  private static void refuseUnsupported(GraphDef g) {
    Map<String, NodeDef> byName = new HashMap<>();
    for (NodeDef n : g.getNodeList()) byName.put(n.getName(), n);
    for (NodeDef n : g.getNodeList()) {
      if (TfOps.TABLE.containsKey(n.getOp())) continue;
      if (PREPROCESSING.contains(n.getOp()) && !afterLayers(n, byName)) {
        throw new ModelImportException("the signature preprocesses its input with " + n.getOp() + " (node '" + n.getName() + "'), which is not "
            + "part of the network and not supported: export the model without that layer (in Keras, save a model built from the layers "
            + "after it) and prepare inputs outside (musketeer resizes and scales image inputs itself)");
      }
      if (n.getOp().equals("XlaCallModule")) {
        throw new ModelImportException("the signature runs compiled StableHLO (XlaCallModule, node '" + n.getName() + "'), as JAX exports "
            + "write; export the Keras model with the TensorFlow backend (KERAS_BACKEND=tensorflow) instead");
      }
      if (CONTROL_FLOW.contains(n.getOp())) {
        throw new ModelImportException("the signature branches or loops on data (" + n.getOp() + ", node '" + n.getName() + "'), which secure "
            + "inference cannot do: export a model whose call() has no data-dependent Python control flow");
      }
    }
  }

  /** Ops of learned layers: a resize after one is part of the network (UpSampling2D), not preprocessing. */
  private static final Set<String> LAYER_OPS = Set.of("MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3", "Conv2D", "Conv3D",
      "DepthwiseConv2dNative", "Conv2DBackpropInput", "BiasAdd", "FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3");

  private static boolean afterLayers(NodeDef n, Map<String, NodeDef> byName) {
    Set<String> seen = new HashSet<>();
    java.util.ArrayDeque<NodeDef> todo = new java.util.ArrayDeque<>(List.of(n));
    while (!todo.isEmpty()) {
      NodeDef m = todo.pop();
      if (m != n && LAYER_OPS.contains(m.getOp())) return true;
      for (String in : m.getInputList()) {
        NodeDef src = byName.get(TfImporter.nodeName(in));
        if (src != null && seen.add(src.getName())) todo.push(src);
      }
    }
    return false;
  }

  private record Inputs(GraphDef graph, List<String> names, Map<String, String> rename) {}

  /**
   * The graph with each signature input a float placeholder named after its key (integer inputs cast to
   * float become float inputs).
   */
  private static Inputs namedInputs(GraphDef g, Map<String, TensorInfo> inputs, Path dir) {
    Map<String, NodeDef> byName = new LinkedHashMap<>();
    for (NodeDef n : g.getNodeList()) byName.put(n.getName(), n);
    Set<String> taken = new HashSet<>(byName.keySet());
    Map<String, String> rename = new HashMap<>();
    Map<String, NodeDef> replaced = new HashMap<>();
    List<String> names = new ArrayList<>();
    for (Map.Entry<String, TensorInfo> e : inputs.entrySet()) {
      String t = tensor(e.getValue(), e.getKey(), dir), node = TfImporter.nodeName(t);
      NodeDef n = byName.get(node);
      if (n == null) continue; // an input no output depends on
      if (!t.endsWith(":0")) throw new ModelImportException("signature input '" + e.getKey() + "' is output " + t + ", not a whole node; not supported");
      String name = node.equals(e.getKey()) || !taken.contains(e.getKey()) ? e.getKey() : node;
      taken.add(name);
      rename.put(node, name);
      replaced.put(node, placeholder(n, name, e.getValue(), e.getKey(), byName.values()));
      names.add(name);
    }
    GraphDef.Builder out = GraphDef.newBuilder().setVersions(g.getVersions());
    for (NodeDef n : g.getNodeList()) {
      NodeDef m = replaced.getOrDefault(n.getName(), n);
      NodeDef.Builder b = m.toBuilder().clearInput();
      for (String in : m.getInputList()) b.addInput(renamed(in, rename));
      out.addNode(b);
    }
    return new Inputs(out.build(), names, rename);
  }

  /** Adds an identity per output, named after its key, so the graph's unread nodes are its outputs in key order. */
  private static Frozen withOutputs(GraphDef g, List<String> inputs, List<String> keys, List<String> tensors) {
    Set<String> taken = new HashSet<>();
    for (NodeDef n : g.getNodeList()) taken.add(n.getName());
    GraphDef.Builder out = g.toBuilder();
    List<String> names = new ArrayList<>();
    for (int k = 0; k < keys.size(); k++) {
      String name = unique(keys.get(k), taken);
      taken.add(name);
      out.addNode(NodeDef.newBuilder().setName(name).setOp("Identity").addInput(tensors.get(k)));
      names.add(name);
    }
    return new Frozen(out.build(), inputs, keys, names);
  }

  private static String renamed(String tensor, Map<String, String> rename) {
    String node = TfImporter.nodeName(tensor), to = rename.get(node);
    return to == null ? tensor : to + tensor.substring(node.length());
  }

  private static String unique(String name, Set<String> taken) {
    String n = name;
    for (int i = 1; taken.contains(n); i++) n = name + "_" + i;
    return n;
  }

  /**
   * The node behind a signature input as a float placeholder named {@code name}. An integer input (a
   * uint8 image) is accepted when every reader casts it to float, as Keras' Rescaling does: the values
   * are fed as floats and the casts pass them through.
   */
  private static NodeDef placeholder(NodeDef n, String name, TensorInfo info, String key, Iterable<NodeDef> all) {
    DataType type = info.getDtype() != DataType.DT_INVALID ? info.getDtype()
        : n.getAttrMap().containsKey("dtype") ? n.getAttrOrThrow("dtype").getType() : DataType.DT_FLOAT;
    if (INTEGER_INPUTS.contains(type)) {
      for (NodeDef reader : all) {
        for (String in : reader.getInputList()) {
          if (!TfImporter.nodeName(in).equals(n.getName())) continue;
          boolean castToFloat = reader.getOp().equals("Cast") && reader.getAttrMap().containsKey("DstT")
              && Tensors.isFloating(reader.getAttrOrThrow("DstT").getTypeValue());
          if (!castToFloat) {
            throw new ModelImportException("signature input '" + key + "' is " + type + " and node '" + reader.getName() + "' (" + reader.getOp()
                + ") uses it as an integer; only float inputs, or integer inputs cast to float, are supported");
          }
        }
      }
      type = DataType.DT_FLOAT;
    }
    NodeDef.Builder b = NodeDef.newBuilder().setName(name).setOp("Placeholder").putAttr("dtype", AttrValue.newBuilder().setType(type).build());
    if (n.getAttrMap().containsKey("shape") && !n.getAttrOrThrow("shape").getShape().getUnknownRank()) {
      b.putAttr("shape", n.getAttrOrThrow("shape"));
    } else if (info.hasTensorShape() && !info.getTensorShape().getUnknownRank()) {
      b.putAttr("shape", AttrValue.newBuilder().setShape(info.getTensorShape()).build());
    }
    return b.build();
  }
}
