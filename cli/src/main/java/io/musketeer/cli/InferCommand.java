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

  @Option(names = "--output", defaultValue = "logits.npy",
      description = "Where to write the output as .npy (default: ${DEFAULT-VALUE}); several outputs go to FILE's name with .NODE before .npy.")
  Path output;

  @Override
  public Integer call() {
    Graph g = model.load(true, input);
    Map<String, FloatTensor> inputs = loadSingleInput(g, input, preprocess.toPreprocess());
    List<FloatTensor> outs = switch (mode) {
      case "float" -> FloatInterpreter.run(g, inputs);
      case "fixed" -> FixedPointInterpreter.run(Compiler.compile(g, model.scale), inputs);
      default -> throw new MusketeerException("unknown --mode '" + mode + "' (use float or fixed)");
    };
    TopK.print(System.out, "top-5 (" + mode + "):", outs.get(0), 5);
    writeOutputs(output, outputNames(g), outs);
    return 0;
  }

  /** The names of a graph's outputs, in order. */
  static List<String> outputNames(Graph g) {
    return java.util.Arrays.stream(g.outputs()).mapToObj(o -> g.node(o).name()).toList();
  }

  /** One output to {@code file}; several each to {@code file}'s name with the output's node name before the extension. */
  static void writeOutputs(Path file, List<String> names, List<FloatTensor> outs) {
    for (int k = 0; k < outs.size(); k++) {
      Path f = outs.size() == 1 ? file : sibling(file, names.get(k));
      Npy.write(f, outs.get(k));
      System.out.println("wrote " + f + " " + outs.get(k).shape() + (outs.size() == 1 ? "" : " (output '" + names.get(k) + "')"));
    }
  }

  private static Path sibling(Path file, String node) {
    String name = file.getFileName().toString();
    int dot = name.toLowerCase(java.util.Locale.ROOT).endsWith(".npy") ? name.length() - 4 : name.length();
    String safe = node.replaceAll("[^A-Za-z0-9._-]", "_");
    return file.resolveSibling(name.substring(0, dot) + "." + safe + ".npy");
  }

  static Map<String, FloatTensor> loadSingleInput(Graph g, Path file, Preprocess p) {
    int[] ins = g.inputs();
    if (ins.length != 1) throw new MusketeerException("the model has " + ins.length + " inputs; only single-input models are supported on the command line");
    Op.Input in = (Op.Input) g.node(ins[0]).op();
    return Map.of(in.name(), p.load(file, in));
  }
}
