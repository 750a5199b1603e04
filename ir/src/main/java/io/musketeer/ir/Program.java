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
 * @param bounds per node, the bound k (1..63) of its value v as a fixed-point integer at the node's
 *     scale, −2^k ≤ v &lt; 2^k, as calibration promises it (with a margin); {@link #UNBOUNDED} = no
 *     promise. Comparison protocols that need a bound read it; the interpreter emulates what they do
 *     with a value out of its bound.
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

  /** The bound k of node's value: −2^k ≤ v &lt; 2^k at the node's scale; {@link #UNBOUNDED} when unknown. */
  public int bound(int node) {
    return bounds[node];
  }

  /** This program with the given bounds. */
  public Program withBounds(int[] bounds) {
    return new Program(graph, scales, fracBits, softmaxOutput, bounds);
  }
}
