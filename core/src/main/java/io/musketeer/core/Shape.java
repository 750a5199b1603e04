package io.musketeer.core;

import java.util.Arrays;

/** An immutable tensor shape; dimension 0 is outermost. A rank-0 shape is a scalar. */
public record Shape(int... dims) {
  public Shape {
    dims = dims.clone();
    for (int d : dims) {
      if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dims));
    }
  }

  public static Shape of(int... dims) {
    return new Shape(dims);
  }

  public int rank() {
    return dims.length;
  }

  public int dim(int i) {
    return dims[i < 0 ? dims.length + i : i];
  }

  @Override
  public int[] dims() {
    return dims.clone();
  }

  /** Number of elements; fails on overflow of int, which no tensor here can exceed. */
  public int size() {
    long n = 1;
    for (int d : dims) n *= d;
    if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor too large: " + this);
    return (int) n;
  }

  /** Row-major strides in elements. */
  public int[] strides() {
    int[] s = new int[dims.length];
    int acc = 1;
    for (int i = dims.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= dims[i];
    }
    return s;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape other && Arrays.equals(dims, other.dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  @Override
  public String toString() {
    return Arrays.toString(dims);
  }
}
