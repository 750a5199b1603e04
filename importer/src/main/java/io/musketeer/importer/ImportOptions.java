package io.musketeer.importer;

import io.musketeer.core.Shape;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How to import a model, whatever its framework.
 *
 * @param batchSize if positive, the leading (batch) dimension of every input, declared or not (--batch)
 * @param dynamicBatch the batch size of inputs whose batch dimension the model leaves open and no given
 *     shape sizes
 * @param outputs output names ("name" or, for TensorFlow, "name:k"); empty means the model's own
 * @param inputShapes shapes of the inputs about to be fed, by input name ({@link #SINGLE_INPUT}: the
 *     model's only input, whatever its name): they size the dimensions the model leaves open
 * @param inputSource what gave those shapes, for messages ("the input given", "input x.npy")
 */
public record ImportOptions(int batchSize, int dynamicBatch, List<String> outputs, Map<String, Shape> inputShapes, String inputSource) {
  /** The key of a shape for the model's only input. */
  public static final String SINGLE_INPUT = "";

  public ImportOptions {
    if (batchSize < 0) throw new IllegalArgumentException("batch size must not be negative");
    if (dynamicBatch < 1) throw new IllegalArgumentException("dynamic batch size must be positive");
    outputs = List.copyOf(outputs);
    inputShapes = Map.copyOf(inputShapes);
  }

  public static ImportOptions defaults() {
    return new ImportOptions(0, 1, List.of(), Map.of(), "the input given");
  }

  public ImportOptions withBatchSize(int n) {
    return new ImportOptions(n, dynamicBatch, outputs, inputShapes, inputSource);
  }

  public ImportOptions withDynamicBatch(int n) {
    return new ImportOptions(batchSize, n, outputs, inputShapes, inputSource);
  }

  public ImportOptions withOutputs(List<String> names) {
    return new ImportOptions(batchSize, dynamicBatch, names, inputShapes, inputSource);
  }

  public ImportOptions withInputShape(String name, Shape shape) {
    Map<String, Shape> m = new HashMap<>(inputShapes);
    m.put(name, shape);
    return new ImportOptions(batchSize, dynamicBatch, outputs, m, inputSource);
  }

  /** The shape of the input about to be fed to a model with one input. */
  public ImportOptions withSingleInputShape(Shape shape) {
    return withInputShape(SINGLE_INPUT, shape);
  }

  /** @param source what holds the input, for messages (e.g. "input x.npy") */
  public ImportOptions withSingleInputShape(Shape shape, String source) {
    ImportOptions o = withInputShape(SINGLE_INPUT, shape);
    return new ImportOptions(o.batchSize, o.dynamicBatch, o.outputs, o.inputShapes, source);
  }

  /**
   * The shape an input gets: the declared dimensions, with the batch axis (dimension 0) and open
   * dimensions taken from the shape given for the input; without one, an open batch axis is
   * {@link #dynamicBatch} and any other open dimension is an error.
   *
   * @param declared the model's dimensions, -1 where open; null when even the rank is unknown
   * @param onlyInput whether this is the model's only input (then {@link #SINGLE_INPUT} applies)
   * @throws ModelImportException (message without the input's name: callers prefix it) when the given
   *     shape contradicts a declared dimension or an open dimension stays unsized
   */
  public Shape inputShape(String name, int[] declared, boolean onlyInput) {
    Shape given = inputShapes.get(name);
    if (given == null && onlyInput) given = inputShapes.get(SINGLE_INPUT);
    if (declared == null) {
      if (given == null) throw new ModelImportException("has no declared shape; give an input (or its shape) to size it");
      return forced(given);
    }
    int[] dims = declared.clone();
    if (given != null) {
      Shape asGiven = given;
      if (given.rank() == declared.length - 1) given = withLeadingOne(given); // a sample without its batch axis
      if (given.rank() != dims.length) {
        throw new ModelImportException("has rank " + dims.length + " (" + describe(declared) + ") but " + inputSource + " has shape " + asGiven);
      }
      for (int i = 0; i < dims.length; i++) {
        if (i > 0 && dims[i] >= 0 && dims[i] != given.dim(i)) {
          throw new ModelImportException("expects shape " + describe(declared) + ", but " + inputSource + " has shape " + asGiven);
        }
        dims[i] = given.dim(i);
      }
    } else {
      if (dims.length > 0 && dims[0] < 0) dims[0] = dynamicBatch;
      for (int i = 0; i < dims.length; i++) {
        if (dims[i] < 0) {
          throw new ModelImportException("has shape " + describe(declared) + " with open dimension " + i + "; give an input (or its shape) to size it");
        }
      }
    }
    return forced(new Shape(dims));
  }

  private Shape forced(Shape s) {
    if (batchSize == 0 || s.rank() == 0) return s;
    int[] d = s.dims();
    d[0] = batchSize;
    return new Shape(d);
  }

  private static Shape withLeadingOne(Shape s) {
    int[] d = new int[s.rank() + 1];
    d[0] = 1;
    System.arraycopy(s.dims(), 0, d, 1, s.rank());
    return new Shape(d);
  }

  /** Dimensions with open ones as '?'. */
  public static String describe(int[] dims) {
    return Arrays.toString(Arrays.stream(dims).mapToObj(d -> d < 0 ? "?" : String.valueOf(d)).toArray());
  }
}
