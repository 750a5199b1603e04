package io.musketeer.importer.tf;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.musketeer.importer.ModelImportException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.BundleEntryProto;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedConcreteFunction;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedObject;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedObjectGraph;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph.TrackableObject;

/**
 * Freezes the variables of a SavedModel graph: each variable node becomes a constant holding its value
 * from the checkpoint, and each read of it an identity.
 *
 * <p>Which checkpoint entry holds a variable: in a TF2 SavedModel, the serving call's captured inputs are
 * the objects its concrete function lists as {@code bound_inputs} in the SavedObjectGraph; that object is
 * found in the checkpoint's own object graph ({@code _CHECKPOINTABLE_OBJECT_GRAPH}) by following the same
 * child names from the root, as TensorFlow's loader does, and its {@code VARIABLE_VALUE} attribute names
 * the entry. Otherwise the MetaGraph's SaverDef names a restore op, which TensorFlow's C++ loader runs:
 * each {@code Assign}/{@code AssignVariableOp} it reaches (in the graph, or in the function it calls)
 * takes a {@code RestoreV2} output, whose {@code tensor_names} give the key (a TF1 Saver may map
 * variables to other names, as for moving averages). Failing both, the key is the variable's
 * {@code shared_name}, or its node name.
 */
final class CheckpointVariables {
  static final Set<String> VARIABLE_OPS = Set.of("VarHandleOp", "VariableV2", "Variable");
  /** Ops that may take a variable's resource handle: they read the value. */
  private static final Set<String> RESOURCE_READERS = Set.of("ReadVariableOp", "Identity", "IdentityN", "VariableShape");
  private static final Set<String> ASSIGNS = Set.of("Assign", "AssignVariableOp");

  private CheckpointVariables() {}

  /** Checkpoint keys of the outer graph's variable nodes, from the object graphs; empty where there are none. */
  static Map<String, String> objectGraphKeys(MetaGraphDef meta, TensorBundle bundle) {
    if (!meta.hasObjectGraphDef() || !bundle.contains(TensorBundle.OBJECT_GRAPH_KEY)) return Map.of();
    SavedObjectGraph saved = meta.getObjectGraphDef();
    List<ByteString> serialized = bundle.strings(TensorBundle.OBJECT_GRAPH_KEY);
    TrackableObjectGraph ckpt;
    try {
      if (serialized.size() != 1) throw new InvalidProtocolBufferException("not a scalar");
      ckpt = TrackableObjectGraph.parseFrom(serialized.get(0));
    } catch (InvalidProtocolBufferException e) {
      throw new ModelImportException(bundle.name() + " is corrupt: its object graph does not parse");
    }
    int[] toCkpt = matchObjects(saved, ckpt);
    Map<String, String> keys = new HashMap<>();
    for (NodeDef n : meta.getGraphDef().getNodeList()) {
      String fn = FunctionInliner.CALL_OPS.contains(n.getOp()) && n.containsAttr("f") ? n.getAttrOrThrow("f").getFunc().getName() : n.getOp();
      SavedConcreteFunction cf = saved.getConcreteFunctionsMap().get(fn);
      if (cf == null || cf.getBoundInputsCount() == 0) continue;
      List<String> ins = n.getInputList().stream().filter(s -> !s.startsWith("^")).toList();
      int first = ins.size() - cf.getBoundInputsCount();
      if (first < 0) continue;
      for (int j = 0; j < cf.getBoundInputsCount(); j++) {
        int object = cf.getBoundInputs(j);
        if (object < 0 || object >= saved.getNodesCount() || saved.getNodes(object).getKindCase() != SavedObject.KindCase.VARIABLE) continue;
        String key = variableKey(ckpt, toCkpt[object]);
        if (key == null) continue;
        String var = TfImporter.nodeName(ins.get(first + j));
        String before = keys.putIfAbsent(var, key);
        if (before != null && !before.equals(key)) {
          throw new ModelImportException("variable node '" + var + "' is bound to two checkpoint entries ('" + before + "' and '" + key
              + "'); the SavedModel is inconsistent");
        }
      }
    }
    return keys;
  }

