package io.musketeer.interp;

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
import io.musketeer.ir.Graph;
import io.musketeer.ir.IrException;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.ir.ShapeInference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Cleartext evaluation of a {@link Program} over Z_2^64 with the arithmetic of the secure protocols:
 * wrapping products, truncation as floor division by 2^bits, division by public counts as floor
 * division, and ReLU, MaxPool and ArgMax as a comparison protocol with the program's bounds computes
 * them ({@link BoundedComparisons}: exact within the bounds, and exactly what FastReLU returns outside
 * them; without bounds, the plain definitions). The secure run differs only by local share truncation,
 * which rounds each truncated value down or up (at most one unit in the last place per truncation) and
 * fails outright with probability about |v|/2^63 per value (see {@code Truncation} in the mpc module).
 */
public final class FixedPointInterpreter {
  private FixedPointInterpreter() {}

  /**
   * A checked run: the decoded outputs, how many values a secure run on the same inputs is expected to
   * corrupt by local truncation (see {@link RangeCheck}), and how many values a comparison saw outside
   * its bound (where the secure result differs from the float model's: a ReLU there returns x or 0).
   *
   * @param riskiestTruncation the node contributing most to that expectation, or null
   */
  public record Run(List<RingTensor> ringOutputs, List<FloatTensor> outputs, double expectedTruncationFailures, String riskiestTruncation,
      long outOfBound) {}

  /**
   * Runs the program as the secure protocols compute it, checking every value against the ring's range.
   *
   * @throws FixedPointOverflowException when an exact result leaves the 64-bit ring (it would wrap to
   *     garbage) or a comparison input leaves the secure comparison's range
   */
  public static Run execute(Program program, Map<String, FloatTensor> inputs) {
    Graph g = program.graph();
    RangeCheck check = new RangeCheck();
    RingTensor[] values = new RingTensor[g.size()];
    int[] uses = g.useCounts();
    BoundedComparisons cmp = new BoundedComparisons();
    for (int i = 0; i < g.size(); i++) {
      Node n = g.node(i);
      RingTensor[] in = new RingTensor[n.arity()];
      for (int j = 0; j < in.length; j++) in[j] = values[n.input(j)];
      values[i] = eval(n, in, program.scale(i), program.bound(i), cmp, inputs);
      check.check(n, in, values[i], program.scale(i));
      for (int src : n.inputs()) {
        if (--uses[src] == 0) values[src] = null;
      }
    }
    int[] outs = g.outputs();
    List<RingTensor> ring = new ArrayList<>();
    List<FloatTensor> decoded = new ArrayList<>();
    for (int o : outs) {
      ring.add(values[o]);
      decoded.add(Outputs.decode(program, o, values[o]));
    }
    return new Run(ring, decoded, check.expectedTruncationFailures(), check.riskiestTruncation(), cmp.outOfBound);
  }

  /** Runs the program and returns the raw ring outputs, at the scales {@code program.scale(output)}. */
  public static List<RingTensor> runRing(Program program, Map<String, FloatTensor> inputs) {
    return execute(program, inputs).ringOutputs();
  }

  /** Runs the program and decodes the outputs to floats (applying the client's final softmax, if any). */
  public static List<FloatTensor> run(Program program, Map<String, FloatTensor> inputs) {
    return execute(program, inputs).outputs();
  }

