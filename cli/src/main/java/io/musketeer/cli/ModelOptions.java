package io.musketeer.cli;

import io.musketeer.compiler.Compiler;
import io.musketeer.importer.tf.ImportOptions;
import io.musketeer.ir.Graph;
import picocli.CommandLine.Option;

/** --model and --scale, shared by the commands that load a model. */
final class ModelOptions {
  @Option(names = "--model", required = true, paramLabel = "M",
      description = "Frozen TensorFlow GraphDef (.pb), or builtin:NAME (demo, squeezenet, resnet50, densenet121: generated graphs with random weights).")
  String model;

  @Option(names = "--scale", defaultValue = "" + Compiler.DEFAULT_SCALE, paramLabel = "S",
      description = "Fixed-point fractional bits (default: ${DEFAULT-VALUE}).")
  int scale;

  /** The model for one input (batch 1). */
  Graph load() {
    return load(1);
  }

  Graph load(int batch) {
    return Models.load(model, ImportOptions.defaults().withBatchSize(batch));
  }
}