  /** Checkpoint keys of the outer graph's variables, from what the SaverDef's restore op assigns to them. */
  static Map<String, String> restoreKeys(MetaGraphDef meta) {
    String restore = meta.getSaverDef().getRestoreOpName();
    if (restore.isEmpty()) return Map.of();
    GraphDef g = meta.getGraphDef();
    Map<String, NodeDef> outer = new HashMap<>();
    for (NodeDef n : g.getNodeList()) outer.put(n.getName(), n);
    Map<String, FunctionDef> library = new HashMap<>();
    for (FunctionDef f : g.getLibrary().getFunctionList()) library.put(f.getSignature().getName(), f);
    Map<String, String> keys = new HashMap<>();
    Deque<String> todo = new ArrayDeque<>(List.of(TfImporter.nodeName(restore)));
    Set<String> seen = new HashSet<>();
    while (!todo.isEmpty()) {
      NodeDef n = outer.get(todo.pop());
      if (n == null || !seen.add(n.getName())) continue;
      for (String in : n.getInputList()) todo.push(TfImporter.nodeName(in));
      if (ASSIGNS.contains(n.getOp()) && n.getInputCount() >= 2) {
        String key = restoredKey(n.getInput(1), outer);
        if (key != null) keys.put(TfImporter.nodeName(n.getInput(0)), key);
      }
      String fn = FunctionInliner.CALL_OPS.contains(n.getOp()) && n.containsAttr("f") ? n.getAttrOrThrow("f").getFunc().getName() : n.getOp();
      FunctionDef f = library.get(fn);
      if (f == null) continue;
      // TF2: the restore function assigns RestoreV2's outputs to its resource arguments
      Map<String, NodeDef> body = new HashMap<>();
      for (NodeDef b : f.getNodeDefList()) body.put(b.getName(), b);
      List<String> args = n.getInputList().stream().filter(s -> !s.startsWith("^")).toList();
      for (NodeDef b : f.getNodeDefList()) {
        if (!b.getOp().equals("AssignVariableOp") || b.getInputCount() < 2) continue;
        int arg = -1;
        for (int i = 0; i < f.getSignature().getInputArgCount(); i++) if (f.getSignature().getInputArg(i).getName().equals(b.getInput(0))) arg = i;
        String key = restoredKey(b.getInput(1), body);
        if (arg >= 0 && arg < args.size() && key != null) keys.put(TfImporter.nodeName(args.get(arg)), key);
      }
    }
    return keys;
  }

  /** The checkpoint key behind a tensor ("node:k" in a graph, "node:out:k" in a function) that is an output of RestoreV2, or null. */
  private static String restoredKey(String tensor, Map<String, NodeDef> nodes) {
    for (int hops = 0; hops < 100; hops++) {
      String[] p = tensor.split(":");
      NodeDef n = nodes.get(p[0]);
      if (n == null) return null;
      if (n.getOp().equals("Identity") && n.getInputCount() > 0) {
        tensor = n.getInput(0);
        continue;
      }
      if (!n.getOp().equals("RestoreV2") || n.getInputCount() < 2) return null;
      String last = p[p.length - 1];
      int k = p.length > 1 && !last.isEmpty() && last.length() < 9 && last.chars().allMatch(Character::isDigit) ? Integer.parseInt(last) : 0;
      NodeDef names = nodes.get(n.getInput(1).split(":")[0]);
      if (names == null || !names.getOp().equals("Const") || !names.containsAttr("value")) return null;
      List<ByteString> v = strings(names.getAttrOrThrow("value").getTensor());
      return k < v.size() ? v.get(k).toStringUtf8() : null;
    }
    return null;
  }

