package io.musketeer.importer.tf;

import io.musketeer.core.Shape;
import java.util.List;
import java.util.Map;

/**
 * How to import a TensorFlow graph.
 *
 * @param batchSize if positive, the leading (batch) dimension of every placeholder; if 0, placeholders
 *     keep their dimensions and an unknown leading one becomes 1
 * @param outputs output node names ("name" or "name:k"); empty means every node nobody reads
 * @param inputShapes shapes that override (or complete) placeholder shapes, by placeholder name
 */
public record ImportOptions(int batchSize, List<String> outputs, Map<String, Shape> inputShapes) {
  public ImportOptions {
    if (batchSize < 0) throw new IllegalArgumentException("batch size must not be negative");
    outputs = List.copyOf(outputs);
    inputShapes = Map.copyOf(inputShapes);
  }

  public static ImportOptions defaults() {
    return new ImportOptions(0, List.of(), Map.of());
  }

  public ImportOptions withBatchSize(int n) {
    return new ImportOptions(n, outputs, inputShapes);
  }

  public ImportOptions withOutputs(List<String> names) {
    return new ImportOptions(batchSize, names, inputShapes);
  }

  public ImportOptions withInputShape(String name, Shape shape) {
    Map<String, Shape> m = new java.util.HashMap<>(inputShapes);
    m.put(name, shape);
    return new ImportOptions(batchSize, outputs, m);
  }
}
