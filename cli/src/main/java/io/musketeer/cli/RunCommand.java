package io.musketeer.cli;

import io.musketeer.MusketeerException;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.JitPrimer;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.attest.AttestedTls;
import io.musketeer.mpc.attest.SessionSecurity;
import io.musketeer.mpc.net.LinkSecurity;
import io.musketeer.mpc.net.Connector;
import io.musketeer.mpc.net.Peers;
import io.musketeer.mpc.net.TcpTransport;
import io.musketeer.mpc.net.Timeouts;
import io.musketeer.mpc.net.Transport;
import io.musketeer.mpc.runtime.Protocols;
import io.musketeer.mpc.runtime.LayerListener;
import io.musketeer.mpc.runtime.Rehearsal;
import io.musketeer.mpc.runtime.SecureParty;
import io.musketeer.mpc.runtime.ServerWeights;
import io.musketeer.core.Parallel;
import io.musketeer.programfile.ProgramFile;
import java.net.ServerSocket;
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

@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Run one party (server, client or helper) of a secure inference.",
        "The client connects to the server and the helper, the server connects to the helper: the server's and the helper's ports "
            + "(from the peers file) must be reachable."})
final class RunCommand implements Callable<Integer> {
  /** Longer than any run: a mistyped value (say milliseconds) would otherwise hang a party for days. */
  static final int MAX_CONNECT_TIMEOUT = 24 * 3600;
  private static final long PARENT_POLL_MILLIS = 100;

  @Mixin ModelOptions model;
  @Mixin PreprocessOptions preprocess;
  @Mixin ReceiveTimeoutOption receiveTimeout;
  @Mixin LinkOptions link;
  @Mixin SecurityOptions securityOptions;
  @Mixin ComparisonBatchOption comparisonBatch;

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

  @Option(names = "--protocol", defaultValue = Protocols.DEFAULT, description = "Comparison protocol (default: ${DEFAULT-VALUE}).")
  String protocol;

  @Option(names = "--connect-timeout", defaultValue = "60", paramLabel = "SECONDS", description = "How long to wait for the other parties (default: ${DEFAULT-VALUE} s).")
  int connectTimeout;

  @Option(names = "--progress", description = "Show a progress bar by layer on stderr.")
  boolean progress;

  @Option(names = "--repeat", defaultValue = "1", paramLabel = "N",
      description = "Run the inference N times in one session, on the same input (the later runs are warm; every party must give the same N; default: ${DEFAULT-VALUE}).")
  int repeat;

  /** local, bench and demo start their parties with their own process id: stop at once when it is gone. */
  @Option(names = "--local-party", hidden = true, paramLabel = "PID")
  Long localParent;

