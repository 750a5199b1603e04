package io.musketeer.importer.tf;

import io.musketeer.importer.ModelImportException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;

/**
 * Turns a GraphDef whose computation lives in its function library (TF2 and Keras exports: the serving
 * signature is a {@code StatefulPartitionedCall} of a function that calls further functions) into a
 * plain GraphDef the importer reads like a frozen graph.
 *
 * <p>Each call ({@code PartitionedCall}, {@code StatefulPartitionedCall}, or a node whose op is a library
 * function) is replaced by the callee's body, its nodes keeping their names (the name scopes of the
 * model's code, {@code sequential/dense/MatMul}) made unique with a suffix; the callee's arguments
 * become the call's inputs and the call's outputs become the tensors its {@code ret} map names. Inside a
 * function a tensor is named {@code node:output_arg:index}; it is translated to the flat
 * {@code node:k} of a GraphDef. Control inputs and control outputs are dropped (inference needs data
 * edges only), and only what the requested outputs depend on is kept.
 */
final class FunctionInliner {
  static final Set<String> CALL_OPS = Set.of("PartitionedCall", "StatefulPartitionedCall");

  /** Output arguments of the ops with more than one, in order; every other op has one (possibly a list). */
  private static final Map<String, List<String>> OUTPUT_ARGS = Map.ofEntries(
      Map.entry("FusedBatchNorm", List.of("y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2")),
      Map.entry("FusedBatchNormV2", List.of("y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2")),
      Map.entry("FusedBatchNormV3", List.of("y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2", "reserve_space_3")),
      Map.entry("MaxPoolWithArgmax", List.of("output", "argmax")),
      Map.entry("TopKV2", List.of("values", "indices")),
      Map.entry("Unique", List.of("y", "idx")),
      Map.entry("UniqueV2", List.of("y", "idx")),
      Map.entry("UniqueWithCounts", List.of("y", "idx", "count")),
      Map.entry("Switch", List.of("output_false", "output_true")),
      Map.entry("Merge", List.of("output", "value_index")),
      Map.entry("BroadcastGradientArgs", List.of("r0", "r1")),
      Map.entry("QuantizeV2", List.of("output", "output_min", "output_max")),
      Map.entry("Svd", List.of("s", "u", "v")),
      Map.entry("Qr", List.of("q", "r")));

  /** Far above any real network; a guard against a library that expands without bound. */
  private static final int MAX_NODES = 5_000_000;
  private static final int MAX_DEPTH = 100;

  /** The inlined graph and, in the order asked, the tensors the requested outputs became. */
  record Inlined(GraphDef graph, List<String> outputs) {}

  private final GraphDef graph;
  private final Map<String, FunctionDef> library = new HashMap<>();
  private final Map<String, NodeDef> emitted = new LinkedHashMap<>();
  /** Tensors that stand for others: the outputs of calls. */
  private final Map<String, String> aliases = new HashMap<>();
  private final Set<String> names = new HashSet<>();
  /** For ops of unknown output arguments: the one argument name each node was read through. */
  private final Map<String, String> argSeen = new HashMap<>();

  private FunctionInliner(GraphDef graph) {
    this.graph = graph;
    for (FunctionDef f : graph.getLibrary().getFunctionList()) library.put(f.getSignature().getName(), f);
  }

  /** @param outputs tensors of {@code graph} ("node" or "node:k") */
  static Inlined inline(GraphDef graph, List<String> outputs) {
    return new FunctionInliner(graph).run(outputs);
  }

  private Inlined run(List<String> outputs) {
    Map<String, NodeDef> outer = new LinkedHashMap<>();
    for (NodeDef n : graph.getNodeList()) {
      if (outer.put(n.getName(), n) != null) throw new ModelImportException("the graph has two nodes named '" + n.getName() + "'");
      names.add(n.getName());
    }
    List<String> outs = new ArrayList<>();
    for (String o : outputs) outs.add(canonical(o));
    for (String nodeName : neededOuterNodes(outer, outs)) {
      NodeDef n = outer.get(nodeName);
      List<String> ins = new ArrayList<>();
      for (String in : n.getInputList()) if (!in.startsWith("^")) ins.add(canonical(in));
      FunctionDef callee = callee(n);
      if (callee != null) expand(n.getName(), n, callee, ins, new ArrayDeque<>());
      else emit(n.getName(), n, ins);
    }
    List<String> resolved = new ArrayList<>();
    for (String o : outs) resolved.add(resolve(o, "output " + o));
    return new Inlined(pruned(resolved), resolved);
  }

