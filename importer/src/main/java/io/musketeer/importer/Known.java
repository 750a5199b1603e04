package io.musketeer.importer;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.IndexMaps;
import io.musketeer.core.Shape;
import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/**
 * A tensor known at import time: a constant, or computed from constants and static shapes (shape
 * arithmetic, axes, paddings). Values are doubles so 64-bit integer shape arithmetic stays exact.
 * Compared by identity: each one becomes at most one IR constant.
 *
 * @param floating whether the framework type is floating point (a weight) rather than an integer
 */
public record Known(Shape shape, double[] values, boolean floating) {
  public Known {
    if (values.length != shape.size()) throw new IllegalArgumentException(values.length + " values for shape " + shape);
  }

  public static Known ints(int... v) {
    double[] d = new double[v.length];
    for (int i = 0; i < d.length; i++) d[i] = v[i];
    return new Known(Shape.of(v.length), d, false);
  }

  public static Known scalar(double v, boolean floating) {
    return new Known(Shape.of(), new double[] {v}, floating);
  }

  public static Known filled(Shape s, double v, boolean floating) {
    double[] d = new double[s.size()];
    Arrays.fill(d, v);
    return new Known(s, d, floating);
  }

  public static Known of(FloatTensor t, boolean floating) {
    double[] d = new double[t.size()];
    for (int i = 0; i < d.length; i++) d[i] = t.data()[i];
    return new Known(t.shape(), d, floating);
  }

  public Known reshape(Shape s) {
    return new Known(s, values, floating);
  }

  /** Output axis i is axis {@code perm[i]} of this tensor. */
  public Known transpose(int[] perm) {
    return gather(IndexMaps.transposeShape(shape, perm), IndexMaps.transpose(shape, perm));
  }

  public Known slice(int[] begin, int[] end, int[] stride) {
    return gather(IndexMaps.sliceShape(begin, end, stride), IndexMaps.slice(shape, begin, end, stride));
  }

  private Known gather(Shape s, int[] map) {
    double[] d = new double[map.length];
    for (int i = 0; i < d.length; i++) d[i] = values[map[i]];
    return new Known(s, d, floating);
  }

  public FloatTensor toFloat() {
    float[] f = new float[values.length];
    for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
    return new FloatTensor(shape, f);
  }

  public int[] ints() {
    int[] out = new int[values.length];
    for (int i = 0; i < out.length; i++) out[i] = (int) values[i];
    return out;
  }

  public int scalarInt() {
    if (values.length != 1) throw new IllegalArgumentException("expected a scalar, got shape " + shape);
    return (int) values[0];
  }

  public boolean allEqual(double v) {
    for (double d : values) if (d != v) return false;
    return true;
  }

  /** Elementwise with numpy broadcasting. */
  public static Known elementwise(Known a, Known b, DoubleBinaryOperator f) {
    Shape out = IndexMaps.broadcastShape(a.shape(), b.shape());
    int[] ma = IndexMaps.broadcast(a.shape(), out), mb = IndexMaps.broadcast(b.shape(), out);
    double[] d = new double[out.size()];
    for (int i = 0; i < d.length; i++) d[i] = f.applyAsDouble(a.values()[ma[i]], b.values()[mb[i]]);
    return new Known(out, d, a.floating() || b.floating());
  }

  public Known map(DoubleUnaryOperator f, boolean floating) {
    double[] d = new double[values.length];
    for (int i = 0; i < d.length; i++) d[i] = f.applyAsDouble(values[i]);
    return new Known(shape, d, floating);
  }

  /** Axes with negative ones counted from the end, distinct and ascending. */
  public static int[] axes(int[] a, int rank) {
    int[] out = new int[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i] < 0 ? a[i] + rank : a[i];
      if (out[i] < 0 || out[i] >= rank) throw new IllegalArgumentException("axis " + a[i] + " out of range for rank " + rank);
    }
    return Arrays.stream(out).distinct().sorted().toArray();
  }
}
