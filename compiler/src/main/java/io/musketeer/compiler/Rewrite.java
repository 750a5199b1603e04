package io.musketeer.compiler;

import io.musketeer.ir.Graph;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import java.util.ArrayList;
import java.util.List;

/**
 * A mutable copy of a graph for passes: ops and inputs can be replaced in place, nodes appended, and
 * {@link #build()} drops unreachable nodes, restores topological order and re-infers shapes.
 */
final class Rewrite {
  static final class Item {
    String name;
    Op op;
    int[] inputs;

    Item(String name, Op op, int[] inputs) {
      this.name = name;
      this.op = op;
      this.inputs = inputs;
    }
  }

  final List<Item> items = new ArrayList<>();
  int[] outputs;

  Rewrite(Graph g) {
    for (Node n : g.nodes()) items.add(new Item(n.name(), n.op(), n.inputs()));
    outputs = g.outputs();
  }

  Item item(int i) {
    return items.get(i);
  }

  int append(String name, Op op, int... inputs) {
    items.add(new Item(name, op, inputs));
    return items.size() - 1;
  }

  /** For each node, how many live nodes and outputs read it (nodes no output depends on do not count). */
  int[] useCounts() {
    boolean[] live = new boolean[items.size()];
    java.util.ArrayDeque<Integer> work = new java.util.ArrayDeque<>();
    for (int o : outputs) work.push(o);
    while (!work.isEmpty()) {
      int i = work.pop();
      if (live[i]) continue;
      live[i] = true;
      for (int in : items.get(i).inputs) work.push(in);
    }
    int[] uses = new int[items.size()];
    for (int i = 0; i < items.size(); i++) {
      if (live[i]) for (int in : items.get(i).inputs) uses[in]++;
    }
    for (int o : outputs) uses[o]++;
    return uses;
  }

  Graph build() {
    int n = items.size();
    int[] mapped = new int[n];
    java.util.Arrays.fill(mapped, -1);
    Graph.Builder b = new Graph.Builder();
    for (int o : outputs) emit(o, mapped, b);
    int[] outs = new int[outputs.length];
    for (int k = 0; k < outs.length; k++) outs[k] = mapped[outputs[k]];
    return b.build(outs);
  }

  private int emit(int i, int[] mapped, Graph.Builder b) {
    // iterative post-order: deep graphs (DenseNet) would overflow a recursive walk
    java.util.ArrayDeque<int[]> stack = new java.util.ArrayDeque<>();
    stack.push(new int[] {i, 0});
    while (!stack.isEmpty()) {
      int[] top = stack.peek();
      Item it = items.get(top[0]);
      if (mapped[top[0]] >= 0) {
        stack.pop();
        continue;
      }
      if (top[1] < it.inputs.length) {
        int next = it.inputs[top[1]++];
        if (mapped[next] < 0) stack.push(new int[] {next, 0});
        continue;
      }
      int[] ins = new int[it.inputs.length];
      for (int k = 0; k < ins.length; k++) ins[k] = mapped[it.inputs[k]];
      mapped[top[0]] = b.add(it.name, it.op, ins);
      stack.pop();
    }
    return mapped[i];
  }
}
