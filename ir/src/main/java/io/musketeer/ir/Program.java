package io.musketeer.ir;

import java.util.Arrays;

/**
 * What crosses from the compiler to the secure runtime: a graph lowered to fixed point, with the scale
 * (fractional bits) of every node resolved and explicit {@link Op.Truncate} nodes. The cleartext
 * fixed-point interpreter and the secure executor walk the same Program with the same rules.
 *
 * @param fracBits the scale of inputs and weights
 * @param scales the scale of each node's value
 * @param softmaxOutput whether the client applies softmax to the opened outputs (a final Softmax is
 *     computed in the clear by the client, since it only sees the output anyway)
 * @param bounds for each node, the bound k (1..63) promised for the values it reads: every input value
 *     x of node i satisfies −2^k ≤ x &lt; 2^k at that input's ring scale. It is what a cheaper comparison
 *     protocol needs (FASTRELU.md §7) on the inputs of Relu, MaxPool and ArgMax, and on the input of a
 *     Truncate (so that a fused Truncate→Relu pair finds its input's bound on its first node).
 *     Calibration sets it, with a safety margin, for those nodes; every other node, and every node of an
 *     uncalibrated program, has {@link #UNBOUNDED}. Part of the program hash.
 */
public record Program(Graph graph, int[] scales, int fracBits, boolean softmaxOutput, int[] bounds) {
  /** The bound that promises nothing. */
  public static final int UNBOUNDED = 63;

  public Program {
    scales = scales.clone();
    bounds = bounds.clone();
    if (scales.length != graph.size()) throw new IrException("one scale per node expected");
    if (bounds.length != graph.size()) throw new IrException("one bound per node expected");
    for (int i = 0; i < bounds.length; i++) {
      if (bounds[i] < 1 || bounds[i] > UNBOUNDED) throw new IrException("node '" + graph.node(i).name() + "': bound must be in 1.." + UNBOUNDED + ", got " + bounds[i]);
    }
  }

  /** A program that promises no bounds. */
  public Program(Graph graph, int[] scales, int fracBits, boolean softmaxOutput) {
    this(graph, scales, fracBits, softmaxOutput, unbounded(graph.size()));
  }

  @Override
  public int[] scales() {
    return scales.clone();
  }

  @Override
  public int[] bounds() {
    return bounds.clone();
  }

  public int scale(int node) {
    return scales[node];
  }

  /**
   * The bound k (1..63) on the values node {@code node} reads (for an AvgPool or ReduceMean, the window
   * sums it divides); 63 means unknown or unbounded.
   */
  public int bound(int node) {
    return bounds[node];
  }

  /** This program with the given bounds. */
  public Program withBounds(int[] bounds) {
    return new Program(graph, scales, fracBits, softmaxOutput, bounds);
  }

  private static int[] unbounded(int n) {
    int[] b = new int[n];
    Arrays.fill(b, UNBOUNDED);
    return b;
  }
}
