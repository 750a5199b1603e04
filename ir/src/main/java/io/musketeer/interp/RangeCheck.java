package io.musketeer.interp;

import io.musketeer.core.ConvGeometry;
import io.musketeer.core.FloatKernels;
import io.musketeer.core.PoolGeometry;
import io.musketeer.core.RingOps;
import io.musketeer.core.RingTensor;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import io.musketeer.ir.ShapeInference;
import java.util.Locale;

/**
 * What the cleartext interpreter, which sees the values, checks for the secure run that cannot: that no
 * exact result left the 64-bit ring (a wrapped value is garbage, not an error the arithmetic reports),
 * that comparison inputs are inside DReLU's range |x| < 2^62 (PROTOCOLS.md, caveats; pairwise
 * differences too for MaxPool and ArgMax), and how many
 * values local truncation is expected to corrupt (about (|z|+1)/2^64 each, PROTOCOLS.md §4.4).
 *
 * <p>Sums of products (MatMul, Conv2D) wrap without trace, so they are bounded first by max|a| times
 * the largest column L1 norm of b (cheap, and far below 2^62 for ordinary values); only when that bound
 * fails is each element's Σ|a·b| and Σa·b computed in float to tell a real overflow from a loose bound.
 */
final class RangeCheck {
  static final double RING = 0x1p63;
  static final double COMPARISON = 0x1p62;

  private double expectedFailures;
  private double worstFailures;
  private String worstNode;

  /** Checks node {@code n}'s result {@code out}, computed from {@code in}; throws on an overflow. */
  void check(Node n, RingTensor[] in, RingTensor out, int scale) {
    switch (n.op()) {
      case Op.Input i -> {}
      case Op.Constant c -> {}
      case Op.MatMul m -> {
        int rows = in[0].shape().dim(0), inner = in[0].shape().dim(1), cols = in[1].shape().dim(1);
        if (maxAbs(in[0]) * maxColumnL1(in[1].data(), inner, cols) >= COMPARISON) {
          float[] a = toFloat(in[0].data()), b = toFloat(in[1].data());
          exact(n, scale, FloatKernels.matmul(a, b, rows, inner, cols), FloatKernels.matmul(abs(a), abs(b), rows, inner, cols), inner);
        }
      }
      case Op.Conv2D c -> {
        int outChannels = in[1].shape().dim(-1);
        int perChannel = in[1].size() / outChannels;
        if (maxAbs(in[0]) * maxColumnL1(in[1].data(), perChannel, outChannels) >= COMPARISON) {
          ConvGeometry geo = ShapeInference.convGeometry(c, in[0].shape(), in[1].shape());
          float[] x = toFloat(in[0].data()), w = toFloat(in[1].data());
          exact(n, scale, FloatKernels.conv2d(x, w, geo), FloatKernels.conv2d(abs(x), abs(w), geo), perChannel);
        }
      }
      case Op.Add a -> {
        long[] x = RingOps.expand(in[0], out.shape()), y = RingOps.expand(in[1], out.shape()), r = out.data();
        for (int k = 0; k < r.length; k++) if (((x[k] ^ r[k]) & (y[k] ^ r[k])) < 0) overflow(n, scale, (double) x[k] + y[k]);
      }
      case Op.Sub s -> {
        long[] x = RingOps.expand(in[0], out.shape()), y = RingOps.expand(in[1], out.shape()), r = out.data();
        for (int k = 0; k < r.length; k++) if (((x[k] ^ y[k]) & (x[k] ^ r[k])) < 0) overflow(n, scale, (double) x[k] - y[k]);
      }
      case Op.Mul m -> {
        long[] x = RingOps.expand(in[0], out.shape()), y = RingOps.expand(in[1], out.shape()), r = out.data();
        for (int k = 0; k < r.length; k++) if (Math.multiplyHigh(x[k], y[k]) != (r[k] >> 63)) overflow(n, scale, (double) x[k] * y[k]);
      }
      case Op.Neg neg -> {
        for (long v : in[0].data()) if (v == Long.MIN_VALUE) overflow(n, scale, RING);
      }
      case Op.Relu r -> comparisonRange(n, in[0], scale, COMPARISON);
      // these compare pairwise differences, which must be inside the range too
      case Op.MaxPool p -> comparisonRange(n, in[0], scale, COMPARISON / 2);
      case Op.ArgMax a -> comparisonRange(n, in[0], scale, COMPARISON / 2);
      case Op.AvgPool p -> {
        PoolGeometry geo = ShapeInference.poolGeometry(p.window(), in[0].shape());
        summed(n, in[0], geo.kh() * geo.kw(), scale);
      }
      case Op.ReduceSum r -> summed(n, in[0], in[0].size() / Math.max(1, out.size()), scale);
      case Op.ReduceMean r -> summed(n, in[0], in[0].size() / Math.max(1, out.size()), scale);
      case Op.Truncate t -> {
        double sum = 0;
        for (long v : in[0].data()) sum += Math.abs((double) v) + 1;
        double failures = sum / 0x1p64;
        expectedFailures += failures;
        if (failures > worstFailures) {
          worstFailures = failures;
          worstNode = describe(n);
        }
      }
      case Op.Concat c -> {}
      case Op.Reshape r -> {}
      case Op.Pad p -> {}
      case Op.Transpose t -> {}
      case Op.Slice s -> {}
      case Op.Softmax s -> {}
    }
  }

