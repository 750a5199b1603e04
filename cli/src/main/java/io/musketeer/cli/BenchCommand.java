package io.musketeer.cli;

import io.musketeer.core.FloatTensor;
import io.musketeer.ir.Program;
import io.musketeer.ir.Graph;
import io.musketeer.ir.GraphStats;
import io.musketeer.ir.Op;
import io.musketeer.mpc.runtime.PartyReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "End-to-end benchmark: a secure run as three local processes on a random input; prints time, traffic, rounds, memory.")
final class BenchCommand implements Callable<Integer> {
  /** CrypTFlow's own Porthos measured on this kind of machine (../shared/DESIGN.md): seconds, bytes. */
  private static final Map<String, double[]> PORTHOS = Map.of(
      "builtin:resnet50", new double[] {52.3, 6.87e9},
      "builtin:densenet121", new double[] {84.5, 10.54e9},
      "builtin:squeezenet", new double[] {23, 2.63e9});

  static final int MAX_RUNS = 1000;

  @ParentCommand Main main;
  @Mixin ModelOptions model;
  @Mixin ReceiveTimeoutOption receiveTimeout;
  @Mixin SecurityOptions security;

  @Option(names = "--plaintext", description = "Run the parties without TLS (they use throwaway TLS keys otherwise); for comparisons on this machine.")
  boolean plaintext;

  @Option(names = "--protocol", defaultValue = "porthos", description = "Comparison protocol (default: ${DEFAULT-VALUE}).")
  String protocol;

  @Option(names = "--runs", defaultValue = "1", description = "Number of secure runs, 1.." + MAX_RUNS + " (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--report", paramLabel = "FILE", description = "Write the merged JSON report of the last run.")
  Path report;

  @Override
  public Integer call() {
    if (runs < 1 || runs > MAX_RUNS) throw new UsageError("--runs must be in 1.." + MAX_RUNS + ", got " + runs);
    RunCommand.checkProtocol(protocol);
    security.check(plaintext, false, true);
    model.check();
    List<String> partyArgs = new java.util.ArrayList<>(List.of("--batch", "" + model.batch, "--signature", model.signature));
    partyArgs.addAll(receiveTimeout.partyArgs());
    if (plaintext) partyArgs.add("--plaintext");
    OutputFile rep = report == null ? null : OutputFile.check("--report", report, Models.file(model.model));
    // shapes only: the parties load the model themselves; compiling here refuses a bad scale before they start
    String warning = Scales.checkSecure(model.effectiveScale());
    if (warning != null) System.err.println(warning);
    Program program = model.program(Models.Use.STRUCTURE_FOR_SERVER, true);
    Graph g = program.graph();
    Op.Input in = InferCommand.singleInput(g);
    FloatTensor x = DemoCommand.syntheticInput(in);
    System.out.printf(Locale.ROOT, "%s: %.2f GMAC, %,d secure comparisons, input %s%n", model.model, GraphStats.totalMacs(g) / 1e9,
        GraphStats.totalComparisons(g), in.shape());
    try (WorkDir dir = WorkDir.create("musketeer-bench")) {
      Path input = dir.resolve("input.npy");
      Npy.write(input, x);
      LocalRun.Summary last = null;
      for (int r = 0; r < runs; r++) {
        last = LocalRun.execute(model.model, input, model.scale, protocol, dir.resolve("output.npy"), partyArgs, List.of(), false, main.verbose,
            d -> security.partyArgs(d, program, protocol));
        LocalRun.printSummary(last);
      }
      long peak = last.parties().values().stream().mapToLong(PartyReport::peakMemoryBytes).max().orElse(0);
      System.out.printf(Locale.ROOT, "| %s | %s, %s | %.1f s | %.2f GB | %d | %d MB | %s |%n", model.model, protocol, security.mode().label(), last.wallSeconds(),
          last.totalBytes() / 1e9, last.maxRounds(), peak / 1_000_000, LocalDate.now());
      double[] ref = PORTHOS.get(model.model);
      if (ref != null) {
        System.out.printf(Locale.ROOT, "vs CrypTFlow Porthos here (%.1f s, %.2f GB): %.2fx the time, %.2fx the traffic%n", ref[0], ref[1] / 1e9,
            last.wallSeconds() / ref[0], last.totalBytes() / ref[1]);
      }
      if (rep != null) rep.write(last.mergedJson().getBytes(StandardCharsets.UTF_8));
    }
    return 0;
  }
}
