package io.musketeer.compiler;

import io.musketeer.core.FloatTensor;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.IrException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The ranges of every value of a float graph over calibration inputs, measured by running the graph:
 * the largest |v| seen, and the largest sum of |v| that one sample contributes (what a truncation's
 * failure probability grows with). Also keeps the first output of every batch, the float reference the
 * fixed-point candidates are compared with.
 */
public final class Ranges {
  private final Graph graph;
  private final double[] maxAbs;
  private final double[] sampleAbsSum;
  private final List<FloatTensor> outputs = new ArrayList<>();
  private int samples;

  private Ranges(Graph graph) {
    this.graph = graph;
    this.maxAbs = new double[graph.size()];
    this.sampleAbsSum = new double[graph.size()];
  }

  /**
   * Runs {@code g} on every batch. Each batch holds {@code rows} samples along the leading axis of the
   * graph's inputs (1 for a graph without a batch axis).
   */
  public static Ranges measure(Graph g, List<Map<String, FloatTensor>> batches, int rows) {
    if (batches.isEmpty()) throw new IrException("calibration needs at least one input");
    if (rows < 1) throw new IllegalArgumentException("rows must be positive");
    Ranges r = new Ranges(g);
    for (Map<String, FloatTensor> batch : batches) {
      List<FloatTensor> out = FloatInterpreter.run(g, batch, (node, value) -> r.record(node, value, rows));
      r.outputs.add(out.get(0));
      r.samples += rows;
    }
    return r;
  }

  private void record(int node, FloatTensor value, int rows) {
    float[] v = value.data();
    double max = maxAbs[node];
    // one sample's share: its row of a batched value; all of a value without the batch axis
    boolean batched = rows > 1 && value.shape().rank() > 0 && value.shape().dim(0) == rows;
    int perRow = batched ? v.length / rows : v.length;
    int rowCount = batched ? rows : 1;
    double worstRow = sampleAbsSum[node];
    for (int row = 0; row < rowCount; row++) {
      double sum = 0;
      for (int k = row * perRow, end = k + perRow; k < end; k++) {
        double a = Math.abs(v[k]);
        sum += a;
        if (a > max) max = a;
      }
      if (sum > worstRow) worstRow = sum;
    }
    maxAbs[node] = max;
    sampleAbsSum[node] = worstRow;
  }

  private Ranges(Graph graph, Ranges from) {
    this.graph = graph;
    this.maxAbs = from.maxAbs;
    this.sampleAbsSum = from.sampleAbsSum;
    this.outputs.addAll(from.outputs);
    this.samples = from.samples;
  }

  /**
   * The same ranges read on another import of the same model (another batch size, say): node for node
   * the same names and ops, so every value's range carries over.
   */
  public Ranges on(Graph other) {
    if (other.size() != graph.size()) throw new IrException("ranges were measured on a graph of " + graph.size() + " nodes, not " + other.size());
    for (int i = 0; i < other.size(); i++) {
      if (!other.node(i).name().equals(graph.node(i).name()) || !other.node(i).op().kind().equals(graph.node(i).op().kind())) {
        throw new IrException("ranges were measured on another graph (node " + i + " is '" + graph.node(i).name() + "' there, '" + other.node(i).name() + "' here)");
      }
    }
    return new Ranges(other, this);
  }

  public Graph graph() {
    return graph;
  }

  /** The largest |v| of the node's value over all calibration inputs (real, not scaled). */
  public double maxAbs(int node) {
    return maxAbs[node];
  }

  /** The largest sum of |v| over one sample's elements of the node's value (real, not scaled). */
  public double sampleAbsSum(int node) {
    return sampleAbsSum[node];
  }

  /** How many samples were measured. */
  public int samples() {
    return samples;
  }

  /** The float graph's first output, one tensor per batch, in order. */
  public List<FloatTensor> outputs() {
    return List.copyOf(outputs);
  }
}
