package io.musketeer.core;

import io.musketeer.core.IndexMaps;
import io.musketeer.core.PoolGeometry;
import io.musketeer.core.RingTensor;
import io.musketeer.core.Shape;

/** Local ring operations shared by the cleartext interpreter and the secure executor (on shares). */
public final class RingOps {
  private RingOps() {}

  public static RingTensor add(RingTensor a, RingTensor b, Shape shape) {
    long[] x = a.data(), y = b.data(), out = new long[shape.size()];
    if (a.shape().equals(shape) && b.shape().equals(shape)) {
      for (int i = 0; i < out.length; i++) out[i] = x[i] + y[i];
    } else if (a.shape().equals(shape) && repeatsAlongLeading(b.shape(), shape)) {
      for (int base = 0, n = y.length; base < out.length; base += n) for (int j = 0; j < n; j++) out[base + j] = x[base + j] + y[j];
    } else if (b.shape().equals(shape) && repeatsAlongLeading(a.shape(), shape)) {
      for (int base = 0, n = x.length; base < out.length; base += n) for (int j = 0; j < n; j++) out[base + j] = x[j] + y[base + j];
    } else {
      int[] ma = IndexMaps.broadcast(a.shape(), shape), mb = IndexMaps.broadcast(b.shape(), shape);
      for (int i = 0; i < out.length; i++) out[i] = x[ma[i]] + y[mb[i]];
    }
    return new RingTensor(shape, out);
  }

  public static RingTensor sub(RingTensor a, RingTensor b, Shape shape) {
    long[] x = a.data(), y = b.data(), out = new long[shape.size()];
    if (a.shape().equals(shape) && b.shape().equals(shape)) {
      for (int i = 0; i < out.length; i++) out[i] = x[i] - y[i];
    } else if (a.shape().equals(shape) && repeatsAlongLeading(b.shape(), shape)) {
      for (int base = 0, n = y.length; base < out.length; base += n) for (int j = 0; j < n; j++) out[base + j] = x[base + j] - y[j];
    } else if (b.shape().equals(shape) && repeatsAlongLeading(a.shape(), shape)) {
      for (int base = 0, n = x.length; base < out.length; base += n) for (int j = 0; j < n; j++) out[base + j] = x[j] - y[base + j];
    } else {
      int[] ma = IndexMaps.broadcast(a.shape(), shape), mb = IndexMaps.broadcast(b.shape(), shape);
      for (int i = 0; i < out.length; i++) out[i] = x[ma[i]] - y[mb[i]];
    }
    return new RingTensor(shape, out);
  }

  public static RingTensor mul(RingTensor a, RingTensor b, Shape shape) {
    long[] x = a.data(), y = b.data(), out = new long[shape.size()];
    if (a.shape().equals(shape) && b.shape().equals(shape)) {
      for (int i = 0; i < out.length; i++) out[i] = x[i] * y[i];
    } else if (a.shape().equals(shape) && repeatsAlongLeading(b.shape(), shape)) {
      for (int base = 0, n = y.length; base < out.length; base += n) for (int j = 0; j < n; j++) out[base + j] = x[base + j] * y[j];
    } else if (b.shape().equals(shape) && repeatsAlongLeading(a.shape(), shape)) {
      for (int base = 0, n = x.length; base < out.length; base += n) for (int j = 0; j < n; j++) out[base + j] = x[j] * y[base + j];
    } else {
      int[] ma = IndexMaps.broadcast(a.shape(), shape), mb = IndexMaps.broadcast(b.shape(), shape);
      for (int i = 0; i < out.length; i++) out[i] = x[ma[i]] * y[mb[i]];
    }
    return new RingTensor(shape, out);
  }

  /**
   * Whether broadcasting {@code small} to {@code shape} only repeats it whole along the leading
   * dimensions (a bias [C] against [N, H, W, C]): its dimensions, leading 1s aside, are shape's last
   * ones. Those cases go row by row, without the two index maps of the general case.
   */
  static boolean repeatsAlongLeading(Shape small, Shape shape) {
    int off = shape.rank() - small.rank();
    if (off < 0 || small.size() == 0) return false;
    int q = 0;
    while (q < small.rank() && small.dim(q) == 1) q++;
    for (int i = q; i < small.rank(); i++) if (small.dim(i) != shape.dim(off + i)) return false;
    return true;
  }

  public static RingTensor neg(RingTensor a) {
    long[] x = a.data(), out = new long[x.length];
    for (int i = 0; i < x.length; i++) out[i] = -x[i];
    return new RingTensor(a.shape(), out);
  }

  /** Broadcasts {@code a} to {@code shape} (a copy when the shapes differ). */
  public static long[] expand(RingTensor a, Shape shape) {
    return a.shape().equals(shape) ? a.data() : IndexMaps.gather(a.data(), IndexMaps.broadcast(a.shape(), shape));
  }

  public static long[] reduceSum(RingTensor a, int[] axes, int outSize) {
    int[] map = IndexMaps.reduce(a.shape(), axes);
    long[] x = a.data(), out = new long[outSize];
    for (int i = 0; i < x.length; i++) out[map[i]] += x[i];
    return out;
  }

  public static RingTensor concat(RingTensor[] in, int axis, Shape shape) {
    Shape[] shapes = new Shape[in.length];
    for (int j = 0; j < in.length; j++) shapes[j] = in[j].shape();
    int[][] map = IndexMaps.concat(shapes, axis);
    long[] out = new long[shape.size()];
    for (int o = 0; o < out.length; o++) out[o] = in[map[0][o]].data()[map[1][o]];
    return new RingTensor(shape, out);
  }

  /** The public divisor of each average-pool output (valid positions only, unless counting padding). */
  public static long[] poolDivisors(PoolGeometry g, boolean countPadding) {
    long[] d = new long[g.n() * g.outH() * g.outW() * g.c()];
    int k = 0;
    for (int b = 0; b < g.n(); b++)
      for (int oy = 0; oy < g.outH(); oy++)
        for (int ox = 0; ox < g.outW(); ox++) {
          long div = countPadding ? (long) g.kh() * g.kw() : g.validCount(oy, ox);
          for (int ch = 0; ch < g.c(); ch++) d[k++] = div;
        }
    return d;
  }

  /** Signed argmax along {@code axis}, first index on ties; indices are unscaled. */
  public static long[] argMax(RingTensor a, int axis) {
    Shape s = a.shape();
    int outer = 1, inner = 1;
    for (int i = 0; i < axis; i++) outer *= s.dim(i);
    for (int i = axis + 1; i < s.rank(); i++) inner *= s.dim(i);
    int len = s.dim(axis);
    long[] x = a.data(), out = new long[outer * inner];
    for (int o = 0; o < outer; o++)
      for (int in = 0; in < inner; in++) {
        int best = 0;
        long bv = x[o * len * inner + in];
        for (int k = 1; k < len; k++) {
          long v = x[(o * len + k) * inner + in];
          if (v > bv) {
            bv = v;
            best = k;
          }
        }
        out[o * inner + in] = best;
      }
    return out;
  }
}
