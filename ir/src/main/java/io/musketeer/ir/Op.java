package io.musketeer.ir;

import io.musketeer.MusketeerException;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import java.util.Arrays;
import java.util.Map;

/**
 * The closed set of IR operations. Importers map framework ops onto these; interpreters, shape
 * inference and the secure executor switch over them exhaustively (no {@code default}), so a new op
 * does not compile until every consumer handles it. Tensors are NHWC; conv filters are HWIO.
 *
 * <p>Ops are values: attributes are checked when an op is made (an {@link IrException} names the
 * rule broken), array attributes are copied in and out, and two ops with equal attributes are equal.
 */
public sealed interface Op {

  /**
   * How an image fills a 4-D tensor: batch, rows, columns, channels (TensorFlow's default) or batch,
   * channels, rows, columns (ONNX, PyTorch). Other ranks ignore it.
   */
  enum Layout { NHWC, NCHW }

  /**
   * A tensor the client provides. {@code layout} is the model's own layout of a 4-D input, so a client
   * can lay an image out as the model expects; the IR itself computes in NHWC.
   */
  record Input(String name, Shape shape, Layout layout) implements Op {
    public Input {
      if (name == null || name.isEmpty()) throw new IrException("Input needs a name");
      if (shape == null) throw new IrException("Input '" + name + "' needs a shape");
      if (layout == null) throw new IrException("Input '" + name + "' needs a layout");
    }

    public Input(String name, Shape shape) {
      this(name, shape, Layout.NHWC);
    }

    /** This input's value from a map of named inputs, checked against the declared shape. */
    public FloatTensor valueIn(Map<String, FloatTensor> inputs) {
      FloatTensor t = inputs.get(name);
      if (t == null) throw new MusketeerException("no value given for input '" + name + "'");
      if (!t.shape().equals(shape)) {
        throw new MusketeerException("input '" + name + "' has shape " + t.shape() + " but the model expects " + shape);
      }
      return t;
    }
  }

  /**
   * A constant. Model weights are private to the server; {@code isPublic} marks structural constants
   * (introduced by lowering, like the 6 of Relu6) that every party may know.
   */
  record Constant(FloatTensor value, boolean isPublic) implements Op {
    public Constant {
      if (value == null) throw new IrException("Constant needs a value");
    }
  }

  /** [m,k] x [k,n]. */
  record MatMul() implements Op {}

  /** Inputs: x [n,h,w,c], filter [fh,fw,c/groups,co]. Depthwise is groups = c. */
  record Conv2D(int strideH, int strideW, int padTop, int padBottom, int padLeft, int padRight, int groups)
      implements Op {
    public Conv2D {
      if (strideH < 1 || strideW < 1) throw new IrException("Conv2D strides must be positive, got " + strideH + "x" + strideW);
      if (padTop < 0 || padBottom < 0 || padLeft < 0 || padRight < 0) throw new IrException("Conv2D padding must not be negative");
      if (groups < 1) throw new IrException("Conv2D groups must be positive, got " + groups);
    }
  }

  /** Elementwise with numpy broadcasting. */
  record Add() implements Op {}

  record Sub() implements Op {}

  record Mul() implements Op {}

  record Neg() implements Op {}

  record Relu() implements Op {}

  /** Max over each window; padded positions are ignored. */
  record MaxPool(Window window) implements Op {
    public MaxPool {
      if (window == null) throw new IrException("MaxPool needs a window");
    }
  }

  /** Mean over each window; the divisor counts padded positions only if {@code countPadding}. */
  record AvgPool(Window window, boolean countPadding) implements Op {
    public AvgPool {
      if (window == null) throw new IrException("AvgPool needs a window");
    }
  }

  /** Sum over {@code axes} (distinct, ascending); {@code keepDims} keeps them as size 1. */
  record ReduceSum(int[] axes, boolean keepDims) implements Op {
    public ReduceSum {
      axes = ascendingAxes("ReduceSum", axes);
    }

    @Override
    public int[] axes() {
      return axes.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ReduceSum r && keepDims == r.keepDims && Arrays.equals(axes, r.axes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(axes) * 2 + (keepDims ? 1 : 0);
    }

    @Override
    public String toString() {
      return "ReduceSum[axes=" + Arrays.toString(axes) + ", keepDims=" + keepDims + "]";
    }
  }

  /** Mean over {@code axes} (distinct, ascending); {@code keepDims} keeps them as size 1. */
  record ReduceMean(int[] axes, boolean keepDims) implements Op {
    public ReduceMean {
      axes = ascendingAxes("ReduceMean", axes);
    }

    @Override
    public int[] axes() {
      return axes.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ReduceMean r && keepDims == r.keepDims && Arrays.equals(axes, r.axes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(axes) * 2 + (keepDims ? 1 : 0);
    }

    @Override
    public String toString() {
      return "ReduceMean[axes=" + Arrays.toString(axes) + ", keepDims=" + keepDims + "]";
    }
  }

  record Concat(int axis) implements Op {
    public Concat {
      if (axis < 0) throw new IrException("Concat axis must not be negative, got " + axis);
    }
  }

