package io.musketeer.ir;

import io.musketeer.core.Shape;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A checked, immutable dataflow graph: nodes in topological order (inputs always refer to earlier
 * nodes), every shape equal to what {@link ShapeInference} gives, unique names. Constructing one runs
 * the IR checker, so every pass's output is verified.
 */
public record Graph(List<Node> nodes, int[] outputs) {
  public Graph {
    nodes = List.copyOf(nodes);
    outputs = outputs.clone();
    check(nodes, outputs);
  }

  @Override
  public int[] outputs() {
    return outputs.clone();
  }

  public Node node(int i) {
    return nodes.get(i);
  }

  public int size() {
    return nodes.size();
  }

  /** Indices of the {@link Op.Input} nodes, in order. */
  public int[] inputs() {
    return java.util.stream.IntStream.range(0, nodes.size()).filter(i -> nodes.get(i).op() instanceof Op.Input).toArray();
  }

  /** For each node, how many later nodes (and outputs) read it. */
  public int[] useCounts() {
    int[] uses = new int[nodes.size()];
    for (Node n : nodes) for (int i : n.inputs()) uses[i]++;
    for (int o : outputs) uses[o]++;
    return uses;
  }

  private static void check(List<Node> nodes, int[] outputs) {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      if (!names.add(n.name())) throw new IrException("duplicate node name '" + n.name() + "'");
      Shape[] in = new Shape[n.arity()];
      for (int j = 0; j < n.arity(); j++) {
        int src = n.input(j);
        if (src < 0 || src >= i) throw new IrException("node '" + n.name() + "' reads a node that is not before it");
        in[j] = nodes.get(src).shape();
      }
      Shape expected;
      try {
        expected = ShapeInference.infer(n.op(), in);
      } catch (IrException e) {
        throw new IrException("node '" + n.name() + "': " + e.getMessage());
      }
      if (!expected.equals(n.shape())) {
        throw new IrException("node '" + n.name() + "' has shape " + n.shape() + " but its op gives " + expected);
      }
    }
    if (outputs.length == 0) throw new IrException("graph has no outputs");
    for (int o : outputs) {
      if (o < 0 || o >= nodes.size()) throw new IrException("graph output index out of range");
    }
  }

  /** Builds a graph node by node, inferring shapes. */
  public static final class Builder {
    private final List<Node> nodes = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    public int add(String name, Op op, int... inputs) {
      Shape[] in = new Shape[inputs.length];
      for (int j = 0; j < inputs.length; j++) in[j] = nodes.get(inputs[j]).shape();
      Shape shape;
      try {
        shape = ShapeInference.infer(op, in);
      } catch (IrException e) {
        throw new IrException("node '" + name + "': " + e.getMessage());
      }
      String unique = name;
      for (int k = 1; !names.add(unique); k++) unique = name + "_" + k;
      nodes.add(new Node(unique, op, inputs, shape));
      return nodes.size() - 1;
    }

    public Shape shape(int node) {
      return nodes.get(node).shape();
    }

    public Node node(int i) {
      return nodes.get(i);
    }

    public int size() {
      return nodes.size();
    }

    public Graph build(int... outputs) {
      return new Graph(nodes, outputs);
    }
  }
}
