package io.musketeer.cli;

import io.musketeer.MusketeerException;
import io.musketeer.importer.tf.ImportOptions;
import io.musketeer.importer.tf.TfImporter;
import io.musketeer.ir.Graph;
import io.musketeer.models.SyntheticModels;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves a --model argument: a file (.pb frozen GraphDef) or {@code builtin:NAME} (a generated graph). */
final class Models {
  static final String BUILTIN = "builtin:";
  static final long BUILTIN_SEED = 20261124L;

  private Models() {}

  static Graph load(String spec, ImportOptions options) {
    return load(spec, options, true);
  }

  /**
   * @param weights false for a party that holds no weights (client, helper): a built-in model is then
   *     generated weight-free, the same program without the cost of making and holding 25 M numbers
   */
  static Graph load(String spec, ImportOptions options, boolean weights) {
    if (spec.startsWith(BUILTIN)) {
      String name = spec.substring(BUILTIN.length());
      if (!SyntheticModels.names().contains(name)) {
        throw new MusketeerException("unknown built-in model '" + name + "'; available: " + String.join(", ", SyntheticModels.names()));
      }
      return TfImporter.fromGraphDef(SyntheticModels.build(name, BUILTIN_SEED, weights), options);
    }
    Path file = Path.of(spec);
    if (!Files.exists(file)) throw new MusketeerException("model file " + spec + " does not exist");
    String lower = spec.toLowerCase();
    if (lower.endsWith(".onnx")) {
      throw new MusketeerException("ONNX models are not supported yet (" + spec + "); export a frozen TensorFlow GraphDef (.pb)");
    }
    return TfImporter.load(file, options);
  }
}
