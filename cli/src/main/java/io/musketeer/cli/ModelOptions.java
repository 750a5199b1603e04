package io.musketeer.cli;

import io.musketeer.compiler.Compiler;
import io.musketeer.importer.tf.ImportOptions;
import io.musketeer.importer.tf.SavedModelImporter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Program;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** --model and --scale, shared by the commands that load a model. */
final class ModelOptions {
  @Option(names = "--model", required = true, paramLabel = "M",
      description = "A program written by 'musketeer compile', a frozen TensorFlow GraphDef (.pb), TensorFlow SavedModel directory (TF2/Keras or TF1), "
          + "or builtin:NAME (demo, squeezenet, resnet50, densenet121: generated graphs with random weights).")
  String model;

  @Spec(Spec.Target.MIXEE) CommandSpec spec;

  @Option(names = "--signature", defaultValue = SavedModelImporter.DEFAULT_SIGNATURE, paramLabel = "NAME",
      description = "Signature of a SavedModel to run (default: ${DEFAULT-VALUE}).")
  String signature;

  @Option(names = "--scale", defaultValue = "" + Compiler.DEFAULT_SCALE, paramLabel = "S",
      description = "Fixed-point fractional bits (default: ${DEFAULT-VALUE}).")
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
   * The program to run: a compiled program file as written, or the model compiled at --scale (checked by
   * the headroom check that needs no data).
   *
   * @param weights false at a party without weights (client, helper)
   */
  Program program(boolean weights) {
    if (isProgram()) return Programs.read(model, weights, scaleGiven(), scale);
    return Programs.compile(load(weights), scale);
  }

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