  record Reshape(Shape shape) implements Op {
    public Reshape {
      if (shape == null) throw new IrException("Reshape needs a shape");
    }
  }

  /** Zero padding: {@code before[i]} and {@code after[i]} elements on axis i. */
  record Pad(int[] before, int[] after) implements Op {
    public Pad {
      before = before.clone();
      after = after.clone();
      if (before.length != after.length) throw new IrException("Pad needs as many amounts before as after");
      for (int i = 0; i < before.length; i++) {
        if (before[i] < 0 || after[i] < 0) throw new IrException("negative padding is not supported (axis " + i + ")");
      }
    }

    @Override
    public int[] before() {
      return before.clone();
    }

    @Override
    public int[] after() {
      return after.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Pad p && Arrays.equals(before, p.before) && Arrays.equals(after, p.after);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(before) * 31 + Arrays.hashCode(after);
    }

    @Override
    public String toString() {
      return "Pad[before=" + Arrays.toString(before) + ", after=" + Arrays.toString(after) + "]";
    }
  }

  /** Output axis i is input axis {@code perm[i]}. */
  record Transpose(int[] perm) implements Op {
    public Transpose {
      perm = perm.clone();
      boolean[] seen = new boolean[perm.length];
      for (int p : perm) {
        if (p < 0 || p >= perm.length || seen[p]) throw new IrException("bad permutation " + Arrays.toString(perm));
        seen[p] = true;
      }
    }

    @Override
    public int[] perm() {
      return perm.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Transpose t && Arrays.equals(perm, t.perm);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(perm);
    }

    @Override
    public String toString() {
      return "Transpose[perm=" + Arrays.toString(perm) + "]";
    }
  }

  /** Elements begin[i], begin[i]+stride[i], ... below end[i] on each axis; strides positive. */
  record Slice(int[] begin, int[] end, int[] stride) implements Op {
    public Slice {
      begin = begin.clone();
      end = end.clone();
      stride = stride.clone();
      if (begin.length != end.length || begin.length != stride.length) throw new IrException("Slice bounds differ in length");
      for (int i = 0; i < begin.length; i++) {
        if (stride[i] < 1 || begin[i] < 0 || begin[i] > end[i]) {
          throw new IrException("Slice needs 0 <= begin <= end and a positive stride (axis " + i + ")");
        }
      }
    }

    @Override
    public int[] begin() {
      return begin.clone();
    }

    @Override
    public int[] end() {
      return end.clone();
    }

    @Override
    public int[] stride() {
      return stride.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Slice s && Arrays.equals(begin, s.begin) && Arrays.equals(end, s.end) && Arrays.equals(stride, s.stride);
    }

    @Override
    public int hashCode() {
      return (Arrays.hashCode(begin) * 31 + Arrays.hashCode(end)) * 31 + Arrays.hashCode(stride);
    }

    @Override
    public String toString() {
      return "Slice[begin=" + Arrays.toString(begin) + ", end=" + Arrays.toString(end) + ", stride=" + Arrays.toString(stride) + "]";
    }
  }

  /** Softmax over the last axis; only as a final op (computed by the client on its opened output). */
  record Softmax() implements Op {}

  /** Index of the maximum along {@code axis} (first on ties); the axis is removed. */
  record ArgMax(int axis) implements Op {
    public ArgMax {
      if (axis < 0) throw new IrException("ArgMax axis must not be negative, got " + axis);
    }
  }

  /** Fixed-point programs only: divide by 2^bits (local share truncation in the secure run). */
  record Truncate(int bits) implements Op {
    public Truncate {
      if (bits < 1 || bits > 62) throw new IrException("Truncate needs 1..62 bits, got " + bits);
    }
  }

  /** A 2-D pooling window with explicit padding. */
  record Window(int kh, int kw, int strideH, int strideW, int padTop, int padBottom, int padLeft, int padRight) {
    public Window {
      if (kh < 1 || kw < 1) throw new IrException("pooling window must be at least 1x1, got " + kh + "x" + kw);
      if (strideH < 1 || strideW < 1) throw new IrException("pooling strides must be positive, got " + strideH + "x" + strideW);
      if (padTop < 0 || padBottom < 0 || padLeft < 0 || padRight < 0) throw new IrException("pooling padding must not be negative");
      // a window wholly in the padding would have no element to take the max or mean of
      if (padTop >= kh || padBottom >= kh || padLeft >= kw || padRight >= kw) {
        throw new IrException("pooling padding " + padTop + "," + padBottom + "," + padLeft + "," + padRight + " must be smaller than the " + kh + "x" + kw + " window");
      }
    }
  }

  /** The short op name used in messages and printouts. */
  default String kind() {
    return getClass().getSimpleName();
  }

  private static int[] ascendingAxes(String op, int[] axes) {
    int[] a = axes.clone();
    for (int i = 0; i < a.length; i++) {
      if (a[i] < 0 || (i > 0 && a[i] <= a[i - 1])) throw new IrException(op + " axes must be distinct, ascending and non-negative, got " + Arrays.toString(axes));
    }
    return a;
  }
}
