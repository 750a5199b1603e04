package io.musketeer.cli;

import io.musketeer.MusketeerException;
import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "infer", description = "Run a model in the clear (float or fixed point) on one input; print top-5, write logits.")
final class InferCommand implements Callable<Integer> {
  @Mixin ModelOptions model;
  @Mixin PreprocessOptions preprocess;

  @Option(names = "--input", required = true, paramLabel = "X", description = "Input: .npy array or an image (PNG/JPEG).")
  Path input;

  @Option(names = "--mode", defaultValue = "float", description = "float (reference) or fixed (the arithmetic of the secure run).")
  String mode;

  @Option(names = "--output", defaultValue = "logits.npy", description = "Where to write the first output as .npy (default: ${DEFAULT-VALUE}).")
  Path output;

  @Override
  public Integer call() {
    Graph g = model.load();
    Map<String, FloatTensor> inputs = loadSingleInput(g, input, preprocess.toPreprocess());
    List<FloatTensor> outs = switch (mode) {
      case "float" -> FloatInterpreter.run(g, inputs);
      case "fixed" -> FixedPointInterpreter.run(Compiler.compile(g, model.scale), inputs);
      default -> throw new MusketeerException("unknown --mode '" + mode + "' (use float or fixed)");
    };
    TopK.print(System.out, "top-5 (" + mode + "):", outs.get(0), 5);
    Npy.write(output, outs.get(0));
    System.out.println("wrote " + output + " " + outs.get(0).shape());
    return 0;
  }

  static Map<String, FloatTensor> loadSingleInput(Graph g, Path file, Preprocess p) {
    int[] ins = g.inputs();
    if (ins.length != 1) throw new MusketeerException("the model has " + ins.length + " inputs; only single-input models are supported on the command line");
    Op.Input in = (Op.Input) g.node(ins[0]).op();
    return Map.of(in.name(), p.load(file, in));
  }
}
