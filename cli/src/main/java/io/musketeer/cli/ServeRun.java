package io.musketeer.cli;

import io.musketeer.MusketeerException;
import io.musketeer.mpc.Party;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A running deployment on loopback, for {@code bench --serve}: the server and the helper as long-running
 * {@code serve} processes (model loaded, JIT warm after the first client), queried by one fresh client
 * process at a time, whose whole run (JVM start to exit) is what a client of a deployment waits. The
 * services stop when this is closed, on Ctrl-C, or by themselves when this process dies (they watch
 * their stdin, as local's parties do).
 */
final class ServeRun implements AutoCloseable {
  /** How long the services get to load the model and open their ports. */
  private static final long READY_MILLIS = 120_000;
  /** How long after the client's exit the services get to write their session reports. */
  private static final long REPORT_MILLIS = 30_000;

  private final WorkDir dir;
  private final String model;
  private final String protocol;
  private final int scale;
  private final boolean malicious;
  private final List<String> clientArgs;
  private final String heap;
  private final Map<Party, Process> services = new EnumMap<>(Party.class);
  private final Map<Party, Path> logs = new EnumMap<>(Party.class);
  private final Thread onInterrupt;
  private int clients;

  /**
   * Starts the helper and the server and waits until both are ready.
   *
   * @param partyArgs options every party takes (model shape, receive timeout, --plaintext)
   * @param security the parties' security options, given the run's private directory
   * @param heap every party's heap option (a session is one inference: the services need no more than the client)
   */
  static ServeRun start(String model, int scale, String protocol, List<String> partyArgs, java.util.function.Function<Path, List<String>> security,
      String heap, boolean verbose) {
    WorkDir dir = WorkDir.create("musketeer-serve");
    try {
      return new ServeRun(dir, model, scale, protocol, partyArgs, security.apply(dir.path()), heap, verbose);
    } catch (IOException e) {
      dir.keep();
      throw new MusketeerException("could not start the deployment: " + e.getMessage() + "; its logs are in " + dir.path());
    }
  }

  private ServeRun(WorkDir dir, String model, int scale, String protocol, List<String> partyArgs, List<String> securityArgs, String heap,
      boolean verbose) throws IOException {
    this.dir = dir;
    this.model = model;
    this.protocol = protocol;
    this.scale = scale;
    this.malicious = securityArgs.contains("malicious");
    this.heap = heap;
    Path peers = dir.resolve("peers.conf");
    boolean noKeys = partyArgs.contains("--plaintext") || malicious;
    Map<Party, List<String>> keyArgs = LocalRun.writePeers(dir.path(), peers, !noKeys, null);
    List<String> common = new ArrayList<>(List.of("--model", model, "--protocol", protocol, "--peers", peers.toString()));
    if (!Programs.isProgram(model)) common.addAll(List.of("--scale", "" + scale)); // a compiled program carries its scale
    if (verbose) common.add("--verbose");
    common.addAll(partyArgs);
    common.addAll(securityArgs);
    clientArgs = new ArrayList<>(common);
    clientArgs.addAll(keyArgs.get(Party.CLIENT));
    onInterrupt = new Thread(() -> {
      LocalRun.stopAll(services);
      WorkDir.deleteTree(dir.path());
      System.err.println("musketeer: interrupted: stopped the deployment and removed " + dir.path());
      System.err.flush();
    }, "stop-deployment");
    Runtime.getRuntime().addShutdownHook(onInterrupt);
    boolean started = false;
    try {
      for (Party p : new Party[] {Party.HELPER, Party.SERVER}) {
        Path reports = Files.createDirectories(dir.resolve(p.label() + "-sessions"));
        List<String> cmd = new ArrayList<>(LocalRun.javaCommand(heap));
        cmd.addAll(List.of("serve", "--local-party", "" + ProcessHandle.current().pid(), "--role", p.label(), "--max-sessions", "1", "--session-reports", reports.toString(),
            "--ready-file", readyFile(p).toString()));
        cmd.addAll(common);
        cmd.addAll(keyArgs.get(p));
        services.put(p, launch(p, cmd));
      }
      awaitReady();
      started = true;
    } finally {
      if (!started) fail();
    }
  }

  private Path readyFile(Party p) {
    return dir.resolve(p.label() + ".ready");
  }

  private Process launch(Party p, List<String> cmd) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove(StartupStderr.VARIABLE);
    Path log = dir.resolve(p.label() + (p == Party.CLIENT ? "-" + clients : "") + ".log");
    logs.put(p, log);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Process proc = pb.start();
    LocalRun.pump(proc.getErrorStream(), log, null, p.label());
    return proc;
  }

  private void awaitReady() throws IOException {
    long deadline = System.currentTimeMillis() + READY_MILLIS;
    for (Party p : services.keySet()) {
      while (!Files.exists(readyFile(p))) {
        Process proc = services.get(p);
        if (!proc.isAlive()) throw failure("the " + p.label() + "'s service stopped before it was ready: " + reason(logs.get(p)));
        if (System.currentTimeMillis() > deadline) throw failure("the " + p.label() + "'s service was not ready after " + READY_MILLIS / 1000 + " s");
        sleep(50);
      }
    }
  }

  /** One fresh client process against the services; its wall time is the client's, from its JVM's start to its exit. */
  LocalRun.Summary client(Path input, Path output) {
    clients++;
    Path clientReport = dir.resolve("client-" + clients + ".json");
    Map<Party, Set<Path>> before = new EnumMap<>(Party.class);
    for (Party p : services.keySet()) before.put(p, sessionReports(p));
    try {
      List<String> cmd = new ArrayList<>(LocalRun.javaCommand(heap));
      cmd.addAll(List.of("run", "--local-party", "" + ProcessHandle.current().pid(), "--role", "client", "--report", clientReport.toString(), "--input", input.toString(), "--output",
          output.toString()));
      cmd.addAll(clientArgs);
      long start = System.nanoTime();
      Process proc = launch(Party.CLIENT, cmd);
      int code = proc.waitFor();
      double wall = (System.nanoTime() - start) / 1e9;
      if (code != 0) throw failure("the client failed: " + reason(logs.get(Party.CLIENT)));
      Map<Party, Path> reports = new EnumMap<>(Party.class);
      reports.put(Party.CLIENT, clientReport);
      long deadline = System.currentTimeMillis() + REPORT_MILLIS;
      for (Party p : services.keySet()) {
        Path fresh;
        while ((fresh = newest(p, before.get(p))) == null) {
          if (!services.get(p).isAlive()) throw failure("the " + p.label() + "'s service stopped: " + reason(logs.get(p)));
          if (System.currentTimeMillis() > deadline) throw failure("the " + p.label() + " wrote no report of the client's session within " + REPORT_MILLIS / 1000 + " s");
          sleep(20);
        }
        reports.put(p, fresh);
      }
      return LocalRun.summary(model, protocol, malicious, "loopback, warm serve", scale, wall, reports);
    } catch (IOException e) {
      throw failure("the client's run failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MusketeerException("interrupted");
    }
  }

  /** What a process's log says went wrong, without the "error:" of its own line. */
  private static String reason(Path log) {
    String r = LocalRun.lastError(log);
    return r.startsWith("error: ") ? r.substring("error: ".length()) : r;
  }

  private Set<Path> sessionReports(Party p) {
    try (Stream<Path> files = Files.list(dir.resolve(p.label() + "-sessions"))) {
      return files.filter(f -> f.getFileName().toString().endsWith(".json")).collect(Collectors.toSet());
    } catch (IOException e) {
      throw failure("cannot read the " + p.label() + "'s session reports: " + e.getMessage());
    }
  }

  /** The one report that appeared since {@code before}, or null while there is none. */
  private Path newest(Party p, Set<Path> before) {
    List<Path> fresh = sessionReports(p).stream().filter(f -> !before.contains(f)).toList();
    if (fresh.size() > 1) throw failure("the " + p.label() + " served " + fresh.size() + " sessions for one client");
    return fresh.isEmpty() ? null : fresh.get(0);
  }

  /** Stops the services, keeps the logs (not the keys) and says where they are. */
  private MusketeerException failure(String why) {
    fail();
    return new MusketeerException(why + "; the logs are in " + dir.path() + " (helper.log, server.log, client-N.log)");
  }

  private void fail() {
    LocalRun.stopAll(services);
    LocalRun.deleteThrowawayKeys(dir.path());
    dir.keep();
    removeHook(); // the logs stay: the hook would remove them at exit
  }

  /** False when the JVM is already shutting down (Ctrl-C), and the hook has the rest. */
  private boolean removeHook() {
    try {
      Runtime.getRuntime().removeShutdownHook(onInterrupt);
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MusketeerException("interrupted");
    }
  }

  @Override
  public void close() {
    LocalRun.stopAll(services);
    if (removeHook()) dir.close(); // else shutting down: the hook stops the services and removes the directory
  }
}
