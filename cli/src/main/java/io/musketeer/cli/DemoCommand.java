package io.musketeer.cli;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.importer.ImportOptions;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.GraphStats;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import io.musketeer.mpc.runtime.Protocols;
import io.musketeer.mpc.runtime.SecureParty;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run a model (the built-in demo CNN unless --model) securely as three local processes on a generated input, "
        + "and compare with the cleartext runs.")
final class DemoCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = "--model", defaultValue = "builtin:demo", paramLabel = "M",
      description = "Model to demo: a frozen GraphDef (.pb) or builtin:NAME (default: ${DEFAULT-VALUE}).")
  String model;

  @Mixin SecurityOptions security;

  @Option(names = "--scale", defaultValue = "" + Compiler.DEFAULT_SCALE, paramLabel = "S", description = "Fixed-point fractional bits (default: ${DEFAULT-VALUE}).")
  int scale;

  @Override
  public Integer call() {
    security.check(false, false, true);
    String warning = Scales.checkSecure(scale);
    if (warning != null) System.err.println(warning);
    // batch 1, as the parties load it
    Graph g = Models.load(model, ImportOptions.defaults().withBatchSize(1));
    Op.Input in = InferCommand.singleInput(g);
    FloatTensor x = syntheticInput(in);
    System.out.printf(Locale.ROOT, "model %s: %d nodes, %,d parameters, %.1f MMAC, %,d secure comparisons; input '%s' %s (generated, values in 0..1)%n",
        model, g.size(), GraphStats.parameters(g), GraphStats.totalMacs(g) / 1e6, GraphStats.totalComparisons(g), in.name(), in.shape());
    Program program = Compiler.compile(g, scale);
    FixedPointInterpreter.Run fixed = FixedPointInterpreter.execute(program, Map.of(in.name(), x));
    InferCommand.warnTruncationRisk(fixed, scale);
    FloatTensor exact = FloatInterpreter.run(g, Map.of(in.name(), x)).get(0);
    try (WorkDir dir = WorkDir.create("musketeer-demo")) {
      Path input = dir.resolve("input.npy"), output = dir.resolve("output.npy");
      Npy.write(input, x);
      int batch = SecureParty.defaultBatch(Protocols.DEFAULT, program);
      LocalRun.Summary s = LocalRun.execute(model, input, scale, Protocols.DEFAULT, output, List.of("--batch", "1"), List.of(), false, main.verbose,
          d -> security.partyArgs(d, program, Protocols.DEFAULT), null,
          PartyHeap.option(program, true, 1, batch, SecureParty.heldAhead(Protocols.DEFAULT, program, batch)));
      FloatTensor secure = Npy.read(output);
      FloatTensor clear = fixed.outputs().get(0);
      TopK.print(System.out, "secure top-5 (the client's output):", secure, 5);
      double maxDiff = 0;
      for (int i = 0; i < secure.size(); i++) maxDiff = Math.max(maxDiff, Math.abs(secure.data()[i] - clear.data()[i]));
      System.out.printf(Locale.ROOT, "cleartext float top-1: class %d; cleartext fixed-point top-1: class %d; secure top-1: class %d%n",
          TopK.top1(exact)[0], TopK.top1(clear)[0], TopK.top1(secure)[0]);
      System.out.printf(Locale.ROOT, "largest |secure - cleartext fixed point| over the outputs: %.6f (one truncation ulp is %.6f)%n",
          maxDiff, Math.scalb(1.0, -scale));
      LocalRun.printSummary(s);
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
