package io.musketeer.cli;

import io.musketeer.MusketeerException;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.JitPrimer;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.attest.AttestedSession;
import io.musketeer.mpc.attest.AttestedTls;
import io.musketeer.mpc.attest.SessionSecurity;
import io.musketeer.mpc.attest.SoftwareProvider;
import io.musketeer.mpc.net.LinkSecurity;
import io.musketeer.mpc.net.Connector;
import io.musketeer.mpc.net.Peers;
import io.musketeer.mpc.net.Timeouts;
import io.musketeer.mpc.runtime.PartyService;
import io.musketeer.mpc.runtime.Rehearsal;
import io.musketeer.mpc.runtime.SecureParty;
import io.musketeer.mpc.runtime.ServerWeights;
import io.musketeer.programfile.ProgramFile;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import io.musketeer.mpc.runtime.Protocols;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Serve many clients as a long-running server or helper: the model stays loaded, each client gets a fresh session, "
        + "several run at once. Clients query it with 'musketeer run --role client' (or the Java API).",
        "The server dials the helper for each session: run the helper's serve too. The helper needs only the weight-free model.",
        "With --security malicious every session is attested as a run is: a client the policy does not list is refused, the others are served."})
final class ServeCommand implements Callable<Integer> {
  @Mixin ModelOptions model;
  @Mixin ReceiveTimeoutOption receiveTimeout;
  @Mixin LinkOptions link;
  @Mixin SecurityOptions securityOptions;
  @Mixin ComparisonBatchOption comparisonBatch;

  @Option(names = "--role", required = true, description = "server or helper.")
  String role;

  @Option(names = "--peers", required = true, paramLabel = "FILE",
      description = "Peers file: the server's and the helper's addresses and certificates; the client's line pins the clients' certificates (address '*').")
  Path peersFile;

  @Option(names = "--protocol", defaultValue = Protocols.DEFAULT, description = "Comparison protocol (default: ${DEFAULT-VALUE}).")
  String protocol;

  @Option(names = "--max-sessions", defaultValue = "4", paramLabel = "N",
      description = "Sessions at once; a client beyond that is told the server is busy (default: ${DEFAULT-VALUE}).")
  int maxSessions;

  @Option(names = "--connect-timeout", defaultValue = "60", paramLabel = "SECONDS",
      description = "How long a session's set-up may take (the helper waits this long for a session's other party) (default: ${DEFAULT-VALUE} s).")
  int connectTimeout;

  @Option(names = "--ready-file", paramLabel = "FILE",
      description = "Written once the model is loaded and the port is open (a readiness probe: 'test -f FILE'); removed on exit.")
  Path readyFile;

  @Option(names = "--session-reports", paramLabel = "DIR",
      description = "Write each finished session's report (JSON, as 'run --report' writes it) to DIR/SESSION.json, SESSION being the id the log line names.")
  Path sessionReports;

  /** bench --serve starts its deployment with its own process id: stop at once when it is gone. */
  @Option(names = "--local-party", hidden = true, paramLabel = "PID")
  Long localParent;

