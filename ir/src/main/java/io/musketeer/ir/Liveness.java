package io.musketeer.ir;

/**
 * When each value of a program dies, and what that means for memory: the executors free a value after
 * its last reader (outputs live to the end), so the values alive while node i runs are its inputs, its
 * result, and every earlier value a later node still reads. A share holder (client, server) keeps one
 * 64-bit share per element; the helper holds no shares.
 *
 * @param lastUse for each node, the last node that reads it (its own index if nobody does; the program's
 *     size for an output)
 * @param peakBytes the most share bytes alive at once at a share holder
 * @param peakNode the node during which that peak occurs
 * @param widestBytes the largest inputs-plus-result of any one node: no schedule goes below it
 * @param weightBytes the server's weights as float32, if held for the whole run
 */
public record Liveness(int[] lastUse, long peakBytes, int peakNode, long widestBytes, long weightBytes) {
  public Liveness {
    lastUse = lastUse.clone();
  }

  @Override
  public int[] lastUse() {
    return lastUse.clone();
  }

  public static Liveness of(Program p) {
    Graph g = p.graph();
    int n = g.size();
    int[] last = new int[n];
    for (int i = 0; i < n; i++) last[i] = i;
    for (int i = 0; i < n; i++) for (int in : g.node(i).inputs()) last[in] = Math.max(last[in], i);
    for (int o : g.outputs()) last[o] = n;
    // bytes freed after node i runs: the values whose last reader is i
    long[] freedAfter = new long[n + 1];
    for (int i = 0; i < n; i++) freedAfter[Math.min(last[i], n)] += bytes(g.node(i));
    long live = 0, peak = 0, widest = 0, weights = 0;
    int peakNode = 0;
    for (int i = 0; i < n; i++) {
      Node node = g.node(i);
      live += bytes(node);
      if (live > peak) {
        peak = live;
        peakNode = i;
      }
      long own = bytes(node);
      for (int in : node.inputs()) own += bytes(g.node(in));
      widest = Math.max(widest, own);
      if (node.op() instanceof Op.Constant c && !c.isPublic()) weights += 4L * c.value().size();
      live -= freedAfter[i];
    }
    return new Liveness(last, peak, peakNode, widest, weights);
  }

  private static long bytes(Node n) {
    return 8L * n.shape().size();
  }
}