  /** Expected number of values that local share truncation corrupts in a secure run on these inputs. */
  double expectedTruncationFailures() {
    return expectedFailures;
  }

  /** The node whose truncation contributes most to {@link #expectedTruncationFailures()}, or null. */
  String riskiestTruncation() {
    return worstNode;
  }

  private static void exact(Node n, int scale, float[] sum, float[] absSum, int terms) {
    double slack = terms * 0x1p-22; // float rounding of a sum of `terms` products, relative to Σ|a·b|
    for (int k = 0; k < sum.length; k++) {
      if (Math.abs((double) sum[k]) + slack * absSum[k] >= RING) overflow(n, scale, sum[k]);
    }
  }

  /** Window sums and reductions: bounded by the largest input times the count (exact enough at these sizes). */
  private static void summed(Node n, RingTensor in, int count, int scale) {
    double bound = maxAbs(in) * count;
    if (bound >= RING) overflow(n, scale, bound);
  }

  private static void comparisonRange(Node n, RingTensor in, int scale, double limit) {
    double max = maxAbs(in);
    if (max >= limit) {
      throw new FixedPointOverflowException(n.name(), n.op().kind(), String.format(Locale.ROOT,
          "fixed-point values beyond the secure comparison's range at node '%s' (%s input, scale %d): |x| reaches %.3g, the limit is %.3g (2^%d in the ring); "
              + "use a lower scale or smaller inputs", n.name(), n.op().kind(), scale, Math.scalb(max, -scale), Math.scalb(limit, -scale), Math.getExponent(limit)));
    }
  }

  private static void overflow(Node n, int scale, double ringValue) {
    throw new FixedPointOverflowException(n.name(), n.op().kind(), String.format(Locale.ROOT,
        "fixed-point overflow at node '%s' (%s, scale %d): a value reaches about %.3g, beyond the 64-bit ring's ±%.3g at this scale, "
            + "so it wraps to garbage; use a lower scale or smaller inputs", n.name(), n.op().kind(), scale,
        Math.scalb(Math.abs(ringValue), -scale), Math.scalb(RING, -scale)));
  }

  private static String describe(Node n) {
    return "'" + n.name() + "' (" + n.op().kind() + ")";
  }

  private static double maxAbs(RingTensor t) {
    double max = 0;
    for (long v : t.data()) max = Math.max(max, Math.abs((double) v));
    return max;
  }

  /** The largest L1 norm over the columns of a row-major [rows, cols] matrix (or filter with output channels last). */
  private static double maxColumnL1(long[] m, int rows, int cols) {
    double[] l1 = new double[cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) l1[c] += Math.abs((double) m[r * cols + c]);
    }
    double max = 0;
    for (double v : l1) max = Math.max(max, v);
    return max;
  }

  private static float[] toFloat(long[] v) {
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) out[i] = v[i];
    return out;
  }

  private static float[] abs(float[] v) {
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) out[i] = Math.abs(v[i]);
    return out;
  }
}
