package io.musketeer.importer;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.IrException;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The IR graph an importer builds, free of any framework's types: emits nodes, turns each known
 * tensor into at most one constant, folds lowerings over known inputs, and prunes what no output
 * needs. The TensorFlow and ONNX importers share it; each brings only its op table.
 */
public final class ImportGraph {
  private final Graph.Builder builder = new Graph.Builder();
  private final Map<Known, Integer> constants = new IdentityHashMap<>();

  public int emit(String name, Op op, int... inputs) {
    return builder.add(name, op, inputs);
  }

  /** The IR node of a value: a known one becomes a server-owned constant (once per known tensor). */
  public int ir(Value v, String name) {
    if (!v.isKnown()) return v.node();
    return constants.computeIfAbsent(v.known(), k -> builder.add(name, new Op.Constant(k.toFloat(), false)));
  }

  /** A structural constant every party may know (the 6 of Relu6, the slope of a LeakyRelu). */
  public int publicConstant(String name, float value) {
    return builder.add(name, new Op.Constant(FloatTensor.scalar(value), true));
  }

  public Shape shape(Value v) {
    return v.isKnown() ? v.known().shape() : builder.shape(v.node());
  }

  public Node node(int i) {
    return builder.node(i);
  }

  /**
   * Evaluates a lowering whose inputs are all known, at import: the lowering emits IR into a scratch
   * graph, which the float interpreter runs. So every op a table lowers is foldable without a second
   * implementation of its arithmetic.
   *
   * @param floating whether the results are floating point (else integer shape arithmetic)
   */
  public static Value[] fold(Function<ImportGraph, Value[]> lowering, boolean floating) {
    ImportGraph scratch = new ImportGraph();
    Value[] out = lowering.apply(scratch);
    Value[] result = new Value[out.length];
    for (int k = 0; k < out.length; k++) {
      if (out[k] == null || out[k].isKnown()) {
        result[k] = out[k];
        continue;
      }
      FloatTensor t = FloatInterpreter.run(scratch.builder.build(out[k].node()), Map.of()).get(0);
      result[k] = Value.known(Known.of(t, floating));
    }
    return result;
  }

  /**
   * Runs one node's lowering and reports what goes wrong against that node: an IR rule it breaks, or
   * malformed attributes and constants (a -2 dimension, bounds of the wrong rank) that reach the
   * shape arithmetic of a lowering.
   *
   * @param what the node as users know it, e.g. "TensorFlow op Conv2D (node 'conv1')"
   */
  public static <T> T lowerNode(String what, java.util.function.Supplier<T> lowering) {
    try {
      return lowering.get();
    } catch (IrException e) {
      throw new ModelImportException(what + ": " + e.getMessage());
    } catch (ModelImportException e) {
      throw e;
    } catch (RuntimeException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : ModelImportException.firstLine(e.getMessage());
      throw new ModelImportException(what + " is malformed: " + why);
    }
  }

  /**
   * The graph with the given outputs, without nodes no output needs (left behind by lowerings such as
   * ArgMax over Softmax); inputs are kept, so callers feed the inputs they expect.
   */
  public Graph finish(int[] outputs) {
    int n = builder.size();
    boolean[] keep = new boolean[n];
    for (int o : outputs) keep[o] = true;
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
    int[] mapped = new int[outputs.length];
    for (int i = 0; i < outputs.length; i++) mapped[i] = remap[outputs[i]];
    try {
      return new Graph(nodes, mapped);
    } catch (IrException e) {
      throw new ModelImportException("imported graph is invalid: " + e.getMessage());
    }
  }
}
