package io.musketeer.cli;

import io.musketeer.MusketeerException;
import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Peers;
import io.musketeer.mpc.net.TcpTransport;
import io.musketeer.mpc.net.Timeouts;
import io.musketeer.mpc.net.Transport;
import io.musketeer.mpc.runtime.LayerListener;
import io.musketeer.mpc.runtime.SecureParty;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", description = "Run one party (server, client or helper) of a secure inference.")
final class RunCommand implements Callable<Integer> {
  @Mixin ModelOptions model;
  @Mixin PreprocessOptions preprocess;

  @Option(names = "--role", required = true, description = "server, client or helper.")
  String role;

  @Option(names = "--peers", required = true, paramLabel = "FILE", description = "Peers file: lines 'client = host:port', 'server = ...', 'helper = ...'.")
  Path peersFile;

  @Option(names = "--input", paramLabel = "X", description = "The client's input (.npy or image); client only.")
  Path input;

  @Option(names = "--output", paramLabel = "FILE", description = "Client: write the first output as .npy (default: output.npy).")
  Path output;

  @Option(names = "--report", paramLabel = "FILE", description = "Write this party's JSON report (traffic, time, memory, per layer).")
  Path report;

  @Option(names = "--protocol", defaultValue = "porthos", description = "Comparison protocol (default: ${DEFAULT-VALUE}).")
  String protocol;

  @Option(names = "--connect-timeout", defaultValue = "60", paramLabel = "SECONDS", description = "How long to wait for the other parties (default: ${DEFAULT-VALUE} s).")
  int connectTimeout;

  @Option(names = "--progress", description = "Show a progress bar by layer on stderr.")
  boolean progress;

  @Override
  public Integer call() {
    Party self;
    try {
      self = Party.parse(role);
    } catch (IllegalArgumentException e) {
      throw new MusketeerException(e.getMessage());
    }
    if (self == Party.CLIENT && input == null) throw new MusketeerException("the client needs --input");
    if (self != Party.CLIENT && input != null) throw new MusketeerException("only the client takes --input; the " + self.label() + " must not see it");
    if (self != Party.CLIENT && output != null) throw new MusketeerException("only the client learns the output; drop --output for the " + self.label());
    Peers peers = Peers.parse(peersFile);
    // The imported graph is not kept: the program holds what the run needs (the weights once, folded).
    Graph graph = model.load(self == Party.SERVER, self == Party.CLIENT ? input : null);
    List<String> outputNames = InferCommand.outputNames(graph);
    Program program = Compiler.compile(graph, model.scale);
    graph = null;
    Map<String, FloatTensor> inputs = self == Party.CLIENT ? InferCommand.loadSingleInput(program.graph(), input, preprocess.toPreprocess()) : Map.of();
    SecureParty.Result result;
    try (Progress bar = progress ? Progress.start("secure " + self.label(), program.graph().size()) : null;
        Transport transport = TcpTransport.connect(self, peers, Timeouts.defaults().withConnectTimeout(Duration.ofSeconds(connectTimeout)))) {
      LayerListener listener = bar == null ? LayerListener.NONE : bar;
      if (!progress) System.err.println(self.label() + ": connected to both peers; running " + program.graph().size() + " program nodes");
      result = SecureParty.run(self, program, protocol, transport, inputs, listener);
    }
    if (report != null) Files2.writeAtomically(report, result.report().toJson().getBytes(StandardCharsets.UTF_8));
    if (self == Party.CLIENT) {
      TopK.print(System.out, "top-5 (secure):", result.outputs().get(0), 5);
      InferCommand.writeOutputs(output != null ? output : Path.of("output.npy"), outputNames, result.outputs());
    }
    var r = result.report();
    System.err.printf(Locale.ROOT, "%s: %.2f s, sent %s, received %s, %d rounds%n", self.label(), r.wallSeconds(),
        Units.bytes(r.bytesSent()), Units.bytes(r.bytesReceived()), r.rounds());
    return 0;
  }
}
