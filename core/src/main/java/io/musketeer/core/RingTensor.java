package io.musketeer.core;

import java.util.Arrays;

/**
 * A dense row-major tensor over Z_2^64: plain {@code long} arithmetic, which wraps. Holds fixed-point
 * values or additive shares of them. The array is shared, not copied.
 */
public record RingTensor(Shape shape, long[] data) {
  public RingTensor {
    if (data.length != shape.size()) {
      throw new IllegalArgumentException("data length " + data.length + " does not match shape " + shape);
    }
  }

  public static RingTensor zeros(Shape shape) {
    return new RingTensor(shape, new long[shape.size()]);
  }

  public RingTensor reshape(Shape newShape) {
    return new RingTensor(newShape, data);
  }

  public int size() {
    return data.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RingTensor t && shape.equals(t.shape) && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return shape.hashCode() * 31 + Arrays.hashCode(data);
  }

  /** Never prints the contents: ring tensors are usually secret shares. */
  @Override
  public String toString() {
    return "RingTensor" + shape;
  }
}