  @Override
  public Integer call() throws IOException {
    if (localParent != null) RunCommand.watchParent(localParent);
    Party self;
    try {
      self = Party.parse(role);
    } catch (IllegalArgumentException e) {
      throw new UsageError(e.getMessage());
    }
    if (self == Party.CLIENT) throw new UsageError("clients do not serve: use 'musketeer run --role client' to query a server");
    if (maxSessions < 1 || maxSessions > 1024) throw new UsageError("--max-sessions must be in 1..1024, got " + maxSessions);
    if (connectTimeout < 1 || connectTimeout > RunCommand.MAX_CONNECT_TIMEOUT) {
      throw new UsageError("--connect-timeout must be in 1.." + RunCommand.MAX_CONNECT_TIMEOUT + " seconds, got " + connectTimeout);
    }
    RunCommand.checkProtocol(protocol);
    comparisonBatch.check();
    securityOptions.check(link.plaintext, link.key != null || link.cert != null, false);
    model.check();
    if (sessionReports != null && !Files.isDirectory(sessionReports)) {
      throw new MusketeerException("--session-reports " + sessionReports + " is not a directory; create it first");
    }
    Timeouts timeouts = Timeouts.defaults().withConnectTimeout(Duration.ofSeconds(connectTimeout)).withReceiveTimeout(receiveTimeout.duration());
    Peers peers = Peers.parse(peersFile);
    List<Party> talksTo = self == Party.SERVER ? List.of(Party.CLIENT, Party.HELPER) : List.of(Party.CLIENT, Party.SERVER);
    // the helper never sees the weights: it compiles the weight-free structure, as in a single run;
    // a server given a program file streams its weights from it in each session instead of holding them for its life
    boolean stream = self == Party.SERVER && model.isProgram();
    Program program = model.program(self != Party.SERVER ? Models.Use.STRUCTURE : stream ? Models.Use.STRUCTURE_FOR_SERVER : Models.Use.WEIGHTS, true);
    int batch = comparisonBatch.value(protocol, program);
    ServerWeights.PerSession weights = stream ? streamedWeights(Path.of(model.model)) : ServerWeights.PerSession.IN_PROGRAM;
    JitPrimer.startInBackground(); // the first session then finds the kernels compiled
    Rehearsal.startOnce(self, program, Protocols.comparison(protocol));
    Peers.Address listenAt = link.listenAddress(self, peers);
    // malicious mode: one key made in this process for the service's life; each session's evidence binds it and that session's channels
    AttestedTls attestedTls = securityOptions.tls(self, peers);
    SessionSecurity security = securityOptions.session(self, attestedTls);
    if (security.malicious()) AttestedSession.checkOwn(SecureParty.measurement(self, program, protocol, batch), security.policy());
    LinkSecurity linkSecurity = attestedTls != null ? attestedTls : link.security(self, peers, peersFile, talksTo);
    Connector connector = new Connector(self, peers, timeouts, linkSecurity);
    ServerSocket listener = connector.listen(listenAt);
    PartyService service = new PartyService(self, program, weights, protocol, batch, security, connector, listener, maxSessions, System.err::println,
        o -> writeReport(o, sessionReports));
    Thread stopper = new Thread(() -> {
      service.close();
      deleteQuietly(readyFile);
    }, "musketeer-serve-stop");
    Runtime.getRuntime().addShutdownHook(stopper);
    System.err.println(self.label() + ": serving " + model.model + " (" + program.graph().size() + " program nodes, " + protocol + ") on "
        + listener.getLocalSocketAddress() + ", " + connector.security().describe() + ", up to " + maxSessions + " sessions at once, "
        + securityLine(security));
    if (readyFile != null) Files.writeString(readyFile, "ready " + ProcessHandle.current().pid() + "\n", StandardCharsets.UTF_8);
    service.serve();
    return 0;
  }

  /**
   * Each session's weights from {@code file}, checked whole as the service starts, and each session's
   * stream against the same SHA-256 before its output is revealed: a file replaced or changed since then
   * fails the session rather than serving other weights than the program the service announced.
   */
  private static ServerWeights.PerSession streamedWeights(Path file) {
    String started = ProgramFile.checkWeights(file);
    return () -> {
      ProgramFile.WeightStream s = ProgramFile.openWeights(file);
      if (!s.sha256().equals(started)) {
        s.close();
        throw new MusketeerException("program file " + file + " holds other weights than when this server started; restart the server to serve it");
      }
      return new ServerWeights.Open() {
        @Override
        public FloatTensor take(int node, Op.Constant constant) {
          return s.next(node, constant.value().shape());
        }

        @Override
        public void verify() {
          s.verify();
        }

        @Override
        public void close() {
          s.close();
        }
      };
    };
  }

  /** The security mode, loudly: the software provider gives no hardware guarantee and the start line says so. */
  static String securityLine(SessionSecurity security) {
    if (!security.malicious()) return "security " + security.describe();
    String s = "security " + security.describe() + ", every session attested";
    return SoftwareProvider.NAME.equals(security.provider()) ? s + " (SOFTWARE PROVIDER: NO hardware guarantee)" : s;
  }

  /** A finished session's report, written whole under a temporary name first so that a reader never sees half of it. */
  private static void writeReport(PartyService.Outcome o, Path dir) {
    if (dir == null || !o.ok()) return;
    Path target = dir.resolve(o.session().shortForm() + ".json");
    Path partial = dir.resolve(o.session().shortForm() + ".json.partial");
    try {
      Files.writeString(partial, o.report().toJson(), StandardCharsets.UTF_8);
      Files.move(partial, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      System.err.println("musketeer: warning: cannot write the report of session " + o.session().shortForm() + " to " + dir + " (" + e.getMessage() + ")");
    }
  }

  private static void deleteQuietly(Path p) {
    if (p == null) return;
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // nothing to do on the way out
    }
  }
}
