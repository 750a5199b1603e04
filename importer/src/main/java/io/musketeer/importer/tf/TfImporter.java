package io.musketeer.importer.tf;

import com.google.protobuf.InvalidProtocolBufferException;
import io.musketeer.core.Shape;
import io.musketeer.importer.ImportGraph;
import io.musketeer.importer.Known;
import io.musketeer.importer.ModelImportException;
import io.musketeer.importer.TopologicalOrder;
import io.musketeer.importer.Value;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * Imports a frozen TensorFlow GraphDef into the IR. Framework ops are mapped onto the small IR op set
 * through the table in {@link TfOps}; integer side computations (shapes, axes, paddings) are evaluated
 * at import; an unsupported op fails at once with its type, its node and the supported list.
 */
public final class TfImporter {
  private TfImporter() {}

  public static Graph load(Path file, ImportOptions options) {
    GraphDef def = read(file);
    try {
      return fromGraphDef(def, options);
    } catch (ModelImportException e) {
      throw new ModelImportException(file.getFileName() + ": " + e.getMessage(), e);
    }
  }

  /** Reads a GraphDef file; a missing, unreadable or non-GraphDef file ends in one line naming it. */
  public static GraphDef read(Path file) {
    if (!Files.exists(file)) throw new ModelImportException("model file " + file + " does not exist");
    if (Files.isDirectory(file)) {
      throw new ModelImportException("model " + file + " is a directory; give a frozen GraphDef (.pb) file");
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ModelImportException("cannot read model file " + file + ": " + e.getMessage());
    }
    GraphDef def;
    try {
      def = GraphDef.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new ModelImportException(file + " is not a TensorFlow GraphDef (" + firstLine(e.getMessage())
          + "); export a frozen graph (.pb) with convert_variables_to_constants or tf.io.write_graph");
    }
    return def;
  }

  public static Graph fromGraphDef(GraphDef def, ImportOptions options) {
    if (def.getNodeCount() == 0) throw new ModelImportException("the graph has no nodes; is this a frozen TensorFlow GraphDef?");
    for (NodeDef n : def.getNodeList()) {
      if (n.getName().isEmpty() || n.getOp().isEmpty()) {
        throw new ModelImportException("the file is not a well-formed TensorFlow GraphDef (a node without name or op)");
      }
    }
    return new Importer(def, options).run();
  }

  static String firstLine(String s) {
    return ModelImportException.firstLine(s);
  }

  /** What an op handler sees: inputs, attributes, and the graph to emit IR into. */
  static final class Ctx {
    final ImportGraph graph;
    final NodeDef node;
    final Value[] in;
    final ImportOptions options;

    Ctx(ImportGraph graph, NodeDef node, Value[] in, ImportOptions options) {
      this.graph = graph;
      this.node = node;
      this.in = in;
      this.options = options;
    }

    String name() {
      return node.getName();
    }

    /** The IR node of input i, emitting a (server-owned) constant for a known value. */
    int ir(int i) {
      return irOf(in[i]);
    }

    int irOf(Value v) {
      return graph.ir(v, name() + "/const");
    }

    int emit(String suffix, Op op, int... inputs) {
      return graph.emit(suffix.isEmpty() ? name() : name() + "/" + suffix, op, inputs);
    }

    int publicConstant(String suffix, float value) {
      return graph.publicConstant(name() + "/" + suffix, value);
    }

    Shape shape(int i) {
      return graph.shape(in[i]);
    }

    Known known(int i, String what) {
      if (i >= in.length) throw fail("has no " + what + " input");
      if (!in[i].isKnown()) throw fail("needs a constant " + what + " (it is computed from the input at run time)");
      return in[i].known();
    }

    AttrValue attr(String key) {
      return node.getAttrMap().get(key);
    }

    boolean boolAttr(String key, boolean dflt) {
      AttrValue a = attr(key);
      return a == null ? dflt : a.getB();
    }

    long intAttr(String key, long dflt) {
      AttrValue a = attr(key);
      return a == null ? dflt : a.getI();
    }

    float floatAttr(String key, float dflt) {
      AttrValue a = attr(key);
      return a == null ? dflt : a.getF();
    }

    String stringAttr(String key, String dflt) {
      AttrValue a = attr(key);
      return a == null ? dflt : a.getS().toStringUtf8();
    }

    int[] intsAttr(String key) {
      AttrValue a = attr(key);
      if (a == null) return null;
      return a.getList().getIList().stream().mapToInt(Long::intValue).toArray();
    }

