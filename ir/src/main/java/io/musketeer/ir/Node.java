package io.musketeer.ir;

import io.musketeer.core.Shape;

/** One value of a graph: the op producing it, the indices of its inputs (all earlier nodes) and its shape. */
public record Node(String name, Op op, int[] inputs, Shape shape) {
  public Node {
    inputs = inputs.clone();
  }

  @Override
  public int[] inputs() {
    return inputs.clone();
  }

  public int input(int i) {
    return inputs[i];
  }

  public int arity() {
    return inputs.length;
  }
}
