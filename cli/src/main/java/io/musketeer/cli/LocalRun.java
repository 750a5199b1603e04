package io.musketeer.cli;

import io.musketeer.MusketeerException;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.PartyKey;
import io.musketeer.mpc.runtime.PartyReport;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the three parties as three OS processes on loopback ({@code musketeer run} each), then merges
 * their reports. Each party writes a log in a private temporary directory; when interactive, the
 * client's output and progress bar go to the terminal as well. A failed run keeps the logs and names
 * them; Ctrl-C (or a kill of this process) stops the parties and removes the directory; the parties
 * stop by themselves when this process dies without a chance to do either (they watch their stdin).
 */
final class LocalRun {
  /** @param network where the parties ran: "loopback", or the namespaces' profile ("lan", "wan") */
  record Summary(double wallSeconds, Map<Party, PartyReport> parties, String mergedJson, String network) {
    long totalBytes() {
      return parties.values().stream().mapToLong(PartyReport::bytesSent).sum();
    }

    long maxRounds() {
      return parties.values().stream().mapToLong(PartyReport::rounds).max().orElse(0);
    }
  }

  /** The one line every JVM prints on start when the Vector API module is added; not for users' eyes. */
  static final String INCUBATOR_WARNING = "WARNING: Using incubator modules: jdk.incubator.vector";

  /** How long the other parties get to notice a failed party and say why, before they are stopped. */
  private static final long GRACE_MILLIS = 3000;

  private LocalRun() {}

  /**
   * @param partyArgs extra options for every party (e.g. --batch)
   * @param clientArgs extra options for the client only (e.g. preprocessing)
   * @param verbose pass --verbose to the parties (stack traces in their logs)
   */
  static Summary execute(String model, Path input, int scale, String protocol, Path output, List<String> partyArgs,
      List<String> clientArgs, boolean interactive, boolean verbose) {
    return execute(model, input, scale, protocol, output, partyArgs, clientArgs, interactive, verbose, dir -> List.of());
  }

  /** As above; {@code security} gives the parties' security options, given the run's private directory (where it may write a throwaway policy). */
  static Summary execute(String model, Path input, int scale, String protocol, Path output, List<String> partyArgs,
      List<String> clientArgs, boolean interactive, boolean verbose, java.util.function.Function<Path, List<String>> security) {
    return execute(model, input, scale, protocol, output, partyArgs, clientArgs, interactive, verbose, security, null, PartyHeap.unsized());
  }