  /**
   * The elements of a string constant: {@code string_val} as Python writes it, or {@code tensor_content}
   * as the C API (TF Java) does: every length as a varint, then the bytes.
   */
  static List<ByteString> strings(TensorProto t) {
    if (t.getStringValCount() > 0 || t.getTensorContent().isEmpty()) return t.getStringValList();
    long n;
    try {
      n = TensorBundle.elements(t.getTensorShape());
    } catch (ArithmeticException e) {
      return List.of();
    }
    java.nio.ByteBuffer in = t.getTensorContent().asReadOnlyByteBuffer();
    if (n < 0) return List.of();
    long[] lengths = new long[(int) Math.min(n, in.remaining())];
    for (int i = 0; i < lengths.length; i++) {
      long v = 0;
      for (int shift = 0; in.hasRemaining() && shift < 35; shift += 7) {
        byte b = in.get();
        v |= (long) (b & 0x7f) << shift;
        if (b >= 0) break;
      }
      lengths[i] = v;
    }
    List<ByteString> out = new java.util.ArrayList<>();
    for (long len : lengths) {
      if (len > in.remaining()) return List.of();
      byte[] b = new byte[(int) len];
      in.get(b);
      out.add(ByteString.copyFrom(b));
    }
    return out;
  }

  /** For each SavedObjectGraph node, the checkpoint object reached by the same child names from the root, or -1. */
  private static int[] matchObjects(SavedObjectGraph saved, TrackableObjectGraph ckpt) {
    int[] to = new int[saved.getNodesCount()];
    Arrays.fill(to, -1);
    if (to.length == 0 || ckpt.getNodesCount() == 0) return to;
    to[0] = 0;
    Deque<Integer> todo = new ArrayDeque<>(List.of(0));
    while (!todo.isEmpty()) {
      int s = todo.poll();
      TrackableObject c = ckpt.getNodes(to[s]);
      Map<String, Integer> byName = new HashMap<>();
      for (TrackableObject.ObjectReference r : c.getChildrenList()) byName.putIfAbsent(r.getLocalName(), r.getNodeId());
      for (var r : saved.getNodes(s).getChildrenList()) {
        Integer target = byName.get(r.getLocalName());
        int child = r.getNodeId();
        if (target == null || child < 0 || child >= to.length || to[child] >= 0 || target < 0 || target >= ckpt.getNodesCount()) continue;
        to[child] = target;
        todo.add(child);
      }
    }
    return to;
  }

  private static String variableKey(TrackableObjectGraph ckpt, int node) {
    if (node < 0) return null;
    for (var a : ckpt.getNodes(node).getAttributesList()) if (a.getName().equals("VARIABLE_VALUE")) return a.getCheckpointKey();
    return null;
  }

  /**
   * The graph with its variables replaced by constants.
   *
   * @param meta the MetaGraph {@code g} was inlined from, whose object graph names the checkpoint entries
   * @param bundle opened only when the graph has variables
   */
  static GraphDef freeze(GraphDef g, MetaGraphDef meta, Supplier<TensorBundle> bundle) {
    Map<String, NodeDef> byName = new HashMap<>();
    boolean any = false;
    for (NodeDef n : g.getNodeList()) {
      byName.put(n.getName(), n);
      any |= VARIABLE_OPS.contains(n.getOp());
    }
    for (NodeDef n : g.getNodeList()) checkResourceUse(n, byName);
    if (!any) return g;
    TensorBundle b = bundle.get();
    Map<String, String> keys = new HashMap<>(restoreKeys(meta));
    keys.putAll(objectGraphKeys(meta, b));
    GraphDef.Builder out = g.toBuilder().clearNode();
    for (NodeDef n : g.getNodeList()) {
      if (VARIABLE_OPS.contains(n.getOp())) {
        out.addNode(constant(n, key(n, keys), b));
      } else if (n.getOp().equals("ReadVariableOp")) {
        out.addNode(NodeDef.newBuilder().setName(n.getName()).setOp("Identity").addAllInput(n.getInputList()));
      } else if (n.getOp().equals("VariableShape")) {
        out.addNode(n.toBuilder().setOp("Shape"));
      } else {
        out.addNode(n);
      }
    }
    return out.build();
  }

