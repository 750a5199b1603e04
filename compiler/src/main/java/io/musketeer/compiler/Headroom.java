package io.musketeer.compiler;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.PoolGeometry;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.ir.ShapeInference;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Whether a fixed-point program fits the 64-bit ring, layer by layer. Every value x held at scale s is
 * the integer x·2^s; it must stay below its limit with a margin of bits left for inputs larger than the
 * calibration's: 2^63 for any value (two's complement), 2^62 for a ReLU's input (Porthos's DReLU range)
 * and 2^61 for MaxPool and ArgMax inputs (they compare pairwise differences).
 *
 * <p>Local share truncation (and the local division of AvgPool and ReduceMean) fails outright with
 * probability below |z|/2^63 per value z (PROTOCOLS.md §4.4 gives (|z|+1)/2^64; the bound keeps a
 * factor 2), so a layer's failure bound per inference is the largest sum of |z| one calibration sample
 * puts through it, over 2^63; the program's bound is the sum over layers (a union bound). A protocol that
 * fuses a truncation into its ReLU exactly (FastReLU's RELU_TRUNC_EXACT) removes that layer's share.
 *
 * <p>The bound k written into the program for a comparison (and a truncation) is FASTRELU.md §7's
 * k = min(63, max(bits(M) + margin, s)) for the largest integer magnitude M seen at that input's scale s:
 * the margin is the same safety margin as above, and k ≥ s keeps every truncation by at most s bits
 * inside the bound.
 */
public final class Headroom {
  public static final int RING_BITS = 63;
  public static final int COMPARISON_BITS = 62;
  public static final int PAIRWISE_BITS = 61;
  /** Bits kept free for inputs up to 8 times larger than any seen in calibration (FASTRELU.md §7's m = 3). */
  public static final int DEFAULT_MARGIN = 3;
  /** The default failure budget: one corrupted inference in about a million. */
  public static final double DEFAULT_FAILURE_BUDGET = 0x1p-20;

  private Headroom() {}

  /**
   * One checked value of a program.
   *
   * @param maxAbs the largest real |x| of the checked value: a comparison's or truncation's input, the
   *     window sum of AvgPool and ReduceMean, the node's own value otherwise
   * @param ringBits bits of the largest integer magnitude at the checked value's scale
   * @param limitBits the magnitude must stay below 2^limitBits
   * @param failureBound the chance per inference that this layer's local truncation or division fails
   * @param bound the k promised for this node's inputs, or {@link Program#UNBOUNDED}
   */
  public record Layer(int node, String name, String op, int scale, double maxAbs, int ringBits, int limitBits, double failureBound, int bound) {
    public int headroom() {
      return limitBits - ringBits;
    }
  }

  /** The check of one program against calibration ranges. */
  public record Report(int fracBits, int margin, double failureBudget, List<Layer> layers) {
    public Report {
      layers = List.copyOf(layers);
    }

    /** The union bound over every layer: the chance that an inference has any corrupted value. */
    public double failureBound() {
      double sum = 0;
      for (Layer l : layers) sum += l.failureBound();
      return sum;
    }

    /** The layer with the least headroom (ties: the first), or null for a program without layers. */
    public Layer tightest() {
      Layer best = null;
      for (Layer l : layers) if (best == null || l.headroom() < best.headroom()) best = l;
      return best;
    }

    /** Why this program is refused, in one line, or null if it fits with the margin and the budget. */
    public String refusal() {
      Layer t = tightest();
      if (t != null && t.headroom() < margin) {
        return String.format(Locale.ROOT, "scale %d overflows at node '%s' (%s): values up to %.4g need %d of the %d bits there (%s), leaving %d bits of headroom where %d are required",
            fracBits, t.name(), t.op(), t.maxAbs(), t.ringBits(), t.limitBits(), limitName(t.limitBits()), t.headroom(), margin);
      }
      double f = failureBound();
      if (f > failureBudget) {
        Layer worst = null;
        for (Layer l : layers) if (worst == null || l.failureBound() > worst.failureBound()) worst = l;
        return String.format(Locale.ROOT, "scale %d makes local truncation fail with probability up to %.3g per inference (budget %.3g), most at node '%s' (%s, %.3g)",
            fracBits, f, failureBudget, worst.name(), worst.op(), worst.failureBound());
      }
      return null;
    }

    /** One bound per program node: the calibrated ones, {@link Program#UNBOUNDED} elsewhere. */
    public int[] bounds(int programSize) {
      int[] b = new int[programSize];
      java.util.Arrays.fill(b, Program.UNBOUNDED);
      for (Layer l : layers) b[l.node()] = l.bound();
      return b;
    }

    /** The per-layer table: max |x|, bits of headroom, failure bound, bound k. */
    public String table() {
      StringBuilder sb = new StringBuilder();
      int w = 4;
      for (Layer l : layers) w = Math.max(w, l.name().length());
      w = Math.min(w, 48);
      String fmt = "%-" + w + "s  %-9s %5s %11s %5s %8s %10s %3s%n";
      sb.append(String.format(Locale.ROOT, fmt, "node", "op", "scale", "max |x|", "bits", "headroom", "fail/inf", "k"));
      for (Layer l : layers) {
        String name = l.name().length() > w ? "…" + l.name().substring(l.name().length() - w + 1) : l.name();
        sb.append(String.format(Locale.ROOT, fmt, name, l.op(), l.scale(), String.format(Locale.ROOT, "%.4g", l.maxAbs()), l.ringBits(),
            l.headroom() + "/" + l.limitBits(), l.failureBound() == 0 ? "-" : String.format(Locale.ROOT, "%.2e", l.failureBound()),
            l.bound() == Program.UNBOUNDED ? "-" : Integer.toString(l.bound())));
      }
      sb.append(String.format(Locale.ROOT, "scale %d: least headroom %d bits (margin %d), truncation failure bound %.3g per inference (budget %.3g)%n",
          fracBits, tightest() == null ? RING_BITS : tightest().headroom(), margin, failureBound(), failureBudget));
      return sb.toString();
    }
  }

  /** Checks a lowered program against ranges measured on its float graph. */
  public static Report measure(FixedPointLowering.Lowered lowered, Ranges ranges, int margin, double failureBudget) {
    Program p = lowered.program();
    Graph g = p.graph();
    List<Layer> layers = new ArrayList<>();
    for (int i = 0; i < g.size(); i++) {
      Node n = g.node(i);
      Op op = n.op();
      if (op instanceof Op.Constant) continue;
      Check c = check(op);
      int src = lowered.source(i);
      int checked = c.input() ? lowered.source(n.input(0)) : src;
      int scale = c.input() ? p.scale(n.input(0)) : p.scale(i);
      // a local division sees the window sum: its magnitude is up to `window` values, and every input
      // value enters at most `multiplicity` of the sums
      double window = 1, multiplicity = 1;
      if (op instanceof Op.AvgPool a) {
        PoolGeometry geo = ShapeInference.poolGeometry(a.window(), g.node(n.input(0)).shape());
        window = geo.kh() * geo.kw();
        multiplicity = Math.ceilDiv(geo.kh(), geo.strideH()) * Math.ceilDiv(geo.kw(), geo.strideW());
      } else if (op instanceof Op.ReduceMean) {
        window = (double) g.node(n.input(0)).shape().size() / Math.max(1, n.shape().size());
      }
      int limit = c.limitBits();
      boolean local = c.local(), bounded = c.bounded();
      double real = ranges.maxAbs(checked) * window;
      int bits = bits(Math.scalb(real, scale));
      double failure = local ? Math.min(1, Math.scalb(ranges.sampleAbsSum(checked) * multiplicity, scale - RING_BITS)) : 0;
      int k = bounded ? Math.min(Program.UNBOUNDED, Math.max(bits + margin, scale)) : Program.UNBOUNDED;
      layers.add(new Layer(i, n.name(), op.kind(), scale, real, bits, limit, failure, k));
    }
    return new Report(p.fracBits(), margin, failureBudget, layers);
  }

  /**
   * The check that needs no data, for a program run at a scale nobody calibrated: with every activation
   * of magnitude at most 1, each product (its largest weight column's L1 norm times 2^scale) and each
   * value of magnitude 1 must still fit below its limit with {@code margin} bits to spare. It refuses only
   * scales that break on any ordinary input; what fits real inputs is calibration's to say.
   *
   * @return why the program is refused, in one line, or null
   */
  public static String checkStatic(Program p, int margin) {
    Graph g = p.graph();
    for (int i = 0; i < g.size(); i++) {
      Node n = g.node(i);
      Check c = check(n.op());
      if (n.op() instanceof Op.Constant) continue;
      int limit = c.limitBits();
      int bits = (c.input() ? p.scale(n.input(0)) : p.scale(i)) + 1;
      String what = "a value of 1";
      if ((n.op() instanceof Op.MatMul || n.op() instanceof Op.Conv2D) && g.node(n.input(1)).op() instanceof Op.Constant w) {
        double l1 = maxColumnL1(w.value(), w.value().shape().dim(-1));
        bits = Math.max(bits, bits(Math.scalb(l1, p.scale(i))));
        what = "inputs of magnitude 1 (largest weight column L1 norm " + String.format(Locale.ROOT, "%.4g", l1) + ")";
      }
      if (limit - bits < margin) {
        return String.format(Locale.ROOT, "scale %d leaves no headroom at node '%s' (%s): %s already need %d of the %d bits there, leaving %d where %d are required",
            p.fracBits(), n.name(), n.op().kind(), what, bits, limit, limit - bits, margin);
      }
    }
    return null;
  }

  /**
   * What is checked at an op: its input rather than its own value, below which limit, whether it is a
   * local truncation or division (a failure source), whether the program carries a bound for it.
   */
  private record Check(boolean input, int limitBits, boolean local, boolean bounded) {}

  private static Check check(Op op) {
    Check own = new Check(false, RING_BITS, false, false);
    return switch (op) {
      case Op.Relu r -> new Check(true, COMPARISON_BITS, false, true);
      case Op.MaxPool m -> new Check(true, PAIRWISE_BITS, false, true);
      case Op.ArgMax a -> new Check(true, PAIRWISE_BITS, false, true);
      case Op.Truncate t -> new Check(true, RING_BITS, true, true);
      // the window sum, at the input's scale, is divided: locally (a failure source), or exactly within
      // its bound (fast)
      case Op.AvgPool a -> new Check(true, RING_BITS, true, true);
      case Op.ReduceMean r -> new Check(true, RING_BITS, true, true);
      case Op.Input x -> own;
      case Op.Constant x -> own;
      case Op.MatMul x -> own;
      case Op.Conv2D x -> own;
      case Op.Add x -> own;
      case Op.Sub x -> own;
      case Op.Mul x -> own;
      case Op.Neg x -> own;
      case Op.ReduceSum x -> own;
      case Op.Concat x -> own;
      case Op.Reshape x -> own;
      case Op.Pad x -> own;
      case Op.Transpose x -> own;
      case Op.Slice x -> own;
      case Op.Softmax x -> own;
    };
  }

  /** Bits of the integer magnitude of a non-negative value: 0 below 1. */
  static int bits(double magnitude) {
    if (!(magnitude >= 1)) return magnitude >= 0 ? 0 : RING_BITS + 1;
    if (Double.isInfinite(magnitude)) return 2 * RING_BITS;
    return Math.getExponent(magnitude) + 1;
  }

  private static double maxColumnL1(FloatTensor w, int cols) {
    double[] l1 = new double[cols];
    float[] v = w.data();
    for (int k = 0; k < v.length; k++) l1[k % cols] += Math.abs(v[k]);
    double max = 0;
    for (double x : l1) max = Math.max(max, x);
    return max;
  }

  private static String limitName(int bits) {
    return switch (bits) {
      case COMPARISON_BITS -> "the comparison's range";
      case PAIRWISE_BITS -> "pairwise differences of a comparison";
      default -> "the 64-bit ring";
    };
  }
}
