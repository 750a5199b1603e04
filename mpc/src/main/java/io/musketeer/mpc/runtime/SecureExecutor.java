package io.musketeer.mpc.runtime;

import io.musketeer.MusketeerException;
import io.musketeer.core.ConvGeometry;
import io.musketeer.core.FixedPoint;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.IndexMaps;
import io.musketeer.core.PoolGeometry;
import io.musketeer.core.RingKernels;
import io.musketeer.core.RingOps;
import io.musketeer.core.RingTensor;
import io.musketeer.core.Shape;
import io.musketeer.interp.Outputs;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.ir.ShapeInference;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.TrafficStats;
import io.musketeer.mpc.protocol.Beaver;
import io.musketeer.mpc.protocol.Comparison;
import io.musketeer.mpc.protocol.ComparisonPlan;
import io.musketeer.mpc.protocol.Reveal;
import io.musketeer.mpc.protocol.Session;
import io.musketeer.mpc.protocol.TruncMode;
import io.musketeer.mpc.protocol.WeightProduct;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Walks a {@link Program} at one party. Client and server hold additive shares of every value; the
 * helper holds none (its entries stay null) but takes part in every interactive step. Linear ops are
 * local; products go through {@link Beaver}, and products by the server's weights through the
 * one-sided {@link WeightProduct}; ReLU, max-pool and argmax through the chosen
 * {@link Comparison}, and so are truncations and divisions by public counts ({@link Comparison#truncate},
 * {@link Comparison#divide}: local for Porthos). Outputs are opened to the client only.
 *
 * <p>A ReLU whose only reader is a truncation, or a truncation whose only reader is a ReLU, is one
 * {@link Comparison#reluTruncate} call in the protocol's {@link Comparison#fusedTruncation fused mode}
 * (for Porthos: local truncation in the program's order, so the result is what the two ops give
 * unfused). The pair's cost is reported on its first node. Every comparison gets the bound of its
 * input from the program ({@link Program#bound}; a fused pair with the truncation first gets the
 * ReLU input's bound plus the shift). Truncations whose result reaches an output through local ops go
 * to {@link Comparison#truncateRevealed}, the others to {@link Comparison#truncate}.
 *
 * <p>Server weights are read only at the server; the other parties see their shapes alone.
 */
public final class SecureExecutor {
  private final Program program;
  private final Session session;
  private final Comparison comparison;
  private final LayerListener listener;
  /** The comparison calls of the program, by node. */
  private final ComparisonPlan plan;
  private final ServerWeights weights;
  private final Runnable beforeReveal;

  /** The server's weight masks of this executor's session (kept across runs only when asked). */
  private final WeightProduct.Masks weightMasks;
  /** Server weights read only by weight products: the client holds no share of them. */
  private final boolean[] weightsOnly;

  public SecureExecutor(Program program, Session session, Comparison comparison, LayerListener listener) {
    this(program, session, comparison, listener, ServerWeights.IN_PROGRAM);
  }

  /** @param weights where the server takes each weight from (the other parties never ask) */
  public SecureExecutor(Program program, Session session, Comparison comparison, LayerListener listener, ServerWeights weights) {
    this(program, session, comparison, listener, weights, false, () -> {});
  }

  /**
   * @param keepWeightMasks whether the client keeps the masked weights for later {@link #run}s of this
   *     executor (memory of the weights' size, against sending them once per run)
   * @param beforeReveal runs once every output share is computed and before any is opened (malicious
   *     mode's end-of-session confirmation); an exception from it means nothing is opened
   */
  public SecureExecutor(Program program, Session session, Comparison comparison, LayerListener listener, ServerWeights weights,
      boolean keepWeightMasks, Runnable beforeReveal) {
    this.program = program;
    this.session = session;
    this.comparison = comparison;
    this.listener = listener;
    this.weights = weights;
    this.beforeReveal = beforeReveal;
    this.weightMasks = new WeightProduct.Masks(keepWeightMasks);
    this.weightsOnly = weightsOnly(program.graph());
    this.plan = ComparisonPlan.of(program, comparison);
  }

  /** Whether node j is server weights (a private constant). */
  private static boolean isWeights(Graph g, int j) {
    return g.node(j).op() instanceof Op.Constant c && !c.isPublic();
  }

  /** A MatMul or Conv2D of a run-time value by server weights: a {@link WeightProduct}. */
  private static boolean isWeightProduct(Graph g, Node n) {
    return (n.op() instanceof Op.MatMul || n.op() instanceof Op.Conv2D) && isWeights(g, n.input(1)) && !isWeights(g, n.input(0));
  }

  private static boolean[] weightsOnly(Graph g) {
    boolean[] only = new boolean[g.size()];
    for (int j = 0; j < g.size(); j++) only[j] = isWeights(g, j);
    for (int i = 0; i < g.size(); i++) {
      Node n = g.node(i);
      for (int k = 0; k < n.arity(); k++) {
        if (!(k == 1 && isWeightProduct(g, n))) only[n.input(k)] = false;
      }
    }
    return only;
  }

  /**
   * Runs the program.
   *
   * @param clientInputs the client's inputs by name (ignored at the other parties)
   * @return at the client, the decoded outputs; at the server and helper, an empty list
   */
  public List<FloatTensor> run(Map<String, FloatTensor> clientInputs) {
    Graph g = program.graph();
    Party self = session.self();
    long[][] shares = new long[g.size()][];
    int[] uses = g.useCounts();
    comparison.prepare(session, plan.calls());
    boolean[] done = new boolean[g.size()];
    for (int i = 0; i < g.size(); i++) {
      Node n = g.node(i);
      long start = System.nanoTime();
      TrafficStats.Snapshot before = session.net().stats().snapshot();
      long[][] in = new long[n.arity()][];
      for (int j = 0; j < in.length; j++) in[j] = shares[n.input(j)];
      if (plan.deferred(i)) {
        shares[i] = in[0]; // the truncation happens in the fused call of the addition that reads it
      } else if (plan.at(i) instanceof ComparisonPlan.ReluTruncateAdd c) {
        // ReLU(⌊a/2^f⌋ + b) as one exact fused call on a + b·2^f (the same value)
        long[] sum = null;
        if (self != Party.HELPER) {
          long[] a = in[1 - c.addend()], b = in[c.addend()];
          sum = new long[c.n()];
          for (int e = 0; e < sum.length; e++) sum[e] = a[e] + (b[e] << c.bits());
        }
        shares[c.relu()] = comparison.reluTruncate(session, sum, c.n(), c.bits(), c.bound(), TruncMode.EXACT);
        done[c.relu()] = true;
      } else if (plan.at(i) instanceof ComparisonPlan.ReluTruncate c) {
        // the first of a fused ReLU/truncation pair computes the second's value; its own is read by nobody else
        shares[c.second()] = comparison.reluTruncate(session, in[0], c.n(), c.bits(), c.bound(), comparison.fusedTruncation(c.truncateFirst()));
        done[c.second()] = true;
      } else if (!done[i]) {
        shares[i] = eval(g, i, n, in, clientInputs);
      }
      for (int src : n.inputs()) {
        if (--uses[src] == 0) shares[src] = null;
      }
      listener.done(i, g.size(), n, (System.nanoTime() - start) / 1e9, session.net().stats().snapshot().minus(before));
    }
    if (self == Party.SERVER) weights.verify();
    beforeReveal.run();
    List<FloatTensor> out = new ArrayList<>();
    for (int o : g.outputs()) {
      Node n = g.node(o);
      long[] opened = Reveal.toClient(session, shares[o]);
      if (self == Party.CLIENT) out.add(Outputs.decode(program, o, new RingTensor(n.shape(), opened)));
    }
    return out;
  }

  private long[] eval(Graph g, int i, Node n, long[][] in, Map<String, FloatTensor> clientInputs) {
    Party self = session.self();
    boolean helper = self == Party.HELPER;
    Shape shape = n.shape();
    int size = shape.size();
    return switch (n.op()) {
      case Op.Input input -> Reveal.clientInput(session,
          self == Party.CLIENT ? encode(input.valueIn(clientInputs), program.scale(i), "the client's input") : null, size);
      case Op.Constant c -> {
        // public constants are held as (k, 0) like client inputs; weights as (0, w), read only at the server
        FloatTensor known = self != (c.isPublic() ? Party.CLIENT : Party.SERVER) ? null : c.isPublic() ? c.value() : weights.take(i, c);
        long[] value = known == null ? null : encode(known, program.scale(i), "weights of node '" + n.name() + "'");
        if (weightsOnly[i]) yield value; // only weight products read it: the server's w, nothing elsewhere
        yield c.isPublic() ? Reveal.clientInput(session, value, size) : Reveal.serverInput(session, value, size);
      }
      case Op.MatMul m -> {
        Shape a = g.node(n.input(0)).shape(), b = g.node(n.input(1)).shape();
        yield isWeightProduct(g, n)
            ? WeightProduct.matmul(session, weightMasks, n.input(1), in[0], in[1], a.dim(0), a.dim(1), b.dim(1))
            : Beaver.matmul(session, in[0], in[1], a.dim(0), a.dim(1), b.dim(1));
      }
      case Op.Conv2D c -> {
        ConvGeometry geo = ShapeInference.convGeometry(c, g.node(n.input(0)).shape(), g.node(n.input(1)).shape());
        yield isWeightProduct(g, n)
            ? WeightProduct.conv2d(session, weightMasks, n.input(1), in[0], in[1], geo)
            : Beaver.conv2d(session, in[0], in[1], geo);
      }
      case Op.Add a -> helper ? null : RingOps.add(share(g, n, 0, in), share(g, n, 1, in), shape).data();
      case Op.Sub s -> helper ? null : RingOps.sub(share(g, n, 0, in), share(g, n, 1, in), shape).data();
      case Op.Mul m -> multiply(g, n, in);
      case Op.Neg neg -> helper ? null : RingOps.neg(share(g, n, 0, in)).data();
      case Op.Relu r -> comparison.relu(session, in[0], size, ((ComparisonPlan.Relu) plan.at(i)).bound());
      case Op.MaxPool p -> {
        PoolGeometry geo = ShapeInference.poolGeometry(p.window(), g.node(n.input(0)).shape());
        long[] windows = helper ? null : RingKernels.gatherWindows(in[0], geo);
        yield comparison.maxPool(session, windows, geo.kh() * geo.kw(), size, ((ComparisonPlan.MaxPool) plan.at(i)).bound());
      }
      case Op.AvgPool p -> {
        PoolGeometry geo = ShapeInference.poolGeometry(p.window(), g.node(n.input(0)).shape());
        yield divide(i, helper ? null : RingKernels.windowSum(in[0], geo), size);
      }
      case Op.ReduceSum r -> helper ? null : RingOps.reduceSum(share(g, n, 0, in), r.axes(), size);
      case Op.ReduceMean r -> divide(i, helper ? null : RingOps.reduceSum(share(g, n, 0, in), r.axes(), size), size);
      case Op.Concat c -> {
        if (helper) yield null;
        RingTensor[] parts = new RingTensor[in.length];
        for (int k = 0; k < in.length; k++) parts[k] = share(g, n, k, in);
        yield RingOps.concat(parts, c.axis(), shape).data();
      }
      case Op.Reshape r -> in[0];
      case Op.Pad p -> helper ? null : IndexMaps.gather(in[0], IndexMaps.pad(g.node(n.input(0)).shape(), p.before(), p.after()));
      case Op.Transpose t -> helper ? null : IndexMaps.gather(in[0], IndexMaps.transpose(g.node(n.input(0)).shape(), t.perm()));
      case Op.Slice s -> helper ? null : IndexMaps.gather(in[0], IndexMaps.slice(g.node(n.input(0)).shape(), s.begin(), s.end(), s.stride()));
      case Op.Softmax s -> throw new MusketeerException("Softmax is only supported as the model's last op");
      case Op.ArgMax a -> argMax(g, n, a, in[0], ((ComparisonPlan.ArgMax) plan.at(i)).bound());
      case Op.Truncate t -> plan.at(i) instanceof ComparisonPlan.TruncateRevealed c
          ? comparison.truncateRevealed(session, in[0], size, t.bits(), c.bound())
          : comparison.truncate(session, in[0], size, t.bits(), ((ComparisonPlan.Shift) plan.at(i)).bound());
    };
  }

  /** Node i's window sums divided by their public counts, as the protocol divides (exactly, where it can). */
  private long[] divide(int i, long[] sums, int size) {
    long[] divisors = ComparisonPlan.divisors(program.graph(), i);
    return comparison.divide(session, sums, divisors, size, ((ComparisonPlan.Divide) plan.at(i)).bound());
  }

  private long[] multiply(Graph g, Node n, long[][] in) {
    Shape shape = n.shape();
    // a product with a public constant is local: scale each share
    for (int k = 0; k < 2; k++) {
      if (g.node(n.input(k)).op() instanceof Op.Constant c && c.isPublic()) {
        if (session.self() == Party.HELPER) return null;
        long[] pub = RingOps.expand(new RingTensor(c.value().shape(), encode(c.value(), program.scale(n.input(k)), "constant")), shape);
        long[] other = RingOps.expand(share(g, n, 1 - k, in), shape);
        long[] out = new long[shape.size()];
        for (int e = 0; e < out.length; e++) out[e] = other[e] * pub[e];
        return out;
      }
    }
    long[] x = session.self() == Party.HELPER ? null : RingOps.expand(share(g, n, 0, in), shape);
    long[] y = session.self() == Party.HELPER ? null : RingOps.expand(share(g, n, 1, in), shape);
    return Beaver.multiply(session, x, y, shape.size());
  }

  private long[] argMax(Graph g, Node n, Op.ArgMax a, long[] x, int bound) {
    Shape s = g.node(n.input(0)).shape();
    int axis = a.axis();
    int len = s.dim(axis);
    int rows = s.size() / len;
    long[] lastAxis = x;
    if (x != null && axis != s.rank() - 1) {
      int[] perm = new int[s.rank()];
      int k = 0;
      for (int d = 0; d < s.rank(); d++) if (d != axis) perm[k++] = d;
      perm[k] = axis;
      lastAxis = IndexMaps.gather(x, IndexMaps.transpose(s, perm));
    }
    return comparison.argMax(session, lastAxis, rows, len, bound);
  }

  private static RingTensor share(Graph g, Node n, int k, long[][] in) {
    return new RingTensor(g.node(n.input(k)).shape(), in[k]);
  }

  private static long[] encode(FloatTensor t, int scale, String what) {
    try {
      return FixedPoint.encode(t, scale).data();
    } catch (IllegalArgumentException e) {
      throw new MusketeerException(what + " cannot be encoded in fixed point: " + e.getMessage());
    }
  }
}
