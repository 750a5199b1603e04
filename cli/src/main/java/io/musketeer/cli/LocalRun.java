package io.musketeer.cli;

import io.musketeer.MusketeerException;
import io.musketeer.mpc.Party;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the three parties as three OS processes on loopback ({@code musketeer run} each), then merges
 * their reports. When interactive, the client's output and progress bar go to the terminal; otherwise,
 * and always for the server and helper, output goes to logs whose last error is shown when they fail.
 */
final class LocalRun {
  record PartyFigures(long bytesSent, long bytesReceived, long messagesSent, long rounds, double wallSeconds, double cpuSeconds, long peakMemory) {}

  record Summary(double wallSeconds, Map<Party, PartyFigures> parties, String mergedJson) {
    long totalBytes() {
      return parties.values().stream().mapToLong(PartyFigures::bytesSent).sum();
    }

    long maxRounds() {
      return parties.values().stream().mapToLong(PartyFigures::rounds).max().orElse(0);
    }
  }

  private LocalRun() {}

  /**
   * @param partyArgs extra options for every party (e.g. --batch)
   * @param clientArgs extra options for the client only (e.g. preprocessing)
   */
  static Summary execute(String model, Path input, int scale, String protocol, Path output, List<String> partyArgs,
      List<String> clientArgs, boolean interactive) {
    Path dir;
    try {
      dir = Files.createTempDirectory("musketeer-local");
    } catch (IOException e) {
      throw new MusketeerException("cannot create a temporary directory: " + e.getMessage());
    }
    try {
      Path peers = dir.resolve("peers.conf");
      StringBuilder pc = new StringBuilder();
      for (Party p : Party.values()) pc.append(p.label()).append(" = 127.0.0.1:").append(freePort()).append('\n');
      Files.writeString(peers, pc.toString());
      Map<Party, Process> procs = new EnumMap<>(Party.class);
      Map<Party, Path> logs = new EnumMap<>(Party.class);
      long start = System.nanoTime();
      for (Party p : new Party[] {Party.HELPER, Party.SERVER, Party.CLIENT}) {
        List<String> cmd = new ArrayList<>(javaCommand());
        cmd.addAll(List.of("run", "--role", p.label(), "--model", model, "--protocol", protocol,
            "--peers", peers.toString(), "--report", dir.resolve(p.label() + ".json").toString()));
        // a compiled program carries its scale
        if (!Programs.isProgram(model)) cmd.addAll(List.of("--scale", "" + scale));
        cmd.addAll(partyArgs);
        if (p == Party.CLIENT) {
          cmd.addAll(List.of("--input", input.toString(), "--output", output.toString()));
          cmd.addAll(clientArgs);
          if (interactive && System.console() != null) cmd.add("--progress");
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Path log = dir.resolve(p.label() + ".log");
        logs.put(p, log);
        if (p == Party.CLIENT && interactive) {
          pb.redirectOutput(ProcessBuilder.Redirect.INHERIT);
          pb.redirectError(System.console() != null ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.appendTo(log.toFile()));
        } else {
          pb.redirectErrorStream(true).redirectOutput(log.toFile());
        }
        procs.put(p, pb.start());
      }
      Runtime.getRuntime().addShutdownHook(new Thread(() -> procs.values().forEach(Process::destroyForcibly)));
      Map<Party, Integer> exit = new EnumMap<>(Party.class);
      for (Party p : Party.values()) {
        Process proc = procs.get(p);
        if (!proc.waitFor(2, TimeUnit.HOURS)) proc.destroyForcibly();
        exit.put(p, proc.waitFor());
      }
      double wall = (System.nanoTime() - start) / 1e9;
      List<String> failures = new ArrayList<>();
      for (Party p : Party.values()) {
        if (exit.get(p) != 0) failures.add(p.label() + ": " + lastError(logs.get(p)));
      }
      if (!failures.isEmpty()) {
        throw new MusketeerException("secure run failed; " + String.join("; ", failures));
      }
      Map<Party, PartyFigures> figures = new EnumMap<>(Party.class);
      StringBuilder merged = new StringBuilder("{\n\"model\": " + quote(model) + ",\n\"protocol\": " + quote(protocol) + ",\n\"scale\": " + scale
          + ",\n\"wall_seconds\": " + String.format(Locale.ROOT, "%.3f", wall) + ",\n\"parties\": {\n");
      int k = 0;
      for (Party p : Party.values()) {
        String json = Files.readString(dir.resolve(p.label() + ".json"));
        figures.put(p, parse(json));
        merged.append(quote(p.label())).append(": ").append(json).append(++k < 3 ? ",\n" : "\n");
      }
      merged.append("}\n}\n");
      return new Summary(wall, figures, merged.toString());
    } catch (IOException e) {
      throw new MusketeerException("local run failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MusketeerException("local run interrupted");
    } finally {
      Files2.deleteTree(dir);
    }
  }

  static void printSummary(Summary s) {
    System.out.printf(Locale.ROOT, "secure run: %.2f s wall, %s sent in total, %d rounds%n", s.wallSeconds(), Units.bytes(s.totalBytes()), s.maxRounds());
    for (var e : s.parties().entrySet()) {
      PartyFigures f = e.getValue();
      System.out.printf(Locale.ROOT, "  %-6s sent %10s  received %10s  rounds %5d  wall %7.2f s  cpu %7.2f s  peak memory %s%n",
          e.getKey().label(), Units.bytes(f.bytesSent()), Units.bytes(f.bytesReceived()), f.rounds(), f.wallSeconds(), f.cpuSeconds(),
          Units.bytes(f.peakMemory()));
    }
  }

  /** The command line that starts this CLI again in a fresh JVM (same java, classpath and flags). */
  static List<String> javaCommand() {
    String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("-Xmx") || arg.startsWith("-agentlib") || arg.startsWith("-javaagent")) continue;
      cmd.add(arg);
    }
    cmd.add(System.getenv().getOrDefault("MUSKETEER_PARTY_HEAP", "-Xmx6g"));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    return cmd;
  }

  private static PartyFigures parse(String json) {
    return new PartyFigures(num(json, "bytes_sent"), num(json, "bytes_received"), num(json, "messages_sent"), num(json, "rounds"),
        dbl(json, "wall_seconds"), dbl(json, "cpu_seconds"), num(json, "peak_memory_bytes"));
  }

  private static long num(String json, String key) {
    return (long) dbl(json, key);
  }

  private static double dbl(String json, String key) {
    Matcher m = Pattern.compile("^  \"" + key + "\": ([0-9.eE+-]+)", Pattern.MULTILINE).matcher(json);
    if (!m.find()) throw new MusketeerException("party report lacks " + key);
    return Double.parseDouble(m.group(1));
  }

  private static String lastError(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      for (int i = lines.size() - 1; i >= 0; i--) {
        String l = lines.get(i);
        if (l.startsWith("musketeer:")) return l.substring("musketeer:".length()).trim();
      }
      for (String l : lines) {
        if (l.contains("Exception") || l.contains("Error")) return "crashed: " + l.strip();
      }
      return lines.isEmpty() ? "exited without output" : lines.get(lines.size() - 1);
    } catch (IOException e) {
      return "exited (no log)";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

}
