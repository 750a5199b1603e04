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
 * Lowers a float graph to a fixed-point {@link Program}: inputs and weights at scale s; a product of
 * scales a and b has scale a + b and is truncated back to s, except that a product whose only reader
 * adds a constant (a bias) keeps scale 2s through the addition, the bias being encoded at 2s, and is
 * truncated after it (one truncation, finer bias). A final Softmax is left to the client.
 */
public final class FixedPointLowering {
  private FixedPointLowering() {}

  public static Program lower(Graph g, int fracBits) {
    if (fracBits < 1 || fracBits > 30) throw new IrException("fixed-point scale must be in 1..30, got " + fracBits);
    int[] uses = g.useCounts();
    Graph.Builder b = new Graph.Builder();
    List<Integer> scales = new ArrayList<>();
    int[] mapped = new int[g.size()];
    Map<Long, Integer> constants = new HashMap<>();
    boolean softmax = false;
    int[] outputs = g.outputs();
    boolean[] isOutput = new boolean[g.size()];
    for (int o : outputs) isOutput[o] = true;

    for (int i = 0; i < g.size(); i++) {
      Node n = g.node(i);
      Op op = n.op();
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
      boolean constOperand = false;
      for (int k = 0; k < ins.length; k++) {
        if (mapped[ins[k]] >= 0) {
          newIns[k] = mapped[ins[k]];
          inScales[k] = scales.get(newIns[k]);
        } else {
          constOperand = true;
        }
      }
      // constants take the scale of the other operand for additive ops, s otherwise
      int additiveScale = fracBits;
      if (op instanceof Op.Add || op instanceof Op.Sub || op instanceof Op.Concat) {
        for (int k = 0; k < ins.length; k++) if (mapped[ins[k]] >= 0) additiveScale = Math.max(additiveScale, inScales[k]);
      }
      for (int k = 0; k < ins.length; k++) {
        if (mapped[ins[k]] < 0) {
          int cs = (op instanceof Op.Add || op instanceof Op.Sub || op instanceof Op.Concat) ? additiveScale : fracBits;
          newIns[k] = constant(g, ins[k], cs, b, scales, constants);
          inScales[k] = cs;
        }
      }
      // additive ops need equal scales: bring every operand down to the smallest
      if (op instanceof Op.Add || op instanceof Op.Sub || op instanceof Op.Concat) {
        int target = Integer.MAX_VALUE;
        for (int s : inScales) target = Math.min(target, s);
        for (int k = 0; k < ins.length; k++) {
          if (inScales[k] > target) {
            newIns[k] = emit(b, scales, n.name() + "/align" + k, new Op.Truncate(inScales[k] - target), target, newIns[k]);
            inScales[k] = target;
          }
        }
      }
      int outScale = switch (op) {
        case Op.MatMul m -> inScales[0] + inScales[1];
        case Op.Conv2D c -> inScales[0] + inScales[1];
        case Op.Mul m -> inScales[0] + inScales[1];
        case Op.ArgMax a -> 0;
        default -> inScales.length == 0 ? fracBits : inScales[0];
      };
      int out = emit(b, scales, n.name(), op, outScale, newIns);
      boolean deferred = isProduct(op) && uses[i] == 1 && !isOutput[i] && readerAddsConstant(g, i);
      if (outScale > fracBits && !deferred) {
        out = emit(b, scales, n.name() + "/trunc", new Op.Truncate(outScale - fracBits), fracBits, out);
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
    return new Program(lowered, sc, fracBits, softmax);
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

  private static int constant(Graph g, int i, int scale, Graph.Builder b, List<Integer> scales, Map<Long, Integer> cache) {
    long key = ((long) i << 8) | scale;
    Integer have = cache.get(key);
    if (have != null) return have;
    int idx = emit(b, scales, g.node(i).name(), g.node(i).op(), scale);
    cache.put(key, idx);
    return idx;
  }

  private static int emit(Graph.Builder b, List<Integer> scales, String name, Op op, int scale, int... ins) {
    int idx = b.add(name, op, ins);
    scales.add(scale);
    return idx;
  }
}
