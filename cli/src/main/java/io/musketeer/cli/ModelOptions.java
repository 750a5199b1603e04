package io.musketeer.cli;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.Shape;
import io.musketeer.importer.ImportOptions;
import io.musketeer.importer.tf.SavedModelImporter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Program;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** --model and what shapes it: --scale, --batch, --input-shape, --output-node, --signature; shared by the commands that load a model. */
final class ModelOptions {
  /** Beyond this a batch is no longer an inference but a dataset; eval takes datasets. */
  static final int MAX_BATCH = 65536;

  @Option(names = "--model", required = true, paramLabel = "M",
      description = "A program written by 'musketeer compile', an ONNX model (.onnx), a frozen TensorFlow GraphDef (.pb), TensorFlow SavedModel "
          + "directory (TF2/Keras or TF1), or builtin:NAME (demo, squeezenet, resnet50, densenet121: generated graphs with random weights).")
  String model;

  @Spec(Spec.Target.MIXEE) CommandSpec spec;

  @Option(names = "--signature", defaultValue = SavedModelImporter.DEFAULT_SIGNATURE, paramLabel = "NAME",
      description = "Signature of a SavedModel to run (default: ${DEFAULT-VALUE}).")
  String signature;

  @Option(names = "--scale", defaultValue = "" + Compiler.DEFAULT_SCALE, paramLabel = "S",
      description = "Fixed-point fractional bits, 1..30 (default: ${DEFAULT-VALUE}; secure runs accept at most " + Scales.SECURE_MAX + ", see README).")
  int scale;

  @Option(names = "--batch", paramLabel = "N",
      description = "Batch size of the model's input, overriding the model's own (by default a .npy input's leading dimension sizes an open batch axis).")
  Integer batch;

  @Option(names = "--input-shape", paramLabel = "D,D,...", split = ",",
      description = "Shape of the model's input where the model leaves dimensions open and no input file says (the server and helper of a run).")
  int[] inputShape;

  @Option(names = "--output-node", paramLabel = "NAME", split = ",",
      description = "Compute only these outputs of the model (default: all of the model's outputs).")
  List<String> outputNodes;

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
    return program(use, secure, null);
  }

  /** @param input the input about to be fed, whose .npy shape sizes a model's open dimensions (a compiled program's are fixed) */
  Program program(Models.Use use, boolean secure, Path input) {
    check();
    if (isProgram()) return Programs.read(model, use, scaleGiven(), scale);
    Graph g = load(use, input);
    return secure ? Programs.compileChecked(g, scale) : Compiler.compile(g, scale);
  }

  /** The scale the run will use: a compiled program's own, or --scale. */
  int effectiveScale() {
    return isProgram() ? Programs.read(model, Models.Use.STRUCTURE, false, scale).fracBits() : scale;
  }

  /** The model with its weights, shaped by the options alone (no input file). */
  Graph load() {
    return load(Models.Use.WEIGHTS);
  }

  Graph load(Models.Use use) {
    return load(use, null);
  }

  /**
   * The model, its open dimensions sized by the input about to be fed: a .npy input's shape (an image
   * leaves the model's shape alone), else --input-shape.
   */
  Graph load(Models.Use use, Path input) {
    check();
    Shape given = inputShapeOf(input);
    ImportOptions o = options(given);
    if (given != null) o = o.withSingleInputShape(given, "input " + input);
    return Models.load(model, o, use, signature);
  }

  /** The model with this batch size where its batch axis is open (--batch, if given, wins). */
  Graph loadWithDynamicBatch(int dynamicBatch) {
    check();
    return Models.load(model, options(null).withDynamicBatch(dynamicBatch), Models.Use.WEIGHTS, signature);
  }

  /** The model with its batch axis forced to n. */
  Graph loadWithBatch(int n) {
    check();
    return Models.load(model, options(null).withBatchSize(n), Models.Use.WEIGHTS, signature);
  }

  /** Option values that no model could take. */
  void check() {
    if (batch != null && (batch < 1 || batch > MAX_BATCH)) throw new UsageError("--batch must be in 1.." + MAX_BATCH + ", got " + batch);
    if (inputShape != null) {
      for (int d : inputShape) if (d < 1) throw new UsageError("--input-shape dimensions must be positive, got " + d);
    }
    Scales.check(scale);
  }

  ImportOptions options(Shape given) {
    ImportOptions o = ImportOptions.defaults();
    if (batch != null) o = o.withBatchSize(batch);
    if (given == null && inputShape != null) given = new Shape(inputShape);
    if (given != null) o = o.withSingleInputShape(given);
    if (outputNodes != null && !outputNodes.isEmpty()) o = o.withOutputs(outputNodes);
    return o;
  }

  /** The shape a .npy input file holds, or null (an image, or no file). */
  static Shape inputShapeOf(Path input) {
    if (input == null || !input.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy") || !Files.isRegularFile(input)) return null;
    return Npy.shape(input);
  }

  /** The options every party of a run must share, so all three compile the same program. */
  List<String> partyArgs(Shape given) {
    List<String> args = new ArrayList<>(List.of("--signature", signature));
    if (batch != null) args.addAll(List.of("--batch", "" + batch));
    if (given == null && inputShape != null) given = new Shape(inputShape);
    if (given != null) args.addAll(List.of("--input-shape", join(given.dims())));
    if (outputNodes != null && !outputNodes.isEmpty()) args.addAll(List.of("--output-node", String.join(",", outputNodes)));
    return args;
  }

  private static String join(int[] dims) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < dims.length; i++) sb.append(i == 0 ? "" : ",").append(dims[i]);
    return sb.toString();
  }
}
