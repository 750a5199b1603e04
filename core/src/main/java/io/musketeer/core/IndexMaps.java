package io.musketeer.core;

import java.util.Arrays;

/**
 * Data movement as index maps: each method returns, for every output element, the index of the input
 * element it copies (or -1 for a zero). One map serves float tensors, ring tensors and secret shares
 * alike, since all of these operations are linear and local.
 */
public final class IndexMaps {
  private IndexMaps() {}

  public static float[] gather(float[] src, int[] map) {
    float[] out = new float[map.length];
    for (int i = 0; i < map.length; i++) out[i] = map[i] < 0 ? 0f : src[map[i]];
    return out;
  }

  public static long[] gather(long[] src, int[] map) {
    long[] out = new long[map.length];
    for (int i = 0; i < map.length; i++) out[i] = map[i] < 0 ? 0L : src[map[i]];
    return out;
  }

  /** Numpy broadcasting of two shapes; throws if they are incompatible. */
  public static Shape broadcastShape(Shape a, Shape b) {
    int r = Math.max(a.rank(), b.rank());
    int[] out = new int[r];
    for (int i = 0; i < r; i++) {
      int da = i - (r - a.rank()) >= 0 ? a.dim(i - (r - a.rank())) : 1;
      int db = i - (r - b.rank()) >= 0 ? b.dim(i - (r - b.rank())) : 1;
      if (da != db && da != 1 && db != 1) {
        throw new IllegalArgumentException("shapes " + a + " and " + b + " cannot be broadcast together");
      }
      out[i] = da == 1 ? db : da;
    }
    return new Shape(out);
  }

  /** Map from each element of {@code to} to the element of {@code from} that broadcasting copies. */
  public static int[] broadcast(Shape from, Shape to) {
    int r = to.rank();
    int offset = r - from.rank();
    int[] fromStrides = from.strides();
    int[] eff = new int[r];
    for (int i = 0; i < r; i++) {
      int fi = i - offset;
      eff[i] = fi >= 0 && from.dim(fi) != 1 ? fromStrides[fi] : 0;
    }
    return walk(to, eff, 0);
  }

  public static int[] transpose(Shape in, int[] perm) {
    int[] inStrides = in.strides();
    int[] eff = new int[perm.length];
    for (int i = 0; i < perm.length; i++) eff[i] = inStrides[perm[i]];
    return walk(transposeShape(in, perm), eff, 0);
  }

  public static Shape transposeShape(Shape in, int[] perm) {
    int[] out = new int[perm.length];
    for (int i = 0; i < perm.length; i++) out[i] = in.dim(perm[i]);
    return new Shape(out);
  }

  /** Strided slice [begin, end) with positive strides. */
  public static int[] slice(Shape in, int[] begin, int[] end, int[] stride) {
    int[] inStrides = in.strides();
    int[] eff = new int[in.rank()];
    int base = 0;
    for (int i = 0; i < in.rank(); i++) {
      eff[i] = inStrides[i] * stride[i];
      base += begin[i] * inStrides[i];
    }
    return walk(sliceShape(begin, end, stride), eff, base);
  }

  public static Shape sliceShape(int[] begin, int[] end, int[] stride) {
    int[] out = new int[begin.length];
    for (int i = 0; i < begin.length; i++) out[i] = Math.max(0, (end[i] - begin[i] + stride[i] - 1) / stride[i]);
    return new Shape(out);
  }

  /** Zero padding: -1 marks a padded element. */
  public static int[] pad(Shape in, int[] before, int[] after) {
    Shape out = padShape(in, before, after);
    int[] map = new int[out.size()];
    int[] inStrides = in.strides();
    int[] idx = new int[out.rank()];
    for (int o = 0; o < map.length; o++) {
      int src = 0;
      boolean inside = true;
      for (int d = 0; d < idx.length; d++) {
        int i = idx[d] - before[d];
        if (i < 0 || i >= in.dim(d)) {
          inside = false;
          break;
        }
        src += i * inStrides[d];
      }
      map[o] = inside ? src : -1;
      increment(idx, out);
    }
    return map;
  }

  public static Shape padShape(Shape in, int[] before, int[] after) {
    int[] out = new int[in.rank()];
    for (int i = 0; i < out.length; i++) out[i] = in.dim(i) + before[i] + after[i];
    return new Shape(out);
  }

  /** For each input element, the index of the output element a reduction over {@code axes} adds it to. */
  public static int[] reduce(Shape in, int[] axes) {
    boolean[] reduced = new boolean[in.rank()];
    for (int a : axes) reduced[a] = true;
    int[] keptDims = new int[in.rank()];
    for (int i = 0; i < in.rank(); i++) keptDims[i] = reduced[i] ? 1 : in.dim(i);
    int[] outStrides = new Shape(keptDims).strides();
    int[] eff = new int[in.rank()];
    for (int i = 0; i < in.rank(); i++) eff[i] = reduced[i] ? 0 : outStrides[i];
    return walk(in, eff, 0);
  }

  public static Shape reduceShape(Shape in, int[] axes, boolean keepDims) {
    boolean[] reduced = new boolean[in.rank()];
    for (int a : axes) reduced[a] = true;
    int[] out = new int[in.rank()];
    int r = 0;
    for (int i = 0; i < in.rank(); i++) {
      if (reduced[i]) {
        if (keepDims) out[r++] = 1;
      } else {
        out[r++] = in.dim(i);
      }
    }
    return new Shape(Arrays.copyOf(out, r));
  }

  /** Concatenates row-major blocks along {@code axis}; works for any element type via the map. */
  public static int[][] concat(Shape[] ins, int axis) {
    int outer = 1;
    for (int i = 0; i < axis; i++) outer *= ins[0].dim(i);
    int inner = 1;
    for (int i = axis + 1; i < ins[0].rank(); i++) inner *= ins[0].dim(i);
    int total = 0;
    for (Shape s : ins) total += s.size();
    int[] which = new int[total];
    int[] index = new int[total];
    int o = 0;
    for (int b = 0; b < outer; b++) {
      for (int t = 0; t < ins.length; t++) {
        int chunk = ins[t].dim(axis) * inner;
        for (int j = 0; j < chunk; j++) {
          which[o] = t;
          index[o++] = b * chunk + j;
        }
      }
    }
    return new int[][] {which, index};
  }

  private static int[] walk(Shape out, int[] eff, int base) {
    int n = out.size();
    int[] map = new int[n];
    int[] idx = new int[out.rank()];
    int cur = base;
    for (int o = 0; o < n; o++) {
      map[o] = cur;
      for (int d = idx.length - 1; d >= 0; d--) {
        idx[d]++;
        cur += eff[d];
        if (idx[d] < out.dim(d)) break;
        cur -= eff[d] * idx[d];
        idx[d] = 0;
      }
    }
    return map;
  }

  private static void increment(int[] idx, Shape shape) {
    for (int d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < shape.dim(d)) return;
      idx[d] = 0;
    }
  }
}
