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

  @Option(names = "--output", defaultValue = "logits.npy", paramLabel = "FILE", description = "Where to write the first output as .npy (default: ${DEFAULT-VALUE}).")
  Path output;

  @Override
  public Integer call() {
    if (!mode.equals("float") && !mode.equals("fixed")) throw new UsageError("unknown --mode '" + mode + "' (use float or fixed)");
    Preprocess pre = preprocess.toPreprocess();
    model.check();
    OutputFile out = OutputFile.check("--output", output, input, Models.file(model.model));
    // a compiled program runs as compiled (its float semantics: the same graph in float); a model is
    // compiled here, its scale checked before any input is read
    Graph g = model.isProgram() ? null : model.load();
    Program p = g == null ? model.program(Models.Use.WEIGHTS, false) : mode.equals("fixed") ? Compiler.compile(g, model.scale) : null;
    Map<String, FloatTensor> inputs = loadSingleInput(g != null ? g : p.graph(), input, pre);
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
    Npy.write(out, outs.get(0));
    System.out.println("wrote " + output + " " + outs.get(0).shape());
    return 0;
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
    return Map.of(in.name(), p.load(file, in.name(), in.shape()));
  }

  /** The model's one input; several are refused, since the command line gives one. */
  static Op.Input singleInput(Graph g) {
    int[] ins = g.inputs();
    if (ins.length != 1) throw new MusketeerException("the model has " + ins.length + " inputs; only single-input models are supported on the command line");
    return (Op.Input) g.node(ins[0]).op();
  }
}
