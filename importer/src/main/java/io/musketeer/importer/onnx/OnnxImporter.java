package io.musketeer.importer.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.InvalidProtocolBufferException;
import io.musketeer.core.Shape;
import io.musketeer.importer.ImportGraph;
import io.musketeer.importer.ImportOptions;
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
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Imports an ONNX model (opsets {@value #MIN_OPSET} to {@value #MAX_OPSET}) into the IR through the op
 * table in {@link OnnxOps}. ONNX computes in NCHW, the IR in NHWC: 4-D values that convolutions,
 * pooling and batch norms produce stay NHWC in the IR, constants meeting them are transposed at
 * import, and a value is transposed back to NCHW only where an op needs the ONNX layout (a Reshape,
 * an output); transposes are free in the secure run. Open dimensions take their size from the input
 * given ({@link ImportOptions#inputShape}).
 */
public final class OnnxImporter {
  public static final int MIN_OPSET = 7;
  public static final int MAX_OPSET = 21;

  private OnnxImporter() {}

  public static Graph load(Path file, ImportOptions options) {
    if (!Files.exists(file)) throw new ModelImportException("model file " + file + " does not exist");
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ModelImportException("cannot read model file " + file + ": " + e.getMessage());
    }
    ModelProto model;
    try {
      model = ModelProto.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new ModelImportException(file + " is not a readable ONNX model (" + ModelImportException.firstLine(e.getMessage())
          + "); the file is corrupt or truncated");
    }
    try {
      return fromModel(model, file.toAbsolutePath().getParent(), options);
    } catch (ModelImportException e) {
      throw new ModelImportException(file.getFileName() + ": " + e.getMessage(), e);
    }
  }

  public static Graph fromModel(ModelProto model, ImportOptions options) {
    return fromModel(model, null, options);
  }

  /** @param dir where tensors stored outside the model file live, or null */
  static Graph fromModel(ModelProto model, Path dir, ImportOptions options) {
    if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
      throw new ModelImportException("the file holds no ONNX graph; is it an ONNX model?");
    }
    return new Importer(model, dir, options).run();
  }

  /**
   * Whether a file's first bytes look like an ONNX model rather than a TensorFlow GraphDef: a
   * ModelProto opens with its ir_version (field 1, a varint: byte 0x08), a GraphDef with its nodes
   * (field 1, length-delimited: 0x0A).
   */
  public static boolean looksLikeOnnx(byte[] head) {
    return head.length > 1 && head[0] == 0x08;
  }

  /** The ONNX op types the importer takes, sorted. */
  public static Set<String> supportedOps() {
    return new TreeSet<>(OnnxOps.TABLE.keySet());
  }

  /** The ONNX op types the importer takes, with what each becomes. */
  public static Map<String, io.musketeer.importer.OpKind> opKinds() {
    return java.util.Collections.unmodifiableMap(OnnxOps.KINDS);
  }

  /** An ONNX value during import: an IR node or a known tensor, and whether the IR holds a 4-D value as NHWC. */
  record Slot(Value value, boolean nhwc) {
    static Slot of(Value v) {
      return new Slot(v, false);
    }

    static Slot ir(int node, boolean nhwc) {
      return new Slot(Value.ir(node), nhwc);
    }
  }

  /** ONNX's NCHW axis order as the IR holds it: IR axis j is ONNX axis TO_NHWC[j]. */
  static final int[] TO_NHWC = {0, 2, 3, 1};
  static final int[] TO_NCHW = {0, 3, 1, 2};

  /** What an op handler sees: inputs, attributes, opset, and the graph to emit IR into. */
  static final class Ctx {
    final ImportGraph graph;
    final NodeProto node;
    final Slot[] in;
    final int opset;
    private final Importer importer;

    /** The name of what this context emits, when not the node's own (a step of a variadic op). */
    private final String name;

    Ctx(Importer importer, ImportGraph graph, NodeProto node, Slot[] in) {
      this(importer, graph, node, in, nodeName(node));
    }

    private Ctx(Importer importer, ImportGraph graph, NodeProto node, Slot[] in, String name) {
      this.importer = importer;
      this.graph = graph;
      this.node = node;
      this.in = in;
      this.opset = importer.opset;
      this.name = name;
    }

    /** The same node over other operands (a lowering's intermediate values). */
    Ctx(Ctx base, Slot[] operands) {
      this(base.importer, base.graph, base.node, operands, base.name);
    }

    /** The same node emitting under {@code name/suffix} (or its own name for an empty suffix). */
    Ctx renamed(String suffix) {
      return new Ctx(importer, graph, node, in, suffix.isEmpty() ? name : name + "/" + suffix);
    }

    /** The node's name, or its first output's when it has none (exporters often leave names empty). */
    String name() {
      return name;
    }

    int emit(String suffix, Op op, int... inputs) {
      return graph.emit(suffix.isEmpty() ? name() : name() + "/" + suffix, op, inputs);
    }

    int publicConstant(String suffix, float value) {
      return graph.publicConstant(name() + "/" + suffix, value);
    }

    /** Whether optional input i is given (ONNX marks an omitted one by an empty name). */
    boolean has(int i) {
      return i < in.length && in[i] != null;
    }

    Slot slot(int i) {
      if (!has(i)) throw fail("has no input " + i);
      return in[i];
    }

    boolean isKnown(int i) {
      return slot(i).value().isKnown();
    }

    boolean isNhwc(int i) {
      return slot(i).nhwc();
    }

    /** The ONNX (logical) shape of input i. */
    Shape shape(int i) {
      Slot s = slot(i);
      Shape ir = graph.shape(s.value());
      return s.nhwc() ? transposeShape(ir, TO_NCHW) : ir;
    }

    Known known(int i, String what) {
      if (!has(i)) throw fail("has no " + what + " input");
      if (!in[i].value().isKnown()) throw fail("needs a constant " + what + " (it is computed from the input at run time)");
      return in[i].value().known();
    }

    /** Input i as an IR node in ONNX layout. */
    int logical(int i) {
      Slot s = slot(i);
      if (!s.nhwc()) return graph.ir(s.value(), name() + "/const");
      return importer.materialize(graph, s.value().node(), TO_NCHW, name());
    }

    /** A rank-4 input i as an IR node in NHWC layout (known values are transposed at import). */
    int nhwc(int i) {
      Slot s = slot(i);
      if (s.nhwc()) return s.value().node();
      Shape sh = shape(i);
      if (sh.rank() != 4) throw fail("needs a 4-D (NCHW) input, got " + sh);
      if (s.value().isKnown()) return graph.ir(Value.known(importer.nhwcConstant(s.value().known())), name() + "/const");
      return importer.materialize(graph, s.value().node(), TO_NHWC, name());
    }

    /** A constant to combine with NHWC values: right-aligned to rank 4, then transposed like them. */
    int nhwcConstant(Known k) {
      return graph.ir(Value.known(importer.nhwcConstant(k)), name() + "/const");
    }

    AttributeProto attr(String key) {
      for (AttributeProto a : node.getAttributeList()) if (a.getName().equals(key)) return a;
      return null;
    }

    long intAttr(String key, long dflt) {
      AttributeProto a = attr(key);
      return a == null ? dflt : a.getI();
    }

    float floatAttr(String key, float dflt) {
      AttributeProto a = attr(key);
      return a == null ? dflt : a.getF();
    }

    String stringAttr(String key, String dflt) {
      AttributeProto a = attr(key);
      return a == null ? dflt : a.getS().toStringUtf8();
    }

    /** An ints attribute, or null when absent. */
    int[] intsAttr(String key) {
      AttributeProto a = attr(key);
      if (a == null) return null;
      int[] v = new int[a.getIntsCount()];
      for (int k = 0; k < v.length; k++) v[k] = clampToInt(a.getInts(k));
      return v;
    }

    float[] floatsAttr(String key) {
      AttributeProto a = attr(key);
      if (a == null) return null;
      float[] v = new float[a.getFloatsCount()];
      for (int k = 0; k < v.length; k++) v[k] = a.getFloats(k);
      return v;
    }

    Known tensorAttr(String key) {
      AttributeProto a = attr(key);
      if (a == null || !a.hasT()) return null;
      return OnnxTensors.known(a.getT(), "attribute '" + key + "' of node '" + name() + "'", importer.dir);
    }

    ModelImportException fail(String message) {
      return new ModelImportException(describe(node) + " " + message);
    }
  }

  static String nodeName(NodeProto n) {
    if (!n.getName().isEmpty()) return n.getName();
    return n.getOutputCount() > 0 && !n.getOutput(0).isEmpty() ? n.getOutput(0) : n.getOpType();
  }

  static String describe(NodeProto n) {
    return "ONNX op " + n.getOpType() + " (node '" + nodeName(n) + "')";
  }

  static int clampToInt(long v) {
    return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
  }

  static Shape transposeShape(Shape s, int[] perm) {
    int[] d = new int[perm.length];
    for (int i = 0; i < d.length; i++) d[i] = s.dim(perm[i]);
    return new Shape(d);
  }

  private static final class Importer {
    private final GraphProto graphProto;
    private final Path dir;
    private final ImportOptions options;
    final int opset;
    private final Map<String, Slot> values = new HashMap<>();
    private final ImportGraph graph = new ImportGraph();
    /** Transposes emitted so far, per IR node and direction, so each is emitted once. */
    private final Map<Long, Integer> transposed = new HashMap<>();
    private final Map<Known, Known> nhwcConstants = new IdentityHashMap<>();

    Importer(ModelProto model, Path dir, ImportOptions options) {
      this.graphProto = model.getGraph();
      this.dir = dir;
      this.options = options;
      this.opset = opset(model);
    }

    private static int opset(ModelProto model) {
      Integer v = null;
      for (OperatorSetIdProto o : model.getOpsetImportList()) {
        if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) v = (int) o.getVersion();
      }
      if (v == null) {
        // IR version 1 and 2 models predate opset_import; they are opset 1 or 2
        throw new ModelImportException("the model declares no ONNX opset (IR version " + model.getIrVersion()
            + "); supported opsets are " + MIN_OPSET + " to " + MAX_OPSET + "; re-export it with a current exporter");
      }
      if (v < MIN_OPSET || v > MAX_OPSET) {
        throw new ModelImportException("the model uses ONNX opset " + v + "; supported opsets are " + MIN_OPSET + " to " + MAX_OPSET
            + " (convert it, e.g. with onnx.version_converter, or re-export with opset_version=" + Math.max(MIN_OPSET, Math.min(MAX_OPSET, v)) + ")");
      }
      return v;
    }

    Graph run() {
      Map<String, TensorProto> initializers = new LinkedHashMap<>();
      for (TensorProto t : graphProto.getInitializerList()) initializers.put(t.getName(), t);
      List<ValueInfoProto> inputs = new ArrayList<>();
      for (ValueInfoProto v : graphProto.getInputList()) if (!initializers.containsKey(v.getName())) inputs.add(v);
      // which node produces each value, and each node's readable id for ordering
      Map<String, Integer> producer = new HashMap<>();
      for (int i = 0; i < graphProto.getNodeCount(); i++) {
        for (String out : graphProto.getNode(i).getOutputList()) if (!out.isEmpty()) producer.put(out, i);
      }
      List<String> outputs = options.outputs().isEmpty() ? graphProto.getOutputList().stream().map(ValueInfoProto::getName).toList() : options.outputs();
      if (outputs.isEmpty()) throw new ModelImportException("the graph declares no outputs; name them explicitly");
      Set<String> sources = new java.util.HashSet<>(initializers.keySet());
      for (ValueInfoProto v : inputs) sources.add(v.getName());
      List<String> roots = new ArrayList<>();
      for (String o : outputs) {
        if (producer.containsKey(o)) roots.add("#" + producer.get(o));
        else if (!sources.contains(o)) throw new ModelImportException("output '" + o + "' is not a value of the graph");
      }
      List<String> order = TopologicalOrder.of(roots, id -> {
        if (!id.startsWith("#")) return null;
        List<String> deps = new ArrayList<>();
        NodeProto n = graphProto.getNode(Integer.parseInt(id.substring(1)));
        for (String in : n.getInputList()) {
          if (in.isEmpty() || sources.contains(in)) continue;
          Integer p = producer.get(in);
          if (p == null) throw new ModelImportException("node '" + nodeName(n) + "' reads '" + in + "', which no node, input or initializer provides");
          deps.add("#" + p);
        }
        return deps;
      });
      for (String id : order) {
        for (String in : graphProto.getNode(Integer.parseInt(id.substring(1))).getInputList()) {
          if (in.isEmpty() || values.containsKey(in)) continue;
          if (initializers.containsKey(in)) {
            values.put(in, Slot.of(Value.known(OnnxTensors.known(initializers.get(in), "initializer '" + in + "'", dir))));
          }
        }
      }
      for (ValueInfoProto v : inputs) addInput(v, inputs.size() == 1, order, outputs);
      for (String id : order) convert(graphProto.getNode(Integer.parseInt(id.substring(1))));
      List<Integer> outs = new ArrayList<>();
      for (String o : outputs) {
        Slot s = values.get(o);
        if (s == null && initializers.containsKey(o)) throw new ModelImportException("output '" + o + "' is a constant of the model; nothing to compute");
        if (s == null) throw new ModelImportException("output '" + o + "' is produced by no usable node");
        if (s.value().isKnown()) throw new ModelImportException("output '" + o + "' does not depend on any input; nothing to compute");
        int node = s.nhwc() ? materialize(graph, s.value().node(), TO_NCHW, o) : s.value().node();
        outs.add(OnnxOps.softmaxUnder(graph, node));
      }
      return graph.finish(outs.stream().mapToInt(Integer::intValue).toArray());
    }

    private void addInput(ValueInfoProto v, boolean onlyInput, List<String> order, List<String> outputs) {
      String name = v.getName();
      TypeProto.Tensor t = v.getType().getTensorType();
      int elem = t.getElemType();
      if (v.getType().hasTensorType() && elem != 0 && !OnnxTensors.isFloating(elem)) {
        throw new ModelImportException("model input '" + name + "' has element type " + OnnxTensors.typeName(elem)
            + "; only floating-point model inputs are supported");
      }
      int[] declared = null;
      if (t.hasShape()) {
        TensorShapeProto s = t.getShape();
        declared = new int[s.getDimCount()];
        for (int i = 0; i < declared.length; i++) {
          TensorShapeProto.Dimension d = s.getDim(i);
          declared[i] = d.hasDimValue() && d.getDimValue() >= 0 ? clampToInt(d.getDimValue()) : -1;
        }
      }
      Shape shape;
      try {
        shape = options.inputShape(name, declared, onlyInput);
      } catch (ModelImportException e) {
        throw new ModelImportException("model input '" + name + "' " + e.getMessage());
      }
      Op.Layout layout = shape.rank() == 4 ? Op.Layout.NCHW : Op.Layout.NHWC;
      values.put(name, Slot.ir(graph.emit(name, new Op.Input(name, shape, layout)), false));
    }

    private void convert(NodeProto n) {
      if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
        throw new ModelImportException("unsupported op " + n.getDomain() + ":" + n.getOpType() + " (node '" + nodeName(n) + "'): only the standard "
            + "ONNX domain is supported; supported ops: " + String.join(", ", supportedOps()));
      }
      OnnxOps.Handler h = OnnxOps.TABLE.get(n.getOpType());
      if (h == null) {
        throw new ModelImportException("unsupported ONNX op " + n.getOpType() + " (node '" + nodeName(n) + "', opset " + opset + "); supported ops: "
            + String.join(", ", supportedOps()));
      }
      Slot[] in = new Slot[n.getInputCount()];
      boolean allKnown = in.length > 0;
      for (int k = 0; k < in.length; k++) {
        String name = n.getInput(k);
        if (name.isEmpty()) continue;
        in[k] = values.get(name);
        if (in[k] == null) throw new ModelImportException("node '" + nodeName(n) + "' reads '" + name + "', which no usable node produces");
        allKnown &= in[k].value().isKnown();
      }
      boolean all = allKnown;
      Slot[] out = ImportGraph.lowerNode(describe(n), () -> {
        if (!all) return h.apply(new Ctx(this, graph, n, in));
        boolean floating = false;
        for (Slot s : in) floating |= s != null && s.value().known().floating();
        Value[] folded = ImportGraph.fold(scratch -> logicalValues(scratch, nodeName(n), h.apply(new Ctx(this, scratch, n, in))), floating);
        Slot[] slots = new Slot[folded.length];
        for (int k = 0; k < slots.length; k++) slots[k] = folded[k] == null ? null : Slot.of(folded[k]);
        return slots;
      });
      for (int k = 0; k < n.getOutputCount() && k < out.length; k++) {
        if (out[k] != null && !n.getOutput(k).isEmpty()) values.put(n.getOutput(k), out[k]);
      }
    }

    /** The values of a folded lowering's outputs, in ONNX layout (a fold's results are known tensors). */
    private static Value[] logicalValues(ImportGraph scratch, String name, Slot[] slots) {
      Value[] v = new Value[slots.length];
      for (int k = 0; k < v.length; k++) {
        if (slots[k] == null) continue;
        v[k] = slots[k].nhwc() ? Value.ir(scratch.emit(name + "/layout", new Op.Transpose(TO_NCHW), slots[k].value().node())) : slots[k].value();
      }
      return v;
    }

    /** The node transposed by {@code perm}, emitted once per node and direction. */
    int materialize(ImportGraph g, int node, int[] perm, String name) {
      if (g != graph) return g.emit(name + "/layout", new Op.Transpose(perm), node);
      long key = ((long) node << 1) | (perm == TO_NHWC ? 1 : 0);
      Integer have = transposed.get(key);
      if (have != null) return have;
      int t = g.emit(name + (perm == TO_NHWC ? "/to_nhwc" : "/to_nchw"), new Op.Transpose(perm), node);
      transposed.put(key, t);
      transposed.put(((long) t << 1) | (perm == TO_NHWC ? 0 : 1), node); // transposing back is the node itself
      return t;
    }

    Known nhwcConstant(Known k) {
      return nhwcConstants.computeIfAbsent(k, c -> {
        if (c.shape().rank() > 4) throw new ModelImportException("a constant of rank " + c.shape().rank() + " meets a 4-D value");
        int[] d = new int[4];
        java.util.Arrays.fill(d, 1);
        for (int i = 0; i < c.shape().rank(); i++) d[4 - c.shape().rank() + i] = c.shape().dim(i);
        return c.reshape(new Shape(d)).transpose(TO_NHWC);
      });
    }
  }
}
