package io.musketeer.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "local", description = "Run a secure inference with the three parties as three local processes on loopback.")
final class LocalCommand implements Callable<Integer> {
  @Mixin ModelOptions model;
  @Mixin PreprocessOptions preprocess;

  @Option(names = "--input", required = true, paramLabel = "X", description = "The client's input (.npy or image).")
  Path input;

  @Option(names = "--output", defaultValue = "output.npy", description = "Where the client writes the first output (default: ${DEFAULT-VALUE}).")
  Path output;

  @Option(names = "--report", paramLabel = "FILE", description = "Write the merged JSON report of all three parties.")
  Path report;

  @Option(names = "--protocol", defaultValue = "porthos", description = "Comparison protocol (default: ${DEFAULT-VALUE}).")
  String protocol;

  @Override
  public Integer call() {
    // the parties must agree on the input's shape: a .npy input's, passed to all three
    io.musketeer.core.Shape given = ModelOptions.inputShapeOf(input);
    model.load(false, input); // fail fast on a bad model before starting three processes
    LocalRun.Summary s = LocalRun.execute(model.model, input.toAbsolutePath(), model.scale, protocol, output.toAbsolutePath(),
        model.partyArgs(given), preprocessArgs(preprocess), true);
    LocalRun.printSummary(s);
    if (report != null) Files2.writeAtomically(report, s.mergedJson().getBytes(StandardCharsets.UTF_8));
    return 0;
  }

  static List<String> preprocessArgs(PreprocessOptions p) {
    java.util.ArrayList<String> args = new java.util.ArrayList<>(List.of("--channels", p.channels, "--range", p.range, "--layout", p.layout));
    if (p.mean.length > 0) args.addAll(List.of("--mean", join(p.mean)));
    if (p.std.length > 0) args.addAll(List.of("--std", join(p.std)));
    return args;
  }

  private static String join(float[] v) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < v.length; i++) sb.append(i == 0 ? "" : ",").append(v[i]);
    return sb.toString();
  }
}
