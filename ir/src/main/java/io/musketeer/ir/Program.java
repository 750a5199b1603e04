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
 *     x of node i satisfies −2^k ≤ x &lt; 2^k at that input's ring scale (calibration, with a margin);
 *     what a comparison protocol with bounds needs on the inputs of Relu, MaxPool, ArgMax and Truncate;
 *     {@link #UNBOUNDED} = no promise. The interpreter emulates what such a protocol does with a value
 *     out of its bound.
 */
public record Program(Graph graph, int[] scales, int fracBits, boolean softmaxOutput, int[] bounds) {
  /** The bound that promises nothing. */
  public static final int UNBOUNDED = 63;

  public Program {
    scales = scales.clone();
    bounds = bounds.clone();
    if (scales.length != graph.size()) throw new IrException("one scale per node expected");
    if (bounds.length != graph.size()) throw new IrException("one bound per node expected");
    for (int b : bounds) if (b < 1 || b > UNBOUNDED) throw new IrException("a value bound must be in 1..63 bits, got " + b);
  }

  /** A program without bounds. */
  public Program(Graph graph, int[] scales, int fracBits, boolean softmaxOutput) {
    this(graph, scales, fracBits, softmaxOutput, unbounded(graph.size()));
  }

  private static int[] unbounded(int n) {
    int[] b = new int[n];
    Arrays.fill(b, UNBOUNDED);
    return b;
  }

  @Override
  public int[] scales() {
    return scales.clone();
  }

  public int scale(int node) {
    return scales[node];
  }

  @Override
  public int[] bounds() {
    return bounds.clone();
  }

  /** The bound k (1..63) on the values node {@code node} reads; 63 means unknown or unbounded. */
  public int bound(int node) {
    return bounds[node];
  }

  /** This program with the given bounds. */
  public Program withBounds(int[] bounds) {
    return new Program(graph, scales, fracBits, softmaxOutput, bounds);
  }
}
