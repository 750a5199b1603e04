package io.musketeer.cli;

import io.musketeer.core.FloatTensor;
import io.musketeer.ir.Program;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import io.musketeer.mpc.runtime.Protocols;
import io.musketeer.mpc.runtime.SecureParty;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "local", mixinStandardHelpOptions = true,
    description = "Run a secure inference with the three parties as three local processes on loopback.")
final class LocalCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Mixin ModelOptions model;
  @Mixin ReceiveTimeoutOption receiveTimeout;

  @Option(names = "--plaintext", description = "Run the parties without TLS (they use throwaway TLS keys otherwise); for comparisons on this machine.")
  boolean plaintext;
  @Mixin PreprocessOptions preprocess;
  @Mixin SecurityOptions security;
  @Mixin ComparisonBatchOption comparisonBatch;

  @Option(names = "--input", required = true, paramLabel = "X", description = "The client's input (.npy or image).")
  Path input;

  @Option(names = "--output", defaultValue = "output.npy", paramLabel = "FILE", description = "Where the client writes the first output (default: ${DEFAULT-VALUE}).")
  Path output;

  @Option(names = "--report", paramLabel = "FILE", description = "Write the merged JSON report of all three parties.")
  Path report;

  @Option(names = "--protocol", defaultValue = Protocols.DEFAULT, description = "Comparison protocol (default: ${DEFAULT-VALUE}).")
  String protocol;

  @Override
  public Integer call() {
    // everything the parties would fail on is checked here, before three JVMs start
    RunCommand.checkProtocol(protocol);
    comparisonBatch.check();
    security.check(plaintext, false, true);
    Preprocess pre = preprocess.toPreprocess();
    model.check();
    Path modelFile = Models.file(model.model);
    OutputFile out = OutputFile.check("--output", output, input, modelFile);
    OutputFile rep = report == null ? null : OutputFile.check("--report", report, input, modelFile);
    OutputFile.requireDistinct(out, rep);
    // the parties must agree on the input's shape: a .npy input's, passed to all three
    io.musketeer.core.Shape given = ModelOptions.inputShapeOf(input);
    String warning = Scales.checkSecure(model.effectiveScale());
    if (warning != null) System.err.println(warning);
    // a bad model or a scale the headroom check refuses fails here
    Program program = model.program(Models.Use.STRUCTURE_FOR_SERVER, true, input);
    FloatTensor x = InferCommand.loadSingleInput(program.graph(), input, pre).values().iterator().next();
    Scales.checkSecureInput(x, input, program.fracBits());
    int batch = comparisonBatch.value(protocol, program);
    LocalRun.Summary s = LocalRun.execute(model.model, input.toAbsolutePath(), model.scale, protocol, output.toAbsolutePath(),
        partyArgs(given), preprocess.asArguments(), true, main.verbose, dir -> security.partyArgs(dir, program, protocol, batch), null,
        PartyHeap.option(program, !model.isProgram(), 1, batch, SecureParty.heldAhead(protocol, program, batch)));
    LocalRun.printSummary(s);
    if (rep != null) rep.write(s.mergedJson().getBytes(StandardCharsets.UTF_8));
    return 0;
  }

  private List<String> partyArgs(io.musketeer.core.Shape given) {
    java.util.ArrayList<String> args = new java.util.ArrayList<>(model.partyArgs(given));
    args.addAll(receiveTimeout.partyArgs());
    args.addAll(comparisonBatch.partyArgs());
    if (plaintext) args.add("--plaintext");
    return args;
  }
}