  /** Outer nodes the outputs depend on; a call counts as depending on all its inputs. */
  private List<String> neededOuterNodes(Map<String, NodeDef> outer, List<String> outs) {
    Set<String> seen = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>();
    for (String o : outs) todo.push(TfImporter.nodeName(o));
    while (!todo.isEmpty()) {
      String name = todo.pop();
      if (!seen.add(name)) continue;
      NodeDef n = outer.get(name);
      if (n == null) throw new ModelImportException("a node reads '" + name + "', which is not in the graph");
      for (String in : n.getInputList()) if (!in.startsWith("^")) todo.push(TfImporter.nodeName(in));
    }
    List<String> order = new ArrayList<>();
    for (String name : outer.keySet()) if (seen.contains(name)) order.add(name);
    return order;
  }

  private FunctionDef callee(NodeDef n) {
    if (CALL_OPS.contains(n.getOp())) {
      AttrValue f = n.getAttrMap().get("f");
      if (f == null || f.getFunc().getName().isEmpty()) throw new ModelImportException(n.getOp() + " node '" + n.getName() + "' names no function");
      FunctionDef fn = library.get(f.getFunc().getName());
      if (fn == null) {
        throw new ModelImportException(n.getOp() + " node '" + n.getName() + "' calls function '" + f.getFunc().getName()
            + "', which is not in the graph's function library");
      }
      return fn;
    }
    return library.get(n.getOp());
  }

  /** The attributes a callee's generic attributes ({@code placeholder}) take their values from. */
  private static Map<String, AttrValue> callAttrs(NodeDef call) {
    if (CALL_OPS.contains(call.getOp())) return call.getAttrMap().get("f").getFunc().getAttrMap();
    return call.getAttrMap();
  }

  /** @param prefix the call's name in the result, whose outputs become aliases {@code prefix:k} */
  private void expand(String prefix, NodeDef call, FunctionDef fn, List<String> args, Deque<String> stack) {
    OpDef sig = fn.getSignature();
    String fname = sig.getName();
    if (stack.contains(fname)) throw new ModelImportException("function '" + fname + "' calls itself; recursive functions cannot be inlined");
    if (stack.size() >= MAX_DEPTH) throw new ModelImportException("functions nest deeper than " + MAX_DEPTH + " calls at '" + prefix + "'");
    if (args.size() != sig.getInputArgCount()) {
      throw new ModelImportException("node '" + prefix + "' passes " + args.size() + " inputs to function '" + fname + "', which takes "
          + sig.getInputArgCount());
    }
    stack.push(fname);
    Map<String, String> argMap = new HashMap<>();
    for (int i = 0; i < args.size(); i++) argMap.put(sig.getInputArg(i).getName(), args.get(i));
    Map<String, NodeDef> local = new LinkedHashMap<>();
    Map<String, String> global = new HashMap<>();
    for (NodeDef n : fn.getNodeDefList()) {
      if (local.put(n.getName(), n) != null) throw new ModelImportException("function '" + fname + "' has two nodes named '" + n.getName() + "'");
      global.put(n.getName(), unique(n.getName()));
    }
    Scope scope = new Scope(fname, argMap, local, global);
    Map<String, AttrValue> attrs = callAttrs(call);
    for (NodeDef n : fn.getNodeDefList()) {
      List<String> ins = new ArrayList<>();
      for (String in : n.getInputList()) if (!in.startsWith("^")) ins.add(scope.tensor(in));
      FunctionDef callee = callee(n);
      NodeDef concrete = withAttrs(n, attrs, fname);
      if (callee != null) expand(global.get(n.getName()), concrete, callee, ins, stack);
      else emit(global.get(n.getName()), concrete, ins);
    }
    for (int k = 0; k < sig.getOutputArgCount(); k++) {
      String arg = sig.getOutputArg(k).getName();
      String ret = fn.getRetMap().get(arg);
      if (ret == null) throw new ModelImportException("function '" + fname + "' does not say what its output '" + arg + "' is");
      aliases.put(prefix + ":" + k, scope.tensor(ret));
    }
    stack.pop();
  }

  /** A node of a function body with its generic attributes bound to the call's. */
  private static NodeDef withAttrs(NodeDef n, Map<String, AttrValue> callAttrs, String fname) {
    NodeDef.Builder b = null;
    for (Map.Entry<String, AttrValue> a : n.getAttrMap().entrySet()) {
      String p = a.getValue().getPlaceholder();
      if (p.isEmpty()) continue;
      AttrValue v = callAttrs.get(p);
      if (v == null) {
        throw new ModelImportException("node '" + n.getName() + "' of function '" + fname + "' takes attribute " + a.getKey()
            + " from '" + p + "', which the call does not set");
      }
      if (b == null) b = n.toBuilder();
      b.putAttr(a.getKey(), v);
    }
    return b == null ? n : b.build();
  }

  /** Names inside one function body. */
  private final class Scope {
    final String function;
    final Map<String, String> args;
    final Map<String, NodeDef> local;
    final Map<String, String> global;