    ModelImportException fail(String message) {
      return new ModelImportException("TensorFlow op " + node.getOp() + " (node '" + name() + "') " + message);
    }
  }

  private static final class Importer {
    private final GraphDef def;
    private final ImportOptions options;
    private final Map<String, NodeDef> byName = new LinkedHashMap<>();
    private final Map<String, Value> values = new HashMap<>();
    private final ImportGraph graph = new ImportGraph();

    Importer(GraphDef def, ImportOptions options) {
      this.def = def;
      this.options = options;
      for (NodeDef n : def.getNodeList()) {
        if (byName.put(n.getName(), n) != null) throw new ModelImportException("the graph has two nodes named '" + n.getName() + "'");
      }
    }

    Graph run() {
      List<String> outputs = outputNames();
      List<String> outputNodes = outputs.stream().map(TfImporter::nodeName).toList();
      for (String nodeName : TopologicalOrder.of(outputNodes, this::inputNodes)) convert(byName.get(nodeName));
      List<Integer> outs = new ArrayList<>();
      for (String out : outputs) {
        Value v = values.get(tensorName(out));
        if (v == null) throw new ModelImportException("node '" + out + "' has no output " + out);
        if (v.isKnown()) {
          throw new ModelImportException("output '" + out + "' does not depend on any input; nothing to compute");
        }
        outs.add(v.node());
      }
      return graph.finish(outs.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The nodes a node reads data from (control edges do not order the import), or null if there is no such node. */
    private List<String> inputNodes(String name) {
      NodeDef n = byName.get(name);
      if (n == null) return null;
      return n.getInputList().stream().filter(in -> !in.startsWith("^")).map(TfImporter::nodeName).toList();
    }

    /** The requested outputs, or every node whose outputs nobody reads (control edges aside). */
    private List<String> outputNames() {
      if (!options.outputs().isEmpty()) return options.outputs();
      Set<String> read = new HashSet<>();
      for (NodeDef n : def.getNodeList()) {
        for (String in : n.getInputList()) if (!in.startsWith("^")) read.add(nodeName(in));
      }
      List<String> outs = new ArrayList<>();
      for (NodeDef n : def.getNodeList()) {
        if (read.contains(n.getName())) continue;
        if (TfOps.IGNORED_AS_OUTPUT.contains(n.getOp())) continue;
        outs.add(n.getName());
      }
      if (outs.isEmpty()) throw new ModelImportException("cannot tell the graph's outputs; name them explicitly");
      return outs;
    }

    private void convert(NodeDef n) {
      TfOps.Handler h = TfOps.TABLE.get(n.getOp());
      if (h == null) {
        throw new ModelImportException("unsupported TensorFlow op " + n.getOp() + " (node '" + n.getName() + "'); supported ops: "
            + String.join(", ", new TreeSet<>(TfOps.TABLE.keySet())));
      }
      List<Value> ins = new ArrayList<>();
      for (String in : n.getInputList()) {
        if (in.startsWith("^")) continue;
        Value v = values.get(tensorName(in));
        if (v == null) throw new ModelImportException("node '" + n.getName() + "' reads '" + in + "', which produces no usable value");
        ins.add(v);
      }
      Value[] in = ins.toArray(Value[]::new);
      Value[] out = ImportGraph.lowerNode("TensorFlow op " + n.getOp() + " (node '" + n.getName() + "')", () -> allKnown(in)
          ? ImportGraph.fold(scratch -> h.apply(new Ctx(scratch, n, in, options)), anyFloating(in))
          : h.apply(new Ctx(graph, n, in, options)));
      for (int k = 0; k < out.length; k++) {
        if (out[k] != null) values.put(n.getName() + ":" + k, out[k]);
      }
    }

    private static boolean allKnown(Value[] in) {
      if (in.length == 0) return false;
      for (Value v : in) if (!v.isKnown()) return false;
      return true;
    }

    private static boolean anyFloating(Value[] in) {
      for (Value v : in) if (v.known().floating()) return true;
      return false;
    }
  }

  static String nodeName(String tensor) {
    String s = tensor.startsWith("^") ? tensor.substring(1) : tensor;
    int colon = s.lastIndexOf(':');
    return colon > 0 && s.substring(colon + 1).chars().allMatch(Character::isDigit) ? s.substring(0, colon) : s;
  }

  static String tensorName(String tensor) {
    String node = nodeName(tensor);
    return node.length() == tensor.length() ? tensor + ":0" : tensor;
  }
}
