package io.musketeer.cli;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.GraphStats;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", description = "Run the built-in demo CNN securely (three local processes) and compare with the cleartext run.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--model", defaultValue = "builtin:demo", description = "Model to demo (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--scale", defaultValue = "" + Compiler.DEFAULT_SCALE, description = "Fixed-point fractional bits (default: ${DEFAULT-VALUE}).")
  int scale;

  @Override
  public Integer call() throws IOException {
    Graph g = Models.load(model, io.musketeer.importer.ImportOptions.defaults());
    Op.Input in = (Op.Input) g.node(g.inputs()[0]).op();
    FloatTensor x = syntheticInput(in);
    System.out.printf(Locale.ROOT, "model %s: %d nodes, %,d parameters, %.1f MMAC, %,d secure comparisons; input '%s' %s%n",
        model, g.size(), GraphStats.parameters(g), GraphStats.totalMacs(g) / 1e6, GraphStats.totalComparisons(g), in.name(), in.shape());
    Path dir = Files.createTempDirectory("musketeer-demo");
    try {
      Path input = dir.resolve("input.npy"), output = dir.resolve("output.npy");
      Npy.write(input, x);
      LocalRun.Summary s = LocalRun.execute(model, input, scale, "porthos", output, List.of(), List.of(), false);
      FloatTensor secure = Npy.read(output);
      Program p = Compiler.compile(g, scale);
      FloatTensor fixed = FixedPointInterpreter.run(p, Map.of(in.name(), x)).get(0);
      FloatTensor exact = FloatInterpreter.run(g, Map.of(in.name(), x)).get(0);
      TopK.print(System.out, "secure top-5 (the client's output):", secure, 5);
      double maxDiff = 0;
      for (int i = 0; i < secure.size(); i++) maxDiff = Math.max(maxDiff, Math.abs(secure.data()[i] - fixed.data()[i]));
      System.out.printf(Locale.ROOT, "cleartext float top-1: class %d; cleartext fixed-point top-1: class %d; secure top-1: class %d%n",
          TopK.indices(exact.data(), 1)[0], TopK.indices(fixed.data(), 1)[0], TopK.indices(secure.data(), 1)[0]);
      System.out.printf(Locale.ROOT, "largest |secure - cleartext fixed point| over the logits: %.6f (one truncation ulp is %.6f)%n",
          maxDiff, Math.scalb(1.0, -scale));
      LocalRun.printSummary(s);
    } finally {
      Files2.deleteTree(dir);
    }
    return 0;
  }

  /** A deterministic input in 0..1, so every demo run shows the same prediction. */
  static FloatTensor syntheticInput(Op.Input in) {
    SplittableRandom rng = new SplittableRandom(42);
    float[] d = new float[in.shape().size()];
    for (int i = 0; i < d.length; i++) d[i] = (float) rng.nextDouble();
    return new FloatTensor(in.shape(), d);
  }
}
