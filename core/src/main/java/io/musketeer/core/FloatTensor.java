package io.musketeer.core;

import java.util.Arrays;

/** A dense row-major float32 tensor. The array is shared, not copied: treat it as immutable. */
public record FloatTensor(Shape shape, float[] data) {
  public FloatTensor {
    if (data.length != shape.size()) {
      throw new IllegalArgumentException("data length " + data.length + " does not match shape " + shape);
    }
  }

  public static FloatTensor zeros(Shape shape) {
    return new FloatTensor(shape, new float[shape.size()]);
  }

  public static FloatTensor scalar(float v) {
    return new FloatTensor(Shape.of(), new float[] {v});
  }

  public FloatTensor reshape(Shape newShape) {
    return new FloatTensor(newShape, data);
  }

  public int size() {
    return data.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FloatTensor t && shape.equals(t.shape) && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return shape.hashCode() * 31 + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "FloatTensor" + shape;
  }
}
