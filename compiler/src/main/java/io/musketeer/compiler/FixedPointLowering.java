package io.musketeer.compiler;

import io.musketeer.ir.Graph;
import io.musketeer.ir.IrException;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Lowers a float graph to a fixed-point {@link Program} under a {@link ScalePlan}: inputs and weights
 * are encoded at their planned scale; a product of scales a and b has scale a + b and is truncated
 * back to its planned scale, except that a product whose only reader adds a constant (a bias) keeps
 * its scale through the addition, the bias being encoded at that scale, and is truncated after it (one
 * truncation, finer bias). Additive operands meet at the smallest of their scales. A final Softmax is
 * left to the client.
 */
public final class FixedPointLowering {
  private FixedPointLowering() {}

  public static Program lower(Graph g, int fracBits) {
    return lower(g, ScalePlan.uniform(fracBits));
  }

  public static Program lower(Graph g, ScalePlan plan) {
    return lowerTraced(g, plan).program();
  }

  /**
   * A lowered program and, for each of its nodes, the node of the float graph whose value it holds (a
   * truncation or alignment holds its operand's value at a lower scale): calibration measures ranges on
   * the float graph and reads them through this map.
   */
  public record Lowered(Program program, int[] source) {
    public Lowered {
      source = source.clone();
    }

    @Override
    public int[] source() {
      return source.clone();
    }

    public int source(int node) {
      return source[node];
    }
  }

  public static Lowered lowerTraced(Graph g, ScalePlan plan) {
    int[] uses = g.useCounts();
    Graph.Builder b = new Graph.Builder();
    List<Integer> scales = new ArrayList<>();
    List<Integer> sources = new ArrayList<>();
    int[] mapped = new int[g.size()];
    Map<Long, Integer> constants = new HashMap<>();
    boolean softmax = false;
    int[] outputs = g.outputs();
    boolean[] isOutput = new boolean[g.size()];
    for (int o : outputs) isOutput[o] = true;

    for (int i = 0; i < g.size(); i++) {
      Node n = g.node(i);
      Op op = n.op();
      int planned = plan.scale(n.name());
      if (op instanceof Op.Constant) {
        mapped[i] = -1; // emitted lazily, at the scale its reader needs
        continue;
      }
      if (op instanceof Op.Softmax) {
        if (!isOutput[i] || uses[i] != 1) throw new IrException("Softmax is only supported as the model's last op (node '" + n.name() + "')");
        mapped[i] = mapped[n.input(0)];
        softmax = true;
        continue;
      }
      int[] ins = n.inputs();
      int[] newIns = new int[ins.length];
      int[] inScales = new int[ins.length];
      boolean additive = isAdditive(op);
      // additive ops take constants at the scale of their run-time operands; others at the constant's own
      int additiveScale = 0;
      for (int k = 0; k < ins.length; k++) {
        if (mapped[ins[k]] >= 0) {
          newIns[k] = mapped[ins[k]];
          inScales[k] = scales.get(newIns[k]);
          additiveScale = Math.max(additiveScale, inScales[k]);
        }
      }
      for (int k = 0; k < ins.length; k++) {
        if (mapped[ins[k]] < 0) {
          int cs = additive && additiveScale > 0 ? additiveScale : plan.scale(g.node(ins[k]).name());
          newIns[k] = constant(g, ins[k], cs, b, scales, sources, constants);
          inScales[k] = cs;
        }
      }
      // additive ops need equal scales: bring every operand down to the smallest
      if (additive) {
        int target = Integer.MAX_VALUE;
        for (int s : inScales) target = Math.min(target, s);
        for (int k = 0; k < ins.length; k++) {
          if (inScales[k] > target) {
            newIns[k] = emit(b, scales, sources, ins[k], n.name() + "/align" + k, new Op.Truncate(inScales[k] - target), target, newIns[k]);
            inScales[k] = target;
          }
        }
      }
      int outScale = naturalScale(op, n, inScales, planned);
      int out = emit(b, scales, sources, i, n.name(), op, outScale, newIns);
      boolean deferred = isProduct(op) && uses[i] == 1 && !isOutput[i] && readerAddsConstant(g, i);
      if (outScale > planned && !deferred) {
        out = emit(b, scales, sources, i, n.name() + "/trunc", new Op.Truncate(outScale - planned), planned, out);
      }
      mapped[i] = out;
    }
    int[] newOuts = new int[outputs.length];
    for (int k = 0; k < outputs.length; k++) {
      int o = mapped[outputs[k]];
      if (o < 0) throw new IrException("model output '" + g.node(outputs[k]).name() + "' is a constant; nothing to compute securely");
      newOuts[k] = o;
    }
    if (softmax) {
      for (int o : outputs) {
        if (!(g.node(o).op() instanceof Op.Softmax)) throw new IrException("a final Softmax must end every output or none");
      }
    }
    Graph lowered = b.build(newOuts);
    int[] sc = scales.stream().mapToInt(Integer::intValue).toArray();
    int[] src = sources.stream().mapToInt(Integer::intValue).toArray();
    return new Lowered(new Program(lowered, sc, plan.defaultScale(), softmax), src);
  }