  private static String key(NodeDef var, Map<String, String> keys) {
    String k = keys.get(var.getName());
    if (k != null) return k;
    AttrValue shared = var.getAttrMap().get("shared_name");
    if (shared != null && !shared.getS().isEmpty()) return shared.getS().toStringUtf8();
    return var.getName();
  }

  /** A resource handle may only be read; an op that writes or gathers through it cannot run as a constant. */
  private static void checkResourceUse(NodeDef n, Map<String, NodeDef> byName) {
    for (String in : n.getInputList()) {
      NodeDef src = byName.get(TfImporter.nodeName(in));
      while (src != null && src.getOp().equals("Identity") && src.getInputCount() > 0) src = byName.get(TfImporter.nodeName(src.getInput(0)));
      if (src == null) continue;
      boolean resource = src.getOp().equals("VarHandleOp")
          || (src.getOp().startsWith("Placeholder") && src.getAttrMap().containsKey("dtype") && src.getAttrOrThrow("dtype").getType() == DataType.DT_RESOURCE);
      if (!resource || RESOURCE_READERS.contains(n.getOp())) continue;
      if (!src.getOp().equals("VarHandleOp")) {
        throw new ModelImportException("node '" + n.getName() + "' reads resource '" + src.getName() + "', which no variable feeds; export the model with its variables");
      }
      throw new ModelImportException("TensorFlow op " + n.getOp() + " (node '" + n.getName() + "') uses variable '" + src.getName()
          + "' other than by reading it; only reads of variables are supported (embedding lookups and updates are not)");
    }
  }

  private static NodeDef constant(NodeDef var, String key, TensorBundle bundle) {
    if (!bundle.contains(key)) {
      TreeSet<String> near = new TreeSet<>();
      for (String k : bundle.keys()) if (!k.equals(TensorBundle.OBJECT_GRAPH_KEY) && near.size() < 5) near.add(k);
      throw new ModelImportException("variable '" + var.getName() + "' is not in " + bundle.name() + " (no entry '" + key
          + "'; it holds " + (bundle.keys().size()) + " entries such as " + String.join(", ", near)
          + "); the variables directory does not belong to this model");
    }
    BundleEntryProto e = bundle.entry(key);
    AttrValue dtype = var.getAttrMap().get("dtype");
    if (dtype != null && dtype.getType() != DataType.DT_INVALID && dtype.getType() != e.getDtype()) {
      throw new ModelImportException("variable '" + var.getName() + "' is " + dtype.getType() + " but its checkpoint entry '" + key + "' is "
          + e.getDtype() + "; the variables directory does not belong to this model");
    }
    AttrValue shape = var.getAttrMap().get("shape");
    if (shape != null && !shape.getShape().getUnknownRank() && fullyDefined(shape.getShape()) && !sameDims(shape.getShape(), e.getShape())) {
      throw new ModelImportException("variable '" + var.getName() + "' has shape " + TensorBundle.dims(shape.getShape()) + " but its checkpoint entry '"
          + key + "' has shape " + TensorBundle.dims(e.getShape()) + "; the variables directory does not belong to this model");
    }
    TensorProto value = TensorProto.newBuilder().setDtype(e.getDtype()).setTensorShape(e.getShape()).setTensorContent(bundle.bytes(key)).build();
    return NodeDef.newBuilder().setName(var.getName()).setOp("Const")
        .putAttr("dtype", AttrValue.newBuilder().setType(e.getDtype()).build())
        .putAttr("value", AttrValue.newBuilder().setTensor(value).build())
        .build();
  }

  private static boolean fullyDefined(TensorShapeProto s) {
    for (TensorShapeProto.Dim d : s.getDimList()) if (d.getSize() < 0) return false;
    return true;
  }

  private static boolean sameDims(TensorShapeProto a, TensorShapeProto b) {
    if (a.getDimCount() != b.getDimCount()) return false;
    for (int i = 0; i < a.getDimCount(); i++) if (a.getDim(i).getSize() != b.getDim(i).getSize()) return false;
    return true;
  }
}
