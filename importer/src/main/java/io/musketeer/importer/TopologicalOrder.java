package io.musketeer.importer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** The nodes a framework graph's outputs depend on, each after its inputs. */
public final class TopologicalOrder {
  private TopologicalOrder() {}

  /**
   * Iterative (deep graphs such as DenseNet would overflow a recursive walk).
   *
   * @param inputs a node's input nodes, or null when the node does not exist
   */
  public static List<String> of(List<String> outputs, Function<String, List<String>> inputs) {
    List<String> order = new ArrayList<>();
    Set<String> done = new HashSet<>(), onStack = new HashSet<>();
    record Frame(String node, List<String> inputs, int next) {}
    ArrayDeque<Frame> stack = new ArrayDeque<>();
    for (String o : outputs) {
      if (done.contains(o)) continue;
      stack.push(new Frame(o, deps(o, inputs, null), 0));
      onStack.add(o);
      while (!stack.isEmpty()) {
        Frame top = stack.pop();
        if (top.next < top.inputs.size()) {
          stack.push(new Frame(top.node, top.inputs, top.next + 1));
          String dep = top.inputs.get(top.next);
          if (done.contains(dep)) continue;
          if (onStack.contains(dep)) throw new ModelImportException("the graph has a cycle through node '" + dep + "'");
          stack.push(new Frame(dep, deps(dep, inputs, top.node), 0));
          onStack.add(dep);
          continue;
        }
        onStack.remove(top.node);
        done.add(top.node);
        order.add(top.node);
      }
    }
    return order;
  }

  private static List<String> deps(String node, Function<String, List<String>> inputs, String reader) {
    List<String> d = inputs.apply(node);
    if (d == null) {
      throw new ModelImportException(reader == null ? "output node '" + node + "' is not in the graph"
          : "node '" + reader + "' reads '" + node + "', which is not in the graph");
    }
    return d;
  }
}