  /** One node; {@code bound} is the program's bound on the values it reads. */
  private static RingTensor eval(Node n, RingTensor[] in, int scale, int bound, BoundedComparisons cmp, Map<String, FloatTensor> inputs) {
    Shape shape = n.shape();
    return switch (n.op()) {
      case Op.Input i -> encode(i.valueIn(inputs), scale, "input '" + i.name() + "'");
      case Op.Constant c -> encode(c.value(), scale, "weights of node '" + n.name() + "'");
      case Op.MatMul m -> new RingTensor(shape, RingKernels.matmul(in[0].data(), in[1].data(), in[0].shape().dim(0), in[0].shape().dim(1), in[1].shape().dim(1)));
      case Op.Conv2D c -> {
        ConvGeometry geo = ShapeInference.convGeometry(c, in[0].shape(), in[1].shape());
        yield new RingTensor(shape, RingKernels.conv2d(in[0].data(), in[1].data(), geo));
      }
      case Op.Add a -> RingOps.add(in[0], in[1], shape);
      case Op.Sub s -> RingOps.sub(in[0], in[1], shape);
      case Op.Mul m -> RingOps.mul(in[0], in[1], shape);
      case Op.Neg neg -> RingOps.neg(in[0]);
      case Op.Relu r -> {
        long[] a = in[0].data(), out = new long[a.length];
        for (int k = 0; k < a.length; k++) out[k] = cmp.relu(a[k], bound);
        yield new RingTensor(shape, out);
      }
      case Op.MaxPool p -> {
        PoolGeometry geo = ShapeInference.poolGeometry(p.window(), in[0].shape());
        long[] windows = RingKernels.gatherWindows(in[0].data(), geo);
        yield new RingTensor(shape, cmp.maxPool(windows, geo.kh() * geo.kw(), shape.size(), bound));
      }
      case Op.AvgPool p -> {
        PoolGeometry geo = ShapeInference.poolGeometry(p.window(), in[0].shape());
        long[] sums = RingKernels.windowSum(in[0].data(), geo);
        long[] divisors = ShapeInference.divisors(p, in[0].shape(), shape);
        for (int k = 0; k < sums.length; k++) sums[k] = Math.floorDiv(cmp.within(sums[k], bound), divisors[k]);
        yield new RingTensor(shape, sums);
      }
      case Op.ReduceSum r -> new RingTensor(shape, RingOps.reduceSum(in[0], r.axes(), shape.size()));
      case Op.ReduceMean r -> {
        long[] sums = RingOps.reduceSum(in[0], r.axes(), shape.size());
        long[] divisors = ShapeInference.divisors(r, in[0].shape(), shape);
        for (int k = 0; k < sums.length; k++) sums[k] = Math.floorDiv(cmp.within(sums[k], bound), divisors[k]);
        yield new RingTensor(shape, sums);
      }
      case Op.Concat c -> RingOps.concat(in, c.axis(), shape);
      case Op.Reshape r -> in[0].reshape(shape);
      case Op.Pad p -> new RingTensor(shape, IndexMaps.gather(in[0].data(), IndexMaps.pad(in[0].shape(), p.before(), p.after())));
      case Op.Transpose t -> new RingTensor(shape, IndexMaps.gather(in[0].data(), IndexMaps.transpose(in[0].shape(), t.perm())));
      case Op.Slice s -> new RingTensor(shape, IndexMaps.gather(in[0].data(), IndexMaps.slice(in[0].shape(), s.begin(), s.end(), s.stride())));
      case Op.Softmax s -> throw new IrException("Softmax is only supported as the model's last op");
      case Op.ArgMax a -> {
        Shape s = in[0].shape();
        int outer = 1, inner = 1;
        for (int d = 0; d < a.axis(); d++) outer *= s.dim(d);
        for (int d = a.axis() + 1; d < s.rank(); d++) inner *= s.dim(d);
        yield new RingTensor(shape, cmp.argMax(in[0].data(), outer, s.dim(a.axis()), inner, bound));
      }
      case Op.Truncate t -> {
        long[] a = in[0].data(), out = new long[a.length];
        for (int k = 0; k < a.length; k++) out[k] = cmp.within(a[k], bound) >> t.bits();
        yield new RingTensor(shape, out);
      }
    };
  }

  private static RingTensor encode(FloatTensor t, int scale, String what) {
    try {
      return FixedPoint.encode(t, scale);
    } catch (IllegalArgumentException e) {
      throw new MusketeerException(what + " cannot be encoded in fixed point: " + e.getMessage());
    }
  }
}
