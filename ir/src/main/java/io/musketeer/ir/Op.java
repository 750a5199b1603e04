package io.musketeer.ir;

import io.musketeer.MusketeerException;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import java.util.Map;

/**
 * The closed set of IR operations. Importers map framework ops onto these; interpreters, shape
 * inference and the secure executor switch over them exhaustively (no {@code default}), so a new op
 * does not compile until every consumer handles it. Tensors are NHWC; conv filters are HWIO.
 */
public sealed interface Op {

  /** A tensor the client provides. */
  record Input(String name, Shape shape) implements Op {
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
  record Constant(FloatTensor value, boolean isPublic) implements Op {}

  /** [m,k] x [k,n]. */
  record MatMul() implements Op {}

  /** Inputs: x [n,h,w,c], filter [fh,fw,c/groups,co]. Depthwise is groups = c. */
  record Conv2D(int strideH, int strideW, int padTop, int padBottom, int padLeft, int padRight, int groups)
      implements Op {}

  /** Elementwise with numpy broadcasting. */
  record Add() implements Op {}

  record Sub() implements Op {}

  record Mul() implements Op {}

  record Neg() implements Op {}

  record Relu() implements Op {}

  /** Max over each window; padded positions are ignored. */
  record MaxPool(Window window) implements Op {}

  /** Mean over each window; the divisor counts padded positions only if {@code countPadding}. */
  record AvgPool(Window window, boolean countPadding) implements Op {}

  record ReduceSum(int[] axes, boolean keepDims) implements Op {}

  record ReduceMean(int[] axes, boolean keepDims) implements Op {}

  record Concat(int axis) implements Op {}

  record Reshape(Shape shape) implements Op {}

  /** Zero padding. */
  record Pad(int[] before, int[] after) implements Op {}

  record Transpose(int[] perm) implements Op {}

  /** Elements begin[i], begin[i]+stride[i], ... below end[i] on each axis; strides positive. */
  record Slice(int[] begin, int[] end, int[] stride) implements Op {}

  /** Softmax over the last axis; only as a final op (computed by the client on its opened output). */
  record Softmax() implements Op {}

  /** Index of the maximum along {@code axis} (first on ties); the axis is removed. */
  record ArgMax(int axis) implements Op {}

  /** Fixed-point programs only: divide by 2^bits (local share truncation in the secure run). */
  record Truncate(int bits) implements Op {}

  /** A 2-D pooling window with explicit padding. */
  record Window(int kh, int kw, int strideH, int strideW, int padTop, int padBottom, int padLeft, int padRight) {}

  /** The short op name used in messages and printouts. */
  default String kind() {
    return getClass().getSimpleName();
  }
}