    Scope(String function, Map<String, String> args, Map<String, NodeDef> local, Map<String, String> global) {
      this.function = function;
      this.args = args;
      this.local = local;
      this.global = global;
    }

    /** A tensor named inside the body ("arg", "node:out_arg:i", "node:out_arg") as a flat tensor of the result. */
    String tensor(String ref) {
      String[] p = ref.split(":", -1);
      if (p.length == 1 || (p.length == 2 && p[1].equals("0") && args.containsKey(p[0]))) {
        String a = args.get(p[0]);
        if (a != null) return a;
        if (local.containsKey(p[0])) return global.get(p[0]) + ":0";
        throw bad(ref);
      }
      NodeDef n = local.get(p[0]);
      if (n == null || p.length > 3) throw bad(ref);
      if (p.length == 2 && isIndex(p[1])) return global.get(p[0]) + ":" + p[1]; // graph-style name inside a body
      int idx = p.length == 3 ? index(p[2], ref) : 0;
      return global.get(p[0]) + ":" + flatIndex(n, global.get(p[0]), p[1], idx, ref);
    }

    private int flatIndex(NodeDef n, String gname, String arg, int idx, String ref) {
      if (CALL_OPS.contains(n.getOp())) {
        if (!arg.equals("output")) throw bad(ref);
        return idx;
      }
      FunctionDef callee = library.get(n.getOp());
      if (callee != null) {
        List<String> outs = callee.getSignature().getOutputArgList().stream().map(OpDef.ArgDef::getName).toList();
        int i = outs.indexOf(arg);
        if (i < 0) throw bad(ref);
        return i + idx;
      }
      List<String> outs = OUTPUT_ARGS.get(n.getOp());
      if (outs != null) {
        int i = outs.indexOf(arg);
        if (i < 0) throw bad(ref);
        return i + idx;
      }
      String seen = argSeen.putIfAbsent(gname, arg);
      if (seen != null && !seen.equals(arg)) {
        throw new ModelImportException("function '" + function + "' reads op " + n.getOp() + " (node '" + n.getName() + "') through outputs '"
            + seen + "' and '" + arg + "', whose order is not known; this op is not supported");
      }
      return idx;
    }

    private int index(String s, String ref) {
      if (!isIndex(s)) throw bad(ref);
      return Integer.parseInt(s);
    }

    private ModelImportException bad(String ref) {
      return new ModelImportException("function '" + function + "' reads '" + ref + "', which is neither one of its arguments nor an output of its nodes");
    }
  }

  private static boolean isIndex(String s) {
    return !s.isEmpty() && s.length() < 9 && s.chars().allMatch(Character::isDigit);
  }

  private String unique(String name) {
    String n = name;
    for (int i = 1; !names.add(n); i++) n = name + "_" + i;
    return n;
  }

  private void emit(String name, NodeDef n, List<String> inputs) {
    if (emitted.size() >= MAX_NODES) throw new ModelImportException("the graph grows past " + MAX_NODES + " nodes when its functions are inlined");
    emitted.put(name, n.toBuilder().setName(name).clearInput().addAllInput(inputs).build());
  }

  /** "node", "node:k" as "node:k". */
  private static String canonical(String tensor) {
    return TfImporter.tensorName(tensor);
  }

  private String resolve(String tensor, String where) {
    String t = tensor;
    for (int steps = 0; aliases.containsKey(t); steps++) {
      if (steps > aliases.size()) throw new ModelImportException("function calls form a cycle at " + where);
      t = aliases.get(t);
    }
    String node = TfImporter.nodeName(t);
    if (!emitted.containsKey(node)) {
      if (names.contains(node)) {
        throw new ModelImportException(where + " reads '" + t + "', an output that function call '" + node + "' does not have");
      }
      throw new ModelImportException(where + " reads '" + t + "', which is not in the graph");
    }
    return t;
  }

  /** The emitted nodes the outputs depend on, with call outputs resolved to the tensors behind them. */
  private GraphDef pruned(List<String> outputs) {
    Map<String, NodeDef> resolved = new HashMap<>();
    Deque<String> todo = new ArrayDeque<>();
    for (String o : outputs) todo.push(TfImporter.nodeName(o));
    while (!todo.isEmpty()) {
      String name = todo.pop();
      if (resolved.containsKey(name)) continue;
      NodeDef n = emitted.get(name);
      NodeDef.Builder b = n.toBuilder().clearInput();
      for (String in : n.getInputList()) {
        String r = resolve(in, "node '" + name + "'");
        b.addInput(r);
        todo.push(TfImporter.nodeName(r));
      }
      resolved.put(name, b.build());
    }
    GraphDef.Builder out = GraphDef.newBuilder().setVersions(graph.getVersions());
    for (String name : emitted.keySet()) if (resolved.containsKey(name)) out.addNode(resolved.get(name));
    return out.build();
  }
}
