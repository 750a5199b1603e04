package io.musketeer.mpc.protocol;

import io.musketeer.core.PoolGeometry;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.ir.ShapeInference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The comparison calls a program makes, node by node, decided once: which ReLU/truncation pairs are
 * fused, which truncations are revealed, the truncations and divisions a protocol may make exact, and
 * the input bound of every call. The executor makes exactly these calls, in this order, and hands the
 * list to {@link Comparison#prepare} first, so that a protocol can deal its input-independent material
 * ahead of the calls.
 */
public final class ComparisonPlan {
  /** One comparison call; {@code node} is the program node that makes it. */
  public sealed interface Call {
    int node();
  }

  public record Relu(int node, int n, int bound) implements Call {}

  /** A fused pair: the call's input is the first node's input, its result the second node's value. */
  public record ReluTruncate(int node, int second, int n, int bits, int bound, boolean truncateFirst) implements Call {}

  /**
   * A truncation whose result only an addition reads, whose sum only a ReLU reads: ReLU(⌊a/2^f⌋ + b)
   * is computed as one fused call on a + b·2^f, which is the same value exactly (b·2^f is a multiple of
   * 2^f). {@code node} is the addition, {@code truncate} and {@code relu} the other two; {@code addend}
   * is the operand index of b in the addition.
   */
  public record ReluTruncateAdd(int node, int truncate, int relu, int addend, int n, int bits, int bound) implements Call {}

  public record MaxPool(int node, int slots, int count, int bound) implements Call {}

  public record ArgMax(int node, int rows, int len, int bound) implements Call {}

  public record TruncateRevealed(int node, int n, int bits, int bound) implements Call {}

  /** A truncation neither fused nor revealed: local, or exact where a protocol can make it so within the bound. */
  public record Shift(int node, int n, int bits, int bound) implements Call {}

  /** An AvgPool's or ReduceMean's division of n window sums by public counts in [minDivisor, maxDivisor]; the bound is the sums'. */
  public record Divide(int node, int n, long minDivisor, long maxDivisor, int bound) implements Call {}

  private final Call[] byNode;
  private final boolean[] deferred;

  private ComparisonPlan(Call[] byNode, boolean[] deferred) {
    this.byNode = byNode;
    this.deferred = deferred;
  }

  /** Whether node i is the truncation of a {@link ReluTruncateAdd}: it passes its input on, untruncated. */
  public boolean deferred(int node) {
    return deferred[node];
  }

  /** The call node i makes, or null. */
  public Call at(int node) {
    return byNode[node];
  }

  /** The calls in execution order. */
  public List<Call> calls() {
    List<Call> out = new ArrayList<>();
    for (Call c : byNode) if (c != null) out.add(c);
    return out;
  }

  /** The plan of a protocol without an exact fused truncation. */
  public static ComparisonPlan of(Program p) {
    return of(p, false);
  }

  /**
   * @param exactFusion whether the protocol's fused ReLU and truncation is exact, so that a truncation
   *     may also be fused across an addition ({@link ReluTruncateAdd})
   */
  /** The calls {@code comparison} is given for the program: pairs fused the exact way where it fuses exactly. */
  public static ComparisonPlan of(Program p, Comparison comparison) {
    return of(p, comparison.fusedTruncation(true) == TruncMode.EXACT);
  }

  public static ComparisonPlan of(Program p, boolean exactFusion) {
    Graph g = p.graph();
    int[] pair = reluTruncatePairs(g);
    boolean[] revealed = revealedTruncations(g);
    Call[] calls = new Call[g.size()];
    boolean[] second = new boolean[g.size()], deferred = new boolean[g.size()];
    if (exactFusion) truncateAddRelu(p, pair, revealed, calls, second, deferred);
    for (int i = 0; i < g.size(); i++) {
      if (second[i] || deferred[i] || calls[i] != null) continue;
      Node n = g.node(i);
      int bound = p.bound(i); // the bound of the values node i reads
      if (pair[i] > i) {
        boolean truncateFirst = n.op() instanceof Op.Truncate;
        int bits = ((Op.Truncate) (truncateFirst ? n : g.node(pair[i])).op()).bits();
        // Truncation first: the call's input is the truncation's input, whose bound is the ReLU's shifted back by the
        // truncation; bit k + f of x is bit k of x >> f, so this is exactly what the ReLU alone would see (and what the
        // interpreter, which runs the two unfused, emulates), however the truncation's own bound was rounded.
        int b = truncateFirst ? Math.min(Program.UNBOUNDED, p.bound(pair[i]) + bits) : bound;
        calls[i] = new ReluTruncate(i, pair[i], n.shape().size(), bits, b, truncateFirst);
        second[pair[i]] = true;
        continue;
      }
      if (n.op() instanceof Op.Relu) {
        calls[i] = new Relu(i, n.shape().size(), bound);
      } else if (n.op() instanceof Op.MaxPool m) {
        PoolGeometry geo = ShapeInference.poolGeometry(m.window(), g.node(n.input(0)).shape());
        calls[i] = new MaxPool(i, geo.kh() * geo.kw(), n.shape().size(), bound);
      } else if (n.op() instanceof Op.ArgMax a) {
        int len = g.node(n.input(0)).shape().dim(a.axis());
        calls[i] = new ArgMax(i, g.node(n.input(0)).shape().size() / len, len, bound);
      } else if (n.op() instanceof Op.Truncate t) {
        calls[i] = revealed[i] ? new TruncateRevealed(i, n.shape().size(), t.bits(), bound) : new Shift(i, n.shape().size(), t.bits(), bound);
      } else if (n.op() instanceof Op.AvgPool || n.op() instanceof Op.ReduceMean) {
        long[] d = divisors(g, i);
        calls[i] = new Divide(i, n.shape().size(), Arrays.stream(d).min().orElse(1), Arrays.stream(d).max().orElse(1), bound);
      }
    }
    return new ComparisonPlan(calls, deferred);
  }

  /** The public divisor of each output of node i, an AvgPool or a ReduceMean ({@link ShapeInference#divisors}). */
  public static long[] divisors(Graph g, int i) {
    Node n = g.node(i);
    return ShapeInference.divisors(n.op(), g.node(n.input(0)).shape(), n.shape());
  }

  /**
   * Finds Relu(Add(Truncate(a), b)) with each of the first two read only by the next, b of the sum's
   * shape, and the truncation neither fused nor revealed otherwise (ResNet's identity shortcuts).
   */
  private static void truncateAddRelu(Program p, int[] pair, boolean[] revealed, Call[] calls, boolean[] second, boolean[] deferred) {
    Graph g = p.graph();
    int[] uses = g.useCounts(), reader = new int[g.size()];
    Arrays.fill(reader, -1);
    for (int j = 0; j < g.size(); j++) for (int src : g.node(j).inputs()) if (uses[src] == 1) reader[src] = j;
    for (int s = 0; s < g.size(); s++) {
      Node add = g.node(s);
      if (!(add.op() instanceof Op.Add) || add.arity() != 2 || reader[s] < 0 || !(g.node(reader[s]).op() instanceof Op.Relu)) continue;
      int relu = reader[s];
      if (pair[relu] >= 0 || revealed[s]) continue;
      for (int k = 0; k < 2; k++) {
        int t = add.input(k), other = add.input(1 - k);
        if (t == other || !(g.node(t).op() instanceof Op.Truncate tr) || reader[t] != s || pair[t] >= 0 || revealed[t] || deferred[t]) continue;
        if (!g.node(other).shape().equals(add.shape()) || !g.node(t).shape().equals(add.shape()) || p.scale(other) != p.scale(t)) continue;
        calls[s] = new ReluTruncateAdd(s, t, relu, 1 - k, add.shape().size(), tr.bits(), Math.min(Program.UNBOUNDED, p.bound(relu) + tr.bits()));
        deferred[t] = true;
        second[relu] = true;
        break;
      }
    }
  }

  /**
   * For each node, the other node of its fused ReLU/truncation pair, or −1: the pair is a node read only
   * by the other (so neither value is needed elsewhere), paired greedily in program order.
   */
  public static int[] reluTruncatePairs(Graph g) {
    int size = g.size();
    int[] uses = g.useCounts(), soleReader = new int[size], partner = new int[size];
    Arrays.fill(soleReader, -1);
    Arrays.fill(partner, -1);
    for (int j = 0; j < size; j++) {
      for (int src : g.node(j).inputs()) if (uses[src] == 1) soleReader[src] = j;
    }
    for (int i = 0; i < size; i++) {
      int j = soleReader[i];
      if (j < 0 || partner[i] >= 0) continue;
      Op a = g.node(i).op(), b = g.node(j).op();
      if ((a instanceof Op.Relu && b instanceof Op.Truncate) || (a instanceof Op.Truncate && b instanceof Op.Relu)) {
        partner[i] = j;
        partner[j] = i;
      }
    }
    return partner;
  }

  /**
   * The truncations whose result the client sees: those reaching an output through local linear ops
   * only (adds, reshapes, slices, public scalings, ...). Their rounding must not depend on the server's
   * share, so they go to {@link Comparison#truncateRevealed}.
   */
  public static boolean[] revealedTruncations(Graph g) {
    boolean[] reaches = new boolean[g.size()], revealed = new boolean[g.size()];
    for (int o : g.outputs()) reaches[o] = true;
    for (int i = g.size() - 1; i >= 0; i--) {
      if (!reaches[i]) continue;
      Node n = g.node(i);
      boolean passes = switch (n.op()) {
        case Op.Add a -> true;
        case Op.Sub s -> true;
        case Op.Neg x -> true;
        case Op.Reshape r -> true;
        case Op.Transpose t -> true;
        case Op.Slice s -> true;
        case Op.Pad p -> true;
        case Op.Concat c -> true;
        case Op.ReduceSum r -> true;
        case Op.Softmax x -> true;
        case Op.Mul m -> isPublic(g, n.input(0)) || isPublic(g, n.input(1));
        case Op.Truncate t -> {
          revealed[i] = true;
          yield false;
        }
        case Op.Input x -> false;
        case Op.Constant c -> false;
        case Op.MatMul m -> false;
        case Op.Conv2D c -> false;
        case Op.Relu r -> false;
        case Op.MaxPool p -> false;
        case Op.AvgPool p -> false;
        case Op.ReduceMean r -> false;
        case Op.ArgMax a -> false;
      };
      if (passes) for (int src : n.inputs()) reaches[src] = true;
    }
    return revealed;
  }

  private static boolean isPublic(Graph g, int i) {
    return g.node(i).op() instanceof Op.Constant c && c.isPublic();
  }
}
