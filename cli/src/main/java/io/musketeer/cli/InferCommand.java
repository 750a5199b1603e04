package io.musketeer.cli;

import io.musketeer.MusketeerException;
import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "infer", mixinStandardHelpOptions = true,
    description = "Run a model in the clear (float or fixed point) on one input; print the top-5 of each sample, write the first output.")
final class InferCommand implements Callable<Integer> {
  @Mixin ModelOptions model;
  @Mixin PreprocessOptions preprocess;

  @Option(names = "--input", required = true, paramLabel = "X", description = "Input: .npy array or an image (PNG/JPEG).")
  Path input;

  @Option(names = "--mode", defaultValue = "float", description = "float (reference) or fixed (the arithmetic of the secure run).")
  String mode;

  @Option(names = "--output", defaultValue = "logits.npy", paramLabel = "FILE",
      description = "Where to write the output as .npy (default: ${DEFAULT-VALUE}); several outputs go to FILE's name with .NODE before .npy.")
  Path output;

  @Override
  public Integer call() {
    if (!mode.equals("float") && !mode.equals("fixed")) throw new UsageError("unknown --mode '" + mode + "' (use float or fixed)");
    Preprocess pre = preprocess.toPreprocess();
    model.check();
    OutputFile.check("--output", output, input, Models.file(model.model));
    // a compiled program runs as compiled (its float semantics: the same graph in float); a model is
    // compiled here, its scale checked before any input is read, its open dimensions sized by the input
    Graph g = model.isProgram() ? null : model.load(Models.Use.WEIGHTS, input);
    Program p = g == null ? model.program(Models.Use.WEIGHTS, false) : mode.equals("fixed") ? Compiler.compile(g, model.scale) : null;
    Graph shapes = g != null ? g : p.graph();
    List<String> names = outputNames(shapes);
    List<OutputFile> files = outputFiles(output, names, input, Models.file(model.model));
    Map<String, FloatTensor> inputs = loadSingleInput(shapes, input, pre);
    List<FloatTensor> outs;
    if (mode.equals("float")) {
      outs = g != null ? FloatInterpreter.run(g, inputs) : Programs.runFloat(p, inputs);
      requireFinite(outs.get(0));
    } else {
      FixedPointInterpreter.Run run = FixedPointInterpreter.execute(p, inputs);
      outs = run.outputs();
      warnTruncationRisk(run, p.fracBits());
    }
    TopK.print(System.out, "top-5 (" + mode + "):", outs.get(0), 5);
    writeOutputs(files, names, outs);
    return 0;
  }

  /** The names of a graph's outputs, in order (a program's, without the lowering's "/trunc" suffix). */
  static List<String> outputNames(Graph g) {
    return java.util.Arrays.stream(g.outputs()).mapToObj(o -> g.node(o).name().replaceFirst("/trunc$", "")).toList();
  }

  /**
   * Where the outputs go, checked before any work: one output to {@code file}; several each to
   * {@code file}'s name with the output's node name before the extension.
   */
  static List<OutputFile> outputFiles(Path file, List<String> names, Path... inputs) {
    List<OutputFile> files = new java.util.ArrayList<>();
    for (String name : names) files.add(OutputFile.check("--output", names.size() == 1 ? file : sibling(file, name), inputs));
    return files;
  }

  static void writeOutputs(List<OutputFile> files, List<String> names, List<FloatTensor> outs) {
    for (int k = 0; k < outs.size(); k++) {
      Npy.write(files.get(k), outs.get(k));
      System.out.println("wrote " + files.get(k).path() + " " + outs.get(k).shape() + (outs.size() == 1 ? "" : " (output '" + names.get(k) + "')"));
    }
  }

  private static Path sibling(Path file, String node) {
    String name = file.getFileName().toString();
    int dot = name.toLowerCase(Locale.ROOT).endsWith(".npy") ? name.length() - 4 : name.length();
    return file.resolveSibling(name.substring(0, dot) + "." + node.replaceAll("[^A-Za-z0-9._-]", "_") + ".npy");
  }

  /** Float overflow (inputs or weights too large for float32) shows as infinities or NaN in the output. */
  static void requireFinite(FloatTensor t) {
    for (float v : t.data()) {
      if (!Float.isFinite(v)) throw new MusketeerException("the model's output holds " + v + " (float32 overflow: inputs or weights too large?)");
    }
  }

  /** The cleartext run is exact; a secure run on the same input would corrupt values at this rate. */
  static void warnTruncationRisk(FixedPointInterpreter.Run run, int scale) {
    if (run.expectedTruncationFailures() > 1e-3) {
      System.err.printf(Locale.ROOT, "musketeer: warning: a secure run on this input at --scale %d would corrupt about %.3g values by local truncation "
          + "(mostly at %s); lower --scale or rescale the input%n", scale, run.expectedTruncationFailures(), run.riskiestTruncation());
    }
  }

  static Map<String, FloatTensor> loadSingleInput(Graph g, Path file, Preprocess p) {
    Op.Input in = singleInput(g);
    return Map.of(in.name(), p.load(file, in));
  }

  /** The model's one input; several are refused, since the command line gives one. */
  static Op.Input singleInput(Graph g) {
    int[] ins = g.inputs();
    if (ins.length != 1) throw new MusketeerException("the model has " + ins.length + " inputs; only single-input models are supported on the command line");
    return (Op.Input) g.node(ins[0]).op();
  }
}
