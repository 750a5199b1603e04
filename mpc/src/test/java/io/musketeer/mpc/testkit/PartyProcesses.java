package io.musketeer.mpc.testkit;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.PartyKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The test kit's parties as real OS processes: {@code musketeer} commands started with the test's
 * classpath (so {@link #MAIN}, the command's entry point in the cli module, must be on it), a peers file
 * on free loopback ports, and waiting for exits and log lines.
 */
public final class PartyProcesses {
  /** The {@code musketeer} command's main class. */
  public static final String MAIN = "io.musketeer.cli.Main";

  private PartyProcesses() {}

  /** The command line that runs {@code musketeer args} in a fresh JVM with this test's classpath. */
  public static List<String> java(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g",
        "-cp", System.getProperty("java.class.path"), MAIN));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /**
   * Starts {@code musketeer args}. A {@code run} or {@code serve} whose peers file was made by
   * {@link #peersFile} gets its role's key from beside that file ({@code --key}), unless the
   * arguments already choose {@code --key} or {@code --plaintext}.
   */
  public static Process start(Path log, String... args) throws IOException {
    return new ProcessBuilder(java(withKey(args))).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  static String[] withKey(String... args) {
    List<String> a = new ArrayList<>(List.of(args));
    if (a.isEmpty() || !(a.get(0).equals("run") || a.get(0).equals("serve")) || a.contains("--key") || a.contains("--plaintext")) return args;
    int role = a.indexOf("--role"), peers = a.indexOf("--peers");
    if (role < 0 || peers < 0 || role + 1 >= a.size() || peers + 1 >= a.size()) return args;
    Path key = Path.of(a.get(peers + 1)).toAbsolutePath().resolveSibling(a.get(role + 1) + ".key.pem");
    if (!Files.exists(key)) return args;
    a.add("--key");
    a.add(key.toString());
    return a.toArray(String[]::new);
  }

  /** A peers file in dir naming the three parties on free loopback ports, with a fresh key for each (DIR/ROLE.key.pem) pinned. */
  public static Path peersFile(Path dir) throws IOException {
    StringBuilder sb = new StringBuilder();
    int[] ports = io.musketeer.mpc.net.Peers.freeLoopbackPorts(Party.values().length);
    for (Party p : Party.values()) {
      PartyKey k = PartyKey.generate(p, List.of("127.0.0.1"), Duration.ofDays(1));
      k.write(dir, p);
      sb.append(p.label()).append(" = 127.0.0.1:").append(ports[p.ordinal()]).append(' ').append(k.fingerprint()).append('\n');
    }
    Path f = dir.resolve("peers.conf");
    Files.writeString(f, sb.toString());
    return f;
  }

  public static int waitFor(Process p, int seconds) throws InterruptedException {
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("process did not end within " + seconds + " s");
    }
    return p.exitValue();
  }

  public static String read(Path log) throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  /** Waits until the log contains the text (or the process ends). */
  public static void awaitLine(Process p, Path log, String text, int seconds) throws IOException, InterruptedException {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    while (System.nanoTime() < end) {
      if (read(log).contains(text)) return;
      if (!p.isAlive()) throw new AssertionError("process ended before printing '" + text + "': " + read(log));
      Thread.sleep(50);
    }
    throw new AssertionError("no '" + text + "' within " + seconds + " s: " + read(log));
  }
}
