package io.musketeer.cli;

import io.musketeer.compiler.Compiler;
import io.musketeer.importer.tf.ImportOptions;
import io.musketeer.importer.tf.SavedModelImporter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Program;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** --model, --scale and --batch, shared by the commands that load a model. */
final class ModelOptions {
  /** Beyond this a batch is no longer an inference but a dataset; eval takes datasets. */
  static final int MAX_BATCH = 65536;

  @Option(names = "--model", required = true, paramLabel = "M",
      description = "A program written by 'musketeer compile', a frozen TensorFlow GraphDef (.pb), TensorFlow SavedModel directory (TF2/Keras or TF1), "
          + "or builtin:NAME (demo, squeezenet, resnet50, densenet121: generated graphs with random weights).")
  String model;

  @Spec(Spec.Target.MIXEE) CommandSpec spec;

  @Option(names = "--signature", defaultValue = SavedModelImporter.DEFAULT_SIGNATURE, paramLabel = "NAME",
      description = "Signature of a SavedModel to run (default: ${DEFAULT-VALUE}).")
  String signature;

  @Option(names = "--scale", defaultValue = "" + Compiler.DEFAULT_SCALE, paramLabel = "S",
      description = "Fixed-point fractional bits, 1..30 (default: ${DEFAULT-VALUE}; secure runs accept at most " + Scales.SECURE_MAX + ", see README).")
  int scale;

  @Option(names = "--batch", defaultValue = "1", paramLabel = "N",
      description = "Batch size given to the model's input (default: ${DEFAULT-VALUE}); a .npy input then holds N samples.")
  int batch;

  /** Whether --model names a compiled program file. */
  boolean isProgram() {
    return Programs.isProgram(model);
  }

  /** Whether --scale was given on the command line (a compiled program refuses a different one). */
  boolean scaleGiven() {
    return spec != null && spec.commandLine().getParseResult() != null && spec.commandLine().getParseResult().hasMatchedOption("--scale");
  }

  /**
   * The program to run: a compiled program file as written, or the model compiled at --scale.
   *
   * @param secure whether the program runs securely: a model's --scale must then pass the headroom check
   *     that needs no data (a cleartext run checks the actual values instead)
   */
  Program program(Models.Use use, boolean secure) {
    check();
    if (isProgram()) return Programs.read(model, use, scaleGiven(), scale);
    Graph g = load(use);
    return secure ? Programs.compileChecked(g, scale) : Compiler.compile(g, scale);
  }

  /** The scale the run will use: a compiled program's own, or --scale. */
  int effectiveScale() {
    return isProgram() ? Programs.read(model, Models.Use.STRUCTURE, false, scale).fracBits() : scale;
  }

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
