package io.musketeer.cli;

import io.musketeer.compiler.Compiler;
import io.musketeer.importer.ImportOptions;
import io.musketeer.importer.tf.SavedModelImporter;
import io.musketeer.ir.Graph;
import picocli.CommandLine.Option;

/** --model and --scale, shared by the commands that load a model. */
final class ModelOptions {
  @Option(names = "--model", required = true, paramLabel = "M",
      description = "Frozen TensorFlow GraphDef (.pb), TensorFlow SavedModel directory (TF2/Keras or TF1), or builtin:NAME (demo, squeezenet, "
          + "resnet50, densenet121: generated graphs with random weights).")
  String model;

  @Option(names = "--signature", defaultValue = SavedModelImporter.DEFAULT_SIGNATURE, paramLabel = "NAME",
      description = "Signature of a SavedModel to run (default: ${DEFAULT-VALUE}).")
  String signature;

  @Option(names = "--scale", defaultValue = "" + Compiler.DEFAULT_SCALE, paramLabel = "S",
      description = "Fixed-point fractional bits (default: ${DEFAULT-VALUE}).")
  int scale;

  @Option(names = "--batch", defaultValue = "1", paramLabel = "N",
      description = "Batch size given to the model's input (default: ${DEFAULT-VALUE}); a .npy input then holds N samples.")
  int batch;

  /** The model with the requested batch size. */
  Graph load() {
    return load(true);
  }

  /** @param weights false at a party without weights (see {@link Models#load(String, ImportOptions, boolean)}) */
  Graph load(boolean weights) {
    if (batch < 1) throw new io.musketeer.MusketeerException("--batch must be positive");
    return Models.load(model, ImportOptions.defaults().withBatchSize(batch), weights, signature);
  }

  Graph load(int batch) {
    return Models.load(model, ImportOptions.defaults().withBatchSize(batch), true, signature);
  }
}