  /** The scale of an op's exact result, from its operands' scales (before any truncation). */
  private static int naturalScale(Op op, Node n, int[] in, int planned) {
    return switch (op) {
      case Op.Input x -> planned;
      case Op.MatMul x -> in[0] + in[1];
      case Op.Conv2D x -> in[0] + in[1];
      case Op.Mul x -> in[0] + in[1];
      // operands already aligned
      case Op.Add x -> in[0];
      case Op.Sub x -> in[0];
      case Op.Concat x -> in[0];
      // scale-preserving: sign, order, sums, means (division by a public count) and data movement
      case Op.Neg x -> in[0];
      case Op.Relu x -> in[0];
      case Op.MaxPool x -> in[0];
      case Op.AvgPool x -> in[0];
      case Op.ReduceSum x -> in[0];
      case Op.ReduceMean x -> in[0];
      case Op.Reshape x -> in[0];
      case Op.Pad x -> in[0];
      case Op.Transpose x -> in[0];
      case Op.Slice x -> in[0];
      // an index, not a fixed-point number
      case Op.ArgMax x -> 0;
      case Op.Constant x -> throw new IllegalStateException("constants are emitted at their reader's scale");
      case Op.Softmax x -> throw new IllegalStateException("a final Softmax is left to the client");
      case Op.Truncate x -> throw new IrException("node '" + n.name() + "': Truncate belongs in fixed-point programs, not in the float graph being lowered");
    };
  }

  private static boolean isAdditive(Op op) {
    return op instanceof Op.Add || op instanceof Op.Sub || op instanceof Op.Concat;
  }

  private static boolean isProduct(Op op) {
    return op instanceof Op.MatMul || op instanceof Op.Conv2D || op instanceof Op.Mul;
  }

  private static boolean readerAddsConstant(Graph g, int i) {
    for (int j = i + 1; j < g.size(); j++) {
      Node n = g.node(j);
      for (int k = 0; k < n.arity(); k++) {
        if (n.input(k) == i) {
          return (n.op() instanceof Op.Add || n.op() instanceof Op.Sub) && n.arity() == 2
              && g.node(n.input(1 - k)).op() instanceof Op.Constant;
        }
      }
    }
    return false;
  }

  private static int constant(Graph g, int i, int scale, Graph.Builder b, List<Integer> scales, List<Integer> sources, Map<Long, Integer> cache) {
    long key = ((long) i << 8) | scale;
    Integer have = cache.get(key);
    if (have != null) return have;
    int idx = emit(b, scales, sources, i, g.node(i).name(), g.node(i).op(), scale);
    cache.put(key, idx);
    return idx;
  }

  private static int emit(Graph.Builder b, List<Integer> scales, List<Integer> sources, int source, String name, Op op, int scale, int... ins) {
    int idx = b.add(name, op, ins);
    scales.add(scale);
    sources.add(source);
    return idx;
  }
}
