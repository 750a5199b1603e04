package io.musketeer.importer.tf;

import com.google.protobuf.InvalidProtocolBufferException;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.importer.ModelImportException;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.IrException;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
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
    if (s == null) return "unreadable";
    int i = s.indexOf('\n');
    return i < 0 ? s : s.substring(0, i);
  }

  /** A tensor known at import time: a constant, or computed from constants and static shapes. */
  record Known(Shape shape, double[] values, boolean floating) {
    FloatTensor toFloat() {
      float[] f = new float[values.length];
      for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
      return new FloatTensor(shape, f);
    }

    int[] ints() {
      int[] out = new int[values.length];
      for (int i = 0; i < out.length; i++) out[i] = (int) values[i];
      return out;
    }

    int scalarInt() {
      if (values.length != 1) throw new IllegalArgumentException("expected a scalar");
      return (int) values[0];
    }
  }

  /** The value of one TensorFlow tensor ("node:k") during import: an IR node or a known tensor. */
  static final class Val {
    final int node; // IR node, or -1
    final Known known; // or null

    private Val(int node, Known known) {
      this.node = node;
      this.known = known;
    }

    static Val ir(int node) {
      return new Val(node, null);
    }

    static Val known(Known k) {
      return new Val(-1, k);
    }

    boolean isKnown() {
      return known != null;
    }
  }

  /** What an op handler sees: inputs, attributes, and a builder to emit IR into. */
  static final class Ctx {
    final Graph.Builder builder;
    final NodeDef node;
    final Val[] in;
    final ImportOptions options;
    private final Map<Known, Integer> constants;

    Ctx(Graph.Builder builder, NodeDef node, Val[] in, ImportOptions options, Map<Known, Integer> constants) {
      this.builder = builder;
      this.node = node;
      this.in = in;
      this.options = options;
      this.constants = constants;
    }

    String name() {
      return node.getName();
    }

    /** The IR node of input i, emitting a (server-owned) constant for a known value. */
    int ir(int i) {
      return irOf(in[i]);
    }

    int irOf(Val v) {
      if (!v.isKnown()) return v.node;
      return constants.computeIfAbsent(v.known, k -> builder.add(name() + "/const", new Op.Constant(k.toFloat(), false)));
    }

    int emit(String suffix, Op op, int... inputs) {
      return builder.add(suffix.isEmpty() ? name() : name() + "/" + suffix, op, inputs);
    }

    int publicConstant(String suffix, float value) {
      return builder.add(name() + "/" + suffix, new Op.Constant(FloatTensor.scalar(value), true));
    }

    Shape shape(int i) {
      Val v = in[i];
      return v.isKnown() ? v.known.shape() : builder.shape(v.node);
    }

    Known known(int i, String what) {
      if (i >= in.length) throw fail("has no " + what + " input");
      if (!in[i].isKnown()) throw fail("needs a constant " + what + " (it is computed from the input at run time)");
      return in[i].known;
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
    private final Map<String, Val> values = new HashMap<>();
    private final Graph.Builder builder = new Graph.Builder();
    private final Map<Known, Integer> constants = new java.util.IdentityHashMap<>();

    Importer(GraphDef def, ImportOptions options) {
      this.def = def;
      this.options = options;
      for (NodeDef n : def.getNodeList()) {
        if (byName.put(n.getName(), n) != null) throw new ModelImportException("the graph has two nodes named '" + n.getName() + "'");
      }
    }

    Graph run() {
      List<String> outputs = outputNames();
      for (String out : outputs) {
        if (!byName.containsKey(nodeName(out))) throw new ModelImportException("output node '" + out + "' is not in the graph");
      }
      for (String nodeName : order(outputs)) convert(byName.get(nodeName));
      List<Integer> outs = new ArrayList<>();
      for (String out : outputs) {
        Val v = values.get(tensorName(out));
        if (v == null) throw new ModelImportException("node '" + out + "' has no output " + out);
        if (v.isKnown()) {
          throw new ModelImportException("output '" + out + "' does not depend on any input; nothing to compute");
        }
        outs.add(v.node);
      }
      try {
        return pruned(outs.stream().mapToInt(Integer::intValue).toArray());
      } catch (IrException e) {
        throw new ModelImportException("imported graph is invalid: " + e.getMessage());
      }
    }

    /**
     * The graph without nodes no output needs (left behind by lowerings such as ArgMax over Softmax);
     * inputs are kept, so callers feed the placeholders they expect.
     */
    private Graph pruned(int[] outs) {
      int n = builder.size();
      boolean[] keep = new boolean[n];
      for (int o : outs) keep[o] = true;
      for (int i = n - 1; i >= 0; i--) {
        if (keep[i] || builder.node(i).op() instanceof Op.Input) {
          keep[i] = true;
          for (int in : builder.node(i).inputs()) keep[in] = true;
        }
      }
      int[] remap = new int[n];
      List<Node> nodes = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (!keep[i]) continue;
        Node old = builder.node(i);
        int[] ins = old.inputs();
        for (int j = 0; j < ins.length; j++) ins[j] = remap[ins[j]];
        remap[i] = nodes.size();
        nodes.add(new Node(old.name(), old.op(), ins, old.shape()));
      }
      int[] mapped = new int[outs.length];
      for (int i = 0; i < outs.length; i++) mapped[i] = remap[outs[i]];
      return new Graph(nodes, mapped);
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

    /** Nodes the outputs depend on, inputs first (iterative: deep graphs would overflow recursion). */
    private List<String> order(List<String> outputs) {
      List<String> order = new ArrayList<>();
      Set<String> done = new HashSet<>(), onStack = new HashSet<>();
      ArrayDeque<String[]> stack = new ArrayDeque<>();
      for (String o : outputs) stack.push(new String[] {nodeName(o), "0"});
      while (!stack.isEmpty()) {
        String[] top = stack.peek();
        String name = top[0];
        if (done.contains(name)) {
          stack.pop();
          continue;
        }
        NodeDef n = byName.get(name);
        if (n == null) throw new ModelImportException("a node reads '" + name + "', which is not in the graph");
        onStack.add(name);
        int i = Integer.parseInt(top[1]);
        List<String> ins = n.getInputList();
        while (i < ins.size() && ins.get(i).startsWith("^")) i++;
        if (i < ins.size()) {
          top[1] = String.valueOf(i + 1);
          String dep = nodeName(ins.get(i));
          if (!done.contains(dep)) {
            if (onStack.contains(dep) && !done.contains(dep)) throw new ModelImportException("the graph has a cycle through node '" + dep + "'");
            stack.push(new String[] {dep, "0"});
          }
          continue;
        }
        stack.pop();
        onStack.remove(name);
        done.add(name);
        order.add(name);
      }
      return order;
    }

    private void convert(NodeDef n) {
      TfOps.Handler h = TfOps.TABLE.get(n.getOp());
      if (h == null) {
        throw new ModelImportException("unsupported TensorFlow op " + n.getOp() + " (node '" + n.getName() + "'); supported ops: "
            + String.join(", ", new TreeSet<>(TfOps.TABLE.keySet())));
      }
      List<Val> ins = new ArrayList<>();
      for (String in : n.getInputList()) {
        if (in.startsWith("^")) continue;
        Val v = values.get(tensorName(in));
        if (v == null) throw new ModelImportException("node '" + n.getName() + "' reads '" + in + "', which produces no usable value");
        ins.add(v);
      }
      Val[] in = ins.toArray(Val[]::new);
      Val[] out;
      try {
        out = allKnown(in) && h.foldable() ? fold(n, in, h) : h.apply(new Ctx(builder, n, in, options, constants));
      } catch (IrException e) {
        throw new ModelImportException("TensorFlow op " + n.getOp() + " (node '" + n.getName() + "'): " + e.getMessage());
      } catch (ModelImportException e) {
        throw e;
      } catch (RuntimeException e) {
        // malformed attributes or constants (a -2 dimension, bounds of the wrong rank, a vector axis) reach
        // shape arithmetic in the handlers; report them against the node like every other import error
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage());
        throw new ModelImportException("TensorFlow op " + n.getOp() + " (node '" + n.getName() + "') is malformed: " + why);
      }
      for (int k = 0; k < out.length; k++) {
        if (out[k] != null) values.put(n.getName() + ":" + k, out[k]);
      }
    }

    private static boolean allKnown(Val[] in) {
      if (in.length == 0) return false;
      for (Val v : in) if (!v.isKnown()) return false;
      return true;
    }

    /** Evaluates an op on known inputs at import, through the same handler and the float interpreter. */
    private Val[] fold(NodeDef n, Val[] in, TfOps.Handler h) {
      Graph.Builder b = new Graph.Builder();
      Val[] out = h.apply(new Ctx(b, n, in, options, new java.util.IdentityHashMap<>()));
      boolean floating = false;
      for (Val v : in) floating |= v.known.floating();
      Val[] result = new Val[out.length];
      for (int k = 0; k < out.length; k++) {
        if (out[k] == null) continue;
        if (out[k].isKnown()) {
          result[k] = out[k];
          continue;
        }
        FloatTensor t = FloatInterpreter.run(b.build(out[k].node), Map.of()).get(0);
        double[] d = new double[t.size()];
        for (int i = 0; i < d.length; i++) d[i] = t.data()[i];
        result[k] = Val.known(new Known(t.shape(), d, floating));
      }
      return result;
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
