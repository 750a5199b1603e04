package io.musketeer.cli;

import io.musketeer.compiler.Compiler;
import io.musketeer.importer.tf.ImportOptions;
import io.musketeer.importer.tf.SavedModelImporter;
import io.musketeer.ir.Graph;
import picocli.CommandLine.Option;

/** --model, --scale and --batch, shared by the commands that load a model. */
final class ModelOptions {
  /** Beyond this a batch is no longer an inference but a dataset; eval takes datasets. */
  static final int MAX_BATCH = 65536;

  @Option(names = "--model", required = true, paramLabel = "M",
      description = "Frozen TensorFlow GraphDef (.pb), TensorFlow SavedModel directory (TF2/Keras or TF1), or builtin:NAME (demo, squeezenet, "
          + "resnet50, densenet121: generated graphs with random weights).")
  String model;

  @Option(names = "--signature", defaultValue = SavedModelImporter.DEFAULT_SIGNATURE, paramLabel = "NAME",
      description = "Signature of a SavedModel to run (default: ${DEFAULT-VALUE}).")
  String signature;

  @Option(names = "--scale", defaultValue = "" + Compiler.DEFAULT_SCALE, paramLabel = "S",
      description = "Fixed-point fractional bits, 1..30 (default: ${DEFAULT-VALUE}; secure runs accept at most " + Scales.SECURE_MAX + ", see README).")
  int scale;

  @Option(names = "--batch", defaultValue = "1", paramLabel = "N",
      description = "Batch size given to the model's input (default: ${DEFAULT-VALUE}); a .npy input then holds N samples.")
  int batch;

  /** The model with its weights, at the requested batch size. */
  Graph load() {
    return load(Models.Use.WEIGHTS);
  }

  Graph load(Models.Use use) {
    check();
    return Models.load(model, ImportOptions.defaults().withBatchSize(batch), use, signature);
  }

  Graph load(int batch) {
    check();
    return Models.load(model, ImportOptions.defaults().withBatchSize(batch), Models.Use.WEIGHTS, signature);
  }

  /** Option values that no model could take. */
  void check() {
    if (batch < 1 || batch > MAX_BATCH) throw new UsageError("--batch must be in 1.." + MAX_BATCH + ", got " + batch);
    Scales.check(scale);
  }
}
