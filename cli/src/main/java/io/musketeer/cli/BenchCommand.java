package io.musketeer.cli;


import io.musketeer.core.FloatTensor;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.GraphStats;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.attest.SecurityMode;
import io.musketeer.mpc.runtime.PartyReport;
import io.musketeer.mpc.runtime.SecureParty;
import io.musketeer.programfile.ProgramFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import io.musketeer.mpc.runtime.Protocols;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "End-to-end benchmark: secure runs as three local processes on a random input; prints time, traffic, rounds, memory, and with several "
        + "protocols their ratios. A model is first compiled once, its time printed apart, and the parties run the program file, as a deployment's do.")
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
  @Mixin ComparisonBatchOption comparisonBatch;

  @Option(names = "--plaintext", description = "Run the parties without TLS (they use throwaway TLS keys otherwise); for comparisons on this machine.")
  boolean plaintext;

  @Option(names = "--protocol", defaultValue = Protocols.DEFAULT, split = ",",
      description = "Comparison protocol(s), comma-separated (porthos,fast runs both, alternating, and prints fast's ratios to porthos; default: ${DEFAULT-VALUE}).")
  List<String> protocols;

  @Option(names = "--runs", defaultValue = "1", description = "Secure runs per protocol, 1.." + MAX_RUNS + " (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--report", paramLabel = "FILE", description = "Write the merged JSON report of the last run.")
  Path report;

  @Option(names = "--rows", paramLabel = "FILE", description = "Append one JSON line per run (the input of `musketeer bench-report`).")
  Path rows;

  @Option(names = "--check", description = "Compare each secure output with the cleartext fixed-point emulation of the same program and input (loads the weights here too).")
  boolean check;

  @Option(names = "--note", paramLabel = "TEXT", description = "Free text stored with each row (machine load, what changed).")
  String note = "";

  @Option(names = "--profile", paramLabel = "lan|wan",
      description = "Run the three parties in network namespaces joined by links with this profile (scripts/netns.sh: lan >= 1 Gbit/s and < 1 ms, "
          + "wan 100 Mbit/s and 40 ms round trip), made for the run and removed after it; needs root. Default: loopback.")
  String profile;

  @Option(names = "--warm", description = "Each party runs the inference twice in one session: the first figures are cold, the second warm (compiled code, kept weight masks).")
  boolean warm;

  @Option(names = "--serve", description = "Run the server and the helper as long-running 'serve' processes on loopback, warm them with one "
      + "client, then time fresh client processes against them: the client's whole run (its JVM cold, the others warm) is what a client of "
      + "a running deployment waits.")
  boolean serve;

  @Override
  public Integer call() {
    if (runs < 1 || runs > MAX_RUNS) throw new UsageError("--runs must be in 1.." + MAX_RUNS + ", got " + runs);
    for (String p : protocols) RunCommand.checkProtocol(p);
    comparisonBatch.check();
    if (serve && profile != null) throw new UsageError("--serve runs on loopback; drop --profile or --serve");
    if (serve && warm) throw new UsageError("--serve already measures warm services; drop --warm");
    if (profile != null) Namespaces.check(profile);
    security.check(plaintext, false, true);
    model.check();
    OutputFile rep = report == null ? null : OutputFile.check("--report", report, Models.file(model.model));
    // shapes only for now; compiling here refuses a bad scale before anything starts
    String warning = Scales.checkSecure(model.effectiveScale());
    if (warning != null) System.err.println(warning);
    Program program = model.program(Models.Use.STRUCTURE_FOR_SERVER, true);
    Graph g = program.graph();
    Op.Input in = InferCommand.singleInput(g);
    // a model (not a program file) is compiled here once, below, and the parties run its program file
    boolean compileHere = !model.isProgram();
    List<String> partyArgs = new java.util.ArrayList<>(compileHere ? List.of() : model.partyArgs(in.shape()));
    partyArgs.addAll(receiveTimeout.partyArgs());
    partyArgs.addAll(comparisonBatch.partyArgs());
    if (plaintext) partyArgs.add("--plaintext");
    if (warm) partyArgs.addAll(List.of("--repeat", "2"));
    FloatTensor x = DemoCommand.syntheticInput(in);
    // each protocol's parties get the heap it needs: fast-ahead holds the whole dealing, the others a batch of it
    Map<String, String> heaps = new LinkedHashMap<>();
    for (String protocol : protocols) {
      int batch = comparisonBatch.value(protocol, program);
      heaps.put(protocol, PartyHeap.option(program, false, warm ? 2 : 1, batch, SecureParty.heldAhead(protocol, program, batch)));
    }
    String heapsSaid = heaps.values().stream().distinct().count() == 1 ? heaps.values().iterator().next()
        : String.join(", ", heaps.entrySet().stream().map(e -> e.getValue() + " (" + e.getKey() + ")").toList());
    System.out.printf(Locale.ROOT, "%s: %.2f GMAC, %,d secure comparisons, input %s, party heap %s%n", model.model, GraphStats.totalMacs(g) / 1e9,
        GraphStats.totalComparisons(g), in.shape(), heapsSaid);
    g = null;
    Map<String, List<Row>> byProtocol = new LinkedHashMap<>();
    List<Row> inOrder = new ArrayList<>();
    List<FloatTensor> secureOutputs = new ArrayList<>();
    try (WorkDir dir = WorkDir.create("musketeer-bench"); Namespaces hosts = profile == null ? null : Namespaces.up(profile)) {
      if (hosts != null) System.out.println("parties in network namespaces: " + hosts.description());
      Path input = dir.resolve("input.npy");
      Npy.write(input, x);
      LocalRun.Summary last = null;
      Path output = dir.resolve("output.npy");
      String partiesModel = compileHere ? compileForTheParties(dir.resolve("program.mkp")) : model.model;
      if (serve) {
        // one deployment per protocol (a service serves one), so the protocols do not alternate here
        for (String protocol : protocols) {
          String label = label(protocol);
          // the services get a one-shot party's heap: a session is one inference, and a server given a program file streams its weights in each
          try (ServeRun deployment = ServeRun.start(partiesModel, model.scale, protocol, partyArgs,
              d -> security.partyArgs(d, program, protocol, comparisonBatch.value(protocol, program)), heaps.get(protocol), main.verbose)) {
            LocalRun.Summary warmUp = deployment.client(input, output);
            System.out.printf(Locale.ROOT, "%s, warm-up client (not counted): %.2f s whole run%n", protocol, warmUp.wallSeconds());
            for (int r = 0; r < runs; r++) {
              last = deployment.client(input, output);
              System.out.println(label + ", run " + (r + 1) + " (wall: the client process's whole run):");
              LocalRun.printSummary(last);
              if (check) secureOutputs.add(Npy.read(output));
              inOrder.add(Row.of(model.model, label, r + 1, last, "", note, 1, !plaintext));
            }
          }
        }
      } else {
        for (int r = 0; r < runs; r++) {
          for (String protocol : protocols) { // alternating, so that a slow phase of a shared machine hits all protocols
            last = LocalRun.execute(partiesModel, input, model.scale, protocol, output,
                partyArgs, List.of(), false, main.verbose, d -> security.partyArgs(d, program, protocol, comparisonBatch.value(protocol, program)), hosts, heaps.get(protocol));
            String label = label(protocol);
            if (hosts != null) label += ", " + profile + " profile";
            System.out.println(label + ", run " + (r + 1) + ":");
            LocalRun.printSummary(last);
            if (warm) {
              double[][] inf = Row.inferences(last, 2);
              System.out.printf(Locale.ROOT, "  inference 1 (cold): %.2f s, %s; inference 2 (warm): %.2f s, %s%n", inf[0][0], Units.bytes((long) inf[0][1]), inf[1][0],
                  Units.bytes((long) inf[1][1]));
            }
            if (check) secureOutputs.add(Npy.read(output));
            inOrder.add(Row.of(model.model, label, r + 1, last, "", note, warm ? 2 : 1, !plaintext));
          }
        }
      }
      if (check) checkAgainstEmulation(inOrder, secureOutputs, in, x, Programs.read(partiesModel, Models.Use.WEIGHTS, false, model.scale));
      for (Row row : inOrder) {
        byProtocol.computeIfAbsent(row.protocol(), k -> new ArrayList<>()).add(row);
        if (rows != null) append(rows, row.json());
      }
      System.out.println();
      for (List<Row> rs : byProtocol.values()) System.out.println(Row.markdown(rs));
      if (byProtocol.size() > 1) printRatios(byProtocol);
      double[] ref = PORTHOS.get(model.model);
      if (ref != null && hosts == null && !serve) { // CrypTFlow's figures are whole cold runs on loopback
        for (List<Row> rs : byProtocol.values()) {
          Row m = Row.median(rs);
          System.out.printf(Locale.ROOT, "%s vs CrypTFlow's Porthos here (%.1f s, %.2f GB): %.2fx the time, %.2fx the traffic%n", m.protocol(),
              ref[0], ref[1] / 1e9, m.wallSeconds() / ref[0], m.bytes() / ref[1]);
        }
      }
      if (rep != null) rep.write(last.mergedJson().getBytes(StandardCharsets.UTF_8));
    }
    return 0;
  }

  /**
   * Marks each row with whether its secure output equals the cleartext fixed-point emulation. The
   * emulation runs after the secure runs, so that neither its work (and its JIT's) nor the weights it
   * loads share the machine with the parties whose time is being measured.
   */
  private void checkAgainstEmulation(List<Row> inOrder, List<FloatTensor> outputs, Op.Input in, FloatTensor x, Program program) {
    FixedPointInterpreter.Run run = FixedPointInterpreter.execute(program, Map.of(in.name(), x));
    FloatTensor expected = run.outputs().get(0);
    if (run.outOfBound() > 0) System.out.printf(Locale.ROOT, "the emulation saw %,d values outside their bounds%n", run.outOfBound());
    for (int i = 0; i < inOrder.size(); i++) {
      Row row = inOrder.get(i);
      FloatTensor got = outputs.get(i);
      String exact = Arrays.equals(expected.data(), got.data()) ? "yes" : "no";
      System.out.printf(Locale.ROOT, "%s, run %d: output equals the fixed-point emulation: %s%s%n", row.protocol(), row.run(), exact,
          exact.equals("yes") ? "" : " (largest difference " + largestDifference(expected, got) + ")");
      inOrder.set(i, row.withExact(exact));
    }
  }

  /**
   * Compiles the model once, as a deployment does before it serves, into a program file that the parties
   * run: each party then loads only what its role needs (the server streams the weights, the client and
   * the helper read the structure), and none of them spends the run's time and memory compiling. The
   * time is printed, not counted in the runs'.
   */
  private String compileForTheParties(Path file) {
    long start = System.nanoTime();
    ProgramFile.write(file, model.program(Models.Use.WEIGHTS, true), ProgramFile.Part.FULL, Map.of("compiled by", "musketeer bench, for its parties"));
    System.out.printf(Locale.ROOT, "compiled once for the parties: %.1f s (not in the runs' times; they start from the program file, as a deployment's parties do)%n",
        (System.nanoTime() - start) / 1e9);
    return file.toString();
  }

  /** A protocol's name in the output and the rows, with the security mode when it is not the default. */
  private String label(String protocol) {
    return security.mode() == SecurityMode.MALICIOUS ? protocol + ", " + security.mode().label() : protocol;
  }

  /** Each protocol's median time and its traffic and flights against the first protocol's. */
  private static void printRatios(Map<String, List<Row>> byProtocol) {
    List<String> names = new ArrayList<>(byProtocol.keySet());
    Row base = Row.median(byProtocol.get(names.get(0)));
    for (int i = 1; i < names.size(); i++) {
      Row m = Row.median(byProtocol.get(names.get(i)));
      System.out.printf(Locale.ROOT, "%s / %s: %.2fx the wall time (medians %.2f / %.2f s), %.2fx the session time, %.2fx the traffic, %.2fx the flights%n",
          m.protocol(), base.protocol(), m.wallSeconds() / base.wallSeconds(), m.wallSeconds(), base.wallSeconds(),
          m.sessionSeconds() / base.sessionSeconds(), (double) m.bytes() / base.bytes(), (double) m.rounds() / base.rounds());
    }
  }

  private static String largestDifference(FloatTensor a, FloatTensor b) {
    if (a.data().length != b.data().length) return "shapes differ";
    double d = 0;
    for (int i = 0; i < a.data().length; i++) d = Math.max(d, Math.abs(a.data()[i] - b.data()[i]));
    return String.format(Locale.ROOT, "%.6g", d);
  }

  private static void append(Path file, String line) {
    try {
      Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new io.musketeer.MusketeerException("cannot append to " + file + ": " + e.getMessage());
    }
  }

  /** One secure run's figures, as `bench` prints and stores them. */
  record Row(String date, String model, String protocol, int run, double wallSeconds, double sessionSeconds, long bytes, long offlineBytes,
      long rounds, long[] peakMemory, double[] cpuSeconds, String exact, String note, double[][] inferences, String network) {
    /**
     * Per inference of a session that ran the program {@code n} times: its time (the slowest party's sum
     * over its layers) and the bytes all parties sent during it.
     */
    static double[][] inferences(LocalRun.Summary s, int n) {
      double[][] out = new double[n][2];
      for (PartyReport r : s.parties().values()) {
        List<PartyReport.Layer> layers = r.layers();
        int per = layers.size() / n;
        for (int k = 0; k < n; k++) {
          double sec = 0;
          for (PartyReport.Layer l : layers.subList(k * per, (k + 1) * per)) {
            sec += l.seconds();
            out[k][1] += l.bytesSent();
          }
          out[k][0] = Math.max(out[k][0], sec);
        }
      }
      return out;
    }

    /** @param tls whether the parties' links ran TLS: the network is then named so ("loopback, TLS"), and its rows are their own group */
    static Row of(String model, String protocol, int run, LocalRun.Summary s, String exact, String note, int inferences, boolean tls) {
      long[] peak = new long[3];
      double[] cpu = new double[3];
      double session = 0;
      long offline = 0;
      for (Party p : Party.values()) {
        PartyReport r = s.parties().get(p);
        peak[p.ordinal()] = r.peakMemoryBytes();
        cpu[p.ordinal()] = r.cpuSeconds();
        session = Math.max(session, r.wallSeconds());
        offline += r.offlineBytesSent();
      }
      return new Row(LocalDate.now().toString(), model, protocol, run, s.wallSeconds(), session, s.totalBytes(), offline, s.maxRounds(), peak, cpu,
          exact, note, inferences > 1 ? inferences(s, inferences) : new double[0][], s.network() + (tls ? ", TLS" : ""));
    }

    Row withExact(String verdict) {
      return new Row(date, model, protocol, run, wallSeconds, sessionSeconds, bytes, offlineBytes, rounds, peakMemory, cpuSeconds, verdict, note,
          inferences, network);
    }

    /** The run with the median wall time (traffic and flights are the same in every run). */
    static Row median(List<Row> rows) {
      List<Row> sorted = new ArrayList<>(rows);
      sorted.sort((a, b) -> Double.compare(a.wallSeconds, b.wallSeconds));
      return sorted.get((sorted.size() - 1) / 2);
    }

    static String markdown(List<Row> rows) {
      Row m = median(rows);
      StringBuilder walls = new StringBuilder();
      for (Row r : rows) walls.append(walls.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", r.wallSeconds));
      return String.format(Locale.ROOT, "| %s | %s | %s s | %.1f s | %.2f GB (%.2f offline) | %d | %.2f / %.2f / %.2f GB | %s |", m.model, m.protocol, walls,
          m.sessionSeconds, m.bytes / 1e9, m.offlineBytes / 1e9, m.rounds, m.peakMemory[0] / 1e9, m.peakMemory[1] / 1e9, m.peakMemory[2] / 1e9, m.date);
    }

    String json() {
      return String.format(Locale.ROOT,
          "{\"date\": \"%s\", \"model\": %s, \"protocol\": %s, \"run\": %d, \"wall_seconds\": %.3f, \"session_seconds\": %.3f, \"bytes\": %d, "
              + "\"offline_bytes\": %d, \"rounds\": %d, \"peak_memory_bytes\": [%d, %d, %d], \"cpu_seconds\": [%.3f, %.3f, %.3f], \"exact\": \"%s\", \"note\": %s, "
              + "\"network\": %s%s}",
          date, quote(model), quote(protocol), run, wallSeconds, sessionSeconds, bytes, offlineBytes, rounds, peakMemory[0], peakMemory[1], peakMemory[2],
          cpuSeconds[0], cpuSeconds[1], cpuSeconds[2], exact, quote(note), quote(network), inferenceJson());
    }

    private String inferenceJson() {
      if (inferences.length == 0) return "";
      StringBuilder sec = new StringBuilder(), b = new StringBuilder();
      for (double[] inf : inferences) {
        sec.append(sec.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", inf[0]));
        b.append(b.length() == 0 ? "" : ", ").append((long) inf[1]);
      }
      return ", \"inference_seconds\": [" + sec + "], \"inference_bytes\": [" + b + "]";
    }

    private static String quote(String s) {
      return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
  }
}