  /**
   * As above, with each party in its network namespace of {@code hosts} instead of on loopback (when not
   * null), and {@code heap} the parties' heap option ({@link PartyHeap}).
   */
  static Summary execute(String model, Path input, int scale, String protocol, Path output, List<String> partyArgs,
      List<String> clientArgs, boolean interactive, boolean verbose, java.util.function.Function<Path, List<String>> security, Namespaces hosts,
      String heap) {
    WorkDir dir = WorkDir.create("musketeer-local");
    Map<Party, Process> procs = new EnumMap<>(Party.class);
    Map<Party, Path> logs = new EnumMap<>(Party.class);
    List<Thread> pumps = new ArrayList<>();
    boolean[] stopping = {false};
    Thread onInterrupt = new Thread(() -> {
      synchronized (stopping) {
        stopping[0] = true;
      }
      stopAll(procs);
      WorkDir.deleteTree(dir.path());
      System.err.println("musketeer: interrupted: " + (procs.isEmpty() ? "" : "stopped the parties and ") + "removed " + dir.path());
      System.err.flush();
    }, "stop-parties");
    Runtime.getRuntime().addShutdownHook(onInterrupt);
    boolean failed = true;
    try {
      Path peers = dir.resolve("peers.conf");
      // malicious mode: each party makes its TLS key itself and is authenticated by attestation
      List<String> securityArgs = security.apply(dir.path());
      boolean noKeys = partyArgs.contains("--plaintext") || securityArgs.contains("malicious");
      Map<Party, List<String>> keyArgs = writePeers(dir.path(), peers, !noKeys, hosts);
      long start = System.nanoTime();
      for (Party p : new Party[] {Party.HELPER, Party.SERVER, Party.CLIENT}) {
        List<String> cmd = new ArrayList<>(javaCommand(heap));
        cmd.addAll(List.of("run", "--local-party", "" + ProcessHandle.current().pid(), "--role", p.label(), "--model", model, "--protocol", protocol,
            "--peers", peers.toString(), "--report", dir.resolve(p.label() + ".json").toString()));
        // a compiled program carries its scale
        if (!Programs.isProgram(model)) cmd.addAll(List.of("--scale", "" + scale));
        if (verbose) cmd.add("--verbose");
        cmd.addAll(partyArgs);
        cmd.addAll(securityArgs);
        cmd.addAll(keyArgs.get(p));
        // behind the WAN's delay relay the others dial the relay, and the party binds its own address
        if (hosts != null && p != Party.CLIENT && !hosts.listenAddress(p).equals(hosts.address(p))) cmd.addAll(List.of("--listen", hosts.listenAddress(p)));
        boolean toTerminal = p == Party.CLIENT && interactive && System.console() != null;
        if (p == Party.CLIENT) {
          cmd.addAll(List.of("--input", input.toString(), "--output", output.toString()));
          cmd.addAll(clientArgs);
          if (toTerminal) cmd.add("--progress");
        }
        ProcessBuilder pb = new ProcessBuilder(hosts != null ? hosts.inside(p, cmd) : cmd);
        pb.environment().remove(StartupStderr.VARIABLE); // that descriptor is this process's, not theirs
        Path log = dir.resolve(p.label() + ".log");
        logs.put(p, log);
        pb.redirectOutput(p == Party.CLIENT && interactive ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.appendTo(log.toFile()));
        synchronized (stopping) {
          if (stopping[0]) throw new MusketeerException("local run interrupted");
          Process proc = pb.start();
          procs.put(p, proc);
          pumps.add(pump(proc.getErrorStream(), log, p == Party.CLIENT && interactive ? System.err : null, p.label()));
        }
      }
      Map<Party, Integer> exit = awaitParties(procs);
      for (Thread t : pumps) t.join(2000);
      double wall = (System.nanoTime() - start) / 1e9;
      // the same reason from several parties (say, out of memory) is said once, for all of them
      Map<String, List<String>> byReason = new java.util.LinkedHashMap<>();
      for (Party p : Party.values()) {
        int code = exit.get(p);
        if (code != 0 && code != STOPPED) byReason.computeIfAbsent(lastError(logs.get(p)), r -> new ArrayList<>()).add(p.label());
      }
      List<String> failures = new ArrayList<>();
      byReason.forEach((reason, parties) -> failures.add(String.join(", ", parties) + ": " + reason));
      if (!failures.isEmpty()) {
        // the logs stay for diagnosis; the throwaway private keys do not
        deleteThrowawayKeys(dir.path());
        dir.keep();
        throw new MusketeerException("secure run failed; " + String.join("; ", failures) + "; the parties' logs are in " + dir.path()
            + " (client.log, server.log, helper.log)" + (verbose ? "" : "; add --verbose for their stack traces"));
      }
      Map<Party, Path> reportFiles = new EnumMap<>(Party.class);
      for (Party p : Party.values()) reportFiles.put(p, dir.resolve(p.label() + ".json"));
      Summary summary = summary(model, protocol, securityArgs.contains("malicious"), network(hosts), scale, wall, reportFiles);
      failed = false;
      return summary;
    } catch (IOException e) {
      dir.keep();
      throw new MusketeerException("local run failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MusketeerException("local run interrupted");
    } finally {
      if (failed) stopAll(procs);
      try {
        Runtime.getRuntime().removeShutdownHook(onInterrupt);
        dir.close();
      } catch (IllegalStateException e) {
        // shutting down (Ctrl-C): the hook stops the parties, removes the directory and says so
        waitForever();
      }
    }
  }

  /** The three parties' report files read and merged into one report, as {@code --report} writes it. */
  static Summary summary(String model, String protocol, boolean malicious, String network, int scale, double wall, Map<Party, Path> reportFiles)
      throws IOException {
    Map<Party, PartyReport> reports = new EnumMap<>(Party.class);
    StringBuilder merged = new StringBuilder("{\n\"model\": " + quote(model) + ",\n\"protocol\": " + quote(protocol)
        + ",\n\"security\": " + quote(malicious ? "malicious" : "semi-honest") + ",\n\"network\": " + quote(network)
        + ",\n\"scale\": " + scale
        + ",\n\"wall_seconds\": " + String.format(Locale.ROOT, "%.3f", wall) + ",\n\"parties\": {\n");
    int k = 0;
    for (Party p : Party.values()) {
      String json = Files.readString(reportFiles.get(p));
      reports.put(p, PartyReport.fromJson(json));
      merged.append(quote(p.label())).append(": ").append(json).append(++k < 3 ? ",\n" : "\n");
    }
    merged.append("}\n}\n");
    return new Summary(wall, reports, merged.toString(), network);
  }

  /** The private keys {@link #writePeers} made in dir: a failed run keeps its logs for diagnosis, not its keys. */
  static void deleteThrowawayKeys(Path dir) {
    for (Party p : Party.values()) {
      try {
        Files.deleteIfExists(PartyKey.keyFile(dir, p));
      } catch (IOException ignored) {
        // the directory is private to this user either way
      }
    }
  }

  private static String network(Namespaces hosts) {
    return hosts == null ? "loopback" : hosts.profile();
  }

  /** Exit code recorded for a party this process stopped after another had failed. */
  private static final int STOPPED = Integer.MIN_VALUE;

  /**
   * Waits for all three; once one fails, the others get a short grace to fail on their own (their
   * messages often say more, such as which peer closed), then are stopped instead of waiting for
   * their timeouts.
   */
  private static Map<Party, Integer> awaitParties(Map<Party, Process> procs) throws InterruptedException {
    Map<Party, Integer> exit = new EnumMap<>(Party.class);
    long deadline = Long.MAX_VALUE;
    while (exit.size() < procs.size()) {
      for (var e : procs.entrySet()) {
        if (!exit.containsKey(e.getKey()) && !e.getValue().isAlive()) {
          int code = e.getValue().exitValue();
          exit.put(e.getKey(), code);
          if (code != 0 && deadline == Long.MAX_VALUE) deadline = System.nanoTime() + GRACE_MILLIS * 1_000_000;
        }
      }
      if (System.nanoTime() > deadline) {
        for (var e : procs.entrySet()) {
          if (!exit.containsKey(e.getKey())) {
            e.getValue().destroyForcibly().waitFor();
            exit.put(e.getKey(), STOPPED);
          }
        }
      }
      Thread.sleep(20);
    }
    return exit;
  }

  static void stopAll(Map<Party, Process> procs) {
    for (Process p : procs.values()) p.destroy();
    for (Process p : procs.values()) {
      try {
        if (!p.waitFor(3, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        p.destroyForcibly();
      }
    }
  }

  /** The shutdown hook owns the rest; returning would let this thread print a confusing failure. */
  private static void waitForever() {
    while (true) {
      try {
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException e) {
        // keep waiting for the JVM to end
      }
    }
  }

  /**
   * Copies a party's stderr into its log (and to {@code echo} when not null), without the JVM's start-up
   * line about the incubator module: bytes pass as they come, so a progress bar moves.
   */
  static Thread pump(InputStream in, Path log, java.io.PrintStream echo, String name) {
    Thread t = new Thread(() -> {
      try (in; OutputStream file = new FileOutputStream(log.toFile(), true)) {
        byte[] buf = new byte[8192];
        StringBuilder firstLine = new StringBuilder();
        boolean first = true;
        int n;
        while ((n = in.read(buf)) > 0) {
          int from = 0;
          if (first) {
            int nl = -1;
            for (int i = 0; i < n; i++) if (buf[i] == '\n') { nl = i; break; }
            firstLine.append(new String(buf, 0, nl < 0 ? n : nl, StandardCharsets.UTF_8));
            if (nl < 0) continue;
            first = false;
            from = nl + 1;
            if (!firstLine.toString().equals(INCUBATOR_WARNING)) write(file, echo, (firstLine + "\n").getBytes(StandardCharsets.UTF_8), 0, -1);
          }
          write(file, echo, buf, from, n - from);
        }
        if (first && !firstLine.isEmpty()) write(file, echo, firstLine.toString().getBytes(StandardCharsets.UTF_8), 0, -1);
      } catch (IOException e) {
        // the party is gone
      }
    }, "stderr-" + name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void write(OutputStream file, java.io.PrintStream echo, byte[] b, int off, int len) throws IOException {
    if (len < 0) len = b.length - off;
    if (len == 0) return;
    file.write(b, off, len);
    if (echo != null) {
      echo.write(b, off, len);
      echo.flush();
    }
  }

  static void printSummary(Summary s) {
    long offline = s.parties().values().stream().mapToLong(PartyReport::offlineBytesSent).sum();
    PartyReport client = s.parties().get(Party.CLIENT);
    String security = client.security() + ("none".equals(client.attestation()) ? "" : ", " + client.attestation() + " attestation");
    // a namespaces profile is one word (lan, wan); other networks describe themselves ("loopback, warm serve")
    if (!s.network().equals("loopback")) security += ", " + s.network() + (s.network().contains(" ") ? "" : " profile");
    System.out.printf(Locale.ROOT, "secure run (%s): %.2f s wall, %s sent in total (%s offline, %s online), %d rounds%n", security, s.wallSeconds(),
        Units.bytes(s.totalBytes()), Units.bytes(offline), Units.bytes(s.totalBytes() - offline), s.maxRounds());
    for (var e : s.parties().entrySet()) {
      PartyReport f = e.getValue();
      System.out.printf(Locale.ROOT, "  %-6s sent %10s (%10s offline)  received %10s  rounds %5d  wall %7.2f s  cpu %7.2f s (%5.2f s offline)  peak memory %s%n",
          e.getKey().label(), Units.bytes(f.bytesSent()), Units.bytes(f.offlineBytesSent()), Units.bytes(f.bytesReceived()), f.rounds(), f.wallSeconds(),
          f.cpuSeconds(), f.offlineSeconds(), Units.bytes(f.peakMemoryBytes()));
    }
  }

  /** The command line that starts this CLI again in a fresh JVM (same java, classpath and flags, this heap). */
  static List<String> javaCommand(String heap) {
    String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("-Xmx") || arg.startsWith("-agentlib") || arg.startsWith("-javaagent")) continue;
      cmd.add(arg);
    }
    cmd.add(heap);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    return cmd;
  }

  static String lastError(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      for (int i = lines.size() - 1; i >= 0; i--) {
        String l = lines.get(i);
        if (l.startsWith("musketeer: error:") || l.startsWith("musketeer: internal error:")) return l.substring("musketeer:".length()).trim();
      }
      for (String l : lines) {
        if (l.contains("Exception") || l.contains("Error")) return "crashed: " + l.strip();
      }
      return lines.isEmpty() ? "exited without output" : lines.get(lines.size() - 1);
    } catch (IOException e) {
      return "exited (no log)";
    }
  }

  /**
   * Writes the peers file of a run on loopback (free ports) or in {@code hosts}, with a throwaway TLS
   * key per party in dir when {@code keys}; returns each party's key options (empty without keys).
   */
  static Map<Party, List<String>> writePeers(Path dir, Path peers, boolean keys, Namespaces hosts) throws IOException {
    Map<Party, List<String>> keyArgs = new EnumMap<>(Party.class);
    StringBuilder pc = new StringBuilder();
    int[] ports = hosts != null ? null : io.musketeer.mpc.net.Peers.freeLoopbackPorts(Party.values().length);
    for (Party p : Party.values()) {
      pc.append(p.label()).append(" = ").append(hosts != null ? hosts.address(p) : "127.0.0.1:" + ports[p.ordinal()]);
      if (keys) {
        // a throwaway key per party and run: the links use TLS as a real deployment's do
        PartyKey k = PartyKey.generate(p, List.of("127.0.0.1"), Duration.ofDays(1));
        k.write(dir, p);
        pc.append(' ').append(k.fingerprint());
        keyArgs.put(p, LinkOptions.partyArgs(PartyKey.keyFile(dir, p)));
      } else {
        keyArgs.put(p, List.of());
      }
      pc.append('\n');
    }
    Files.writeString(peers, pc.toString());
    return keyArgs;
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