  @Override
  public Integer call() {
    JitPrimer.startInBackground(); // while the command line, the program and the peers are dealt with
    if (localParent != null) watchParent(localParent);
    Party self;
    try {
      self = Party.parse(role);
    } catch (IllegalArgumentException e) {
      throw new UsageError(e.getMessage());
    }
    if (self == Party.CLIENT && input == null) throw new UsageError("the client needs --input");
    if (repeat < 1 || repeat > 100) throw new UsageError("--repeat must be in 1..100, got " + repeat);
    if (self != Party.CLIENT && input != null) throw new UsageError("only the client takes --input; the " + self.label() + " must not see it");
    if (self != Party.CLIENT && output != null) throw new UsageError("only the client learns the output; drop --output for the " + self.label());
    if (connectTimeout < 1 || connectTimeout > MAX_CONNECT_TIMEOUT) {
      throw new UsageError("--connect-timeout must be in 1.." + MAX_CONNECT_TIMEOUT + " seconds, got " + connectTimeout);
    }
    checkProtocol(protocol);
    comparisonBatch.check();
    securityOptions.check(link.plaintext, link.key != null || link.cert != null, false);
    Preprocess pre = preprocess.toPreprocess();
    model.check();
    // a program file's scale is checked once it is read, below: reading it twice cost a cold party a few tenths of a second
    if (!model.isProgram()) warnAtTheClient(self, Scales.checkSecure(model.scale));
    Path modelFile = Models.file(model.model);
    OutputFile reportFile = report == null ? null : OutputFile.check("--report", report, input, modelFile, peersFile);
    Path outputPath = output != null ? output : Path.of("output.npy");
    OutputFile outputFile = self != Party.CLIENT ? null : OutputFile.check("--output", outputPath, input, modelFile, peersFile);
    OutputFile.requireDistinct(reportFile, outputFile);
    Timeouts timeouts = Timeouts.defaults().withConnectTimeout(Duration.ofSeconds(connectTimeout)).withReceiveTimeout(receiveTimeout.duration());
    Peers peers = Peers.parse(peersFile);
    // The imported graph is not kept: the program holds what the run needs (the weights once, folded).
    // a server given a program file streams its weights from it as the run reaches them (one tensor at a time)
    boolean stream = self == Party.SERVER && model.isProgram() && repeat == 1; // a repeated run needs the weights again: kept in memory
    Program program = model.program(self == Party.SERVER && !stream ? Models.Use.WEIGHTS : stream ? Models.Use.STRUCTURE_FOR_SERVER : Models.Use.STRUCTURE,
        true, self == Party.CLIENT ? input : null);
    if (model.isProgram()) warnAtTheClient(self, Scales.checkSecure(program.fracBits()));
    int batch = comparisonBatch.value(protocol, program);
    Rehearsal.startOnce(self, program, Protocols.comparison(protocol)); // while the peers connect and agree on keys
    List<String> outputNames = InferCommand.outputNames(program.graph());
    List<OutputFile> outputFiles = self != Party.CLIENT ? List.of() : InferCommand.outputFiles(outputPath, outputNames, input, modelFile, peersFile);
    Map<String, FloatTensor> inputs = Map.of();
    if (self == Party.CLIENT) {
      inputs = InferCommand.loadSingleInput(program.graph(), input, pre);
      Scales.checkSecureInput(inputs.values().iterator().next(), input, program.fracBits());
    }
    List<Party> others = java.util.Arrays.stream(Party.values()).filter(p -> p != self).toList();
    Peers.Address listenAt = self == Party.CLIENT ? null : link.listenAddress(self, peers); // a bad --listen before --plaintext's warning
    AttestedTls attestedTls = securityOptions.tls(self, peers);
    SessionSecurity security = securityOptions.session(self, attestedTls);
    LinkSecurity linkSecurity = attestedTls != null ? attestedTls : link.security(self, peers, peersFile, others);
    Connector connector = new Connector(self, peers, timeouts, linkSecurity);
    ServerSocket listening = listenAt == null ? null : connector.listen(listenAt);
    SecureParty.Result result;
    try (ProgramFile.WeightStream weights = stream ? ProgramFile.openWeights(Path.of(model.model)) : null;
        Progress bar = progress ? Progress.start("secure " + self.label(), program.graph().size() * repeat) : null;
        Transport transport = TcpTransport.connect(connector, listening)) {
      LayerListener listener = bar == null ? LayerListener.NONE : bar;
      if (!progress) System.err.println(self.label() + ": connected to both peers; running " + program.graph().size() + " program nodes");
      ServerWeights source = weights == null ? ServerWeights.IN_PROGRAM : streamed(weights);
      result = SecureParty.run(self, program, source, protocol, batch, transport, inputs, listener, Parallel.shared(), security, repeat);
    }
    if (reportFile != null) reportFile.write(result.report().toJson().getBytes(StandardCharsets.UTF_8));
    if (self == Party.CLIENT) {
      TopK.print(System.out, "top-5 (secure):", result.outputs().get(0), 5);
      InferCommand.writeOutputs(outputFiles, outputNames, result.outputs());
    }
    var r = result.report();
    System.err.printf(Locale.ROOT, "%s: %.2f s, sent %s, received %s, %d rounds, %s%n", self.label(), r.wallSeconds(),
        Units.bytes(r.bytesSent()), Units.bytes(r.bytesReceived()), r.rounds(), security.describe());
    return 0;
  }

  private static ServerWeights streamed(ProgramFile.WeightStream weights) {
    return new ServerWeights() {
      @Override
      public FloatTensor take(int node, Op.Constant constant) {
        return weights.next(node, constant.value().shape());
      }

      @Override
      public void verify() {
        weights.verify();
      }
    };
  }

  private static void warnAtTheClient(Party self, String warning) {
    if (warning != null && self == Party.CLIENT) System.err.println(warning);
  }

  static void checkProtocol(String protocol) {
    try {
      Protocols.comparison(protocol);
    } catch (IllegalArgumentException e) {
      throw new UsageError(e.getMessage());
    }
  }

  /**
   * local, bench and demo give their own process id: a party stops at once when that process is gone,
   * even killed by SIGKILL, and also behind a wrapper (the namespaces' script), before it could write any
   * output. It polls that process rather than blocking in a read of a pipe the parent holds: HotSpot's
   * exit waits up to 300 ms for threads inside native code, so a thread blocked reading stdin held back
   * every party's exit by that much (BENCHMARKS.md, "A one-shot run's start and end").
   */
  static void watchParent(long pid) {
    Main.startedAsLocalParty = true;
    ProcessHandle parent = ProcessHandle.of(pid).orElse(null); // the handle knows its start time: a reused pid is not it
    Thread t = new Thread(() -> {
      try {
        while (parent != null && parent.isAlive()) Thread.sleep(PARENT_POLL_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
      System.err.println("musketeer: error: the process that started this party is gone; stopping");
      System.err.flush();
      Runtime.getRuntime().halt(Main.EXIT_USER_ERROR);
    }, "parent-watch");
    t.setDaemon(true);
    t.start();
  }
}
