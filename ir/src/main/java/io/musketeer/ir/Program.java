package io.musketeer.ir;

/**
 * What crosses from the compiler to the secure runtime: a graph lowered to fixed point, with the scale
 * (fractional bits) of every node resolved and explicit {@link Op.Truncate} nodes. The cleartext
 * fixed-point interpreter and the secure executor walk the same Program with the same rules.
 *
 * @param fracBits the scale of inputs and weights
 * @param scales the scale of each node's value
 * @param softmaxOutput whether the client applies softmax to the opened outputs (a final Softmax is
 *     computed in the clear by the client, since it only sees the output anyway)
 */
public record Program(Graph graph, int[] scales, int fracBits, boolean softmaxOutput) {
  public Program {
    scales = scales.clone();
    if (scales.length != graph.size()) throw new IrException("one scale per node expected");
  }

  @Override
  public int[] scales() {
    return scales.clone();
  }

  public int scale(int node) {
    return scales[node];
  }
}
