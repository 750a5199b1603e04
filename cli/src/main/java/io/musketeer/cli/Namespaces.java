package io.musketeer.cli;

import io.musketeer.MusketeerException;
import io.musketeer.mpc.Party;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Three hosts on this machine: the network namespaces of {@code scripts/netns.sh} with a link profile
 * (lan or wan), for {@code bench --profile} and the namespace tests. Made on {@link #up}, removed on
 * {@link #close} or when this JVM stops; each set has its own name (this process's id), so that
 * several runs share the machine, and sets whose owner died are swept away before a new one is made.
 */
final class Namespaces implements AutoCloseable {
  static final List<String> PROFILES = List.of("lan", "wan");

  private static final AtomicInteger SETS = new AtomicInteger();
  private static final int SCRIPT_SECONDS = 120;

  private final Path script;
  private final String name;
  private final String profile;
  private final String description;
  private final Map<Party, String> addresses = new EnumMap<>(Party.class);
  private final Map<Party, String> listen = new EnumMap<>(Party.class);
  private final Thread onExit;

  private Namespaces(Path script, String name, String profile, String description) {
    this.script = script;
    this.name = name;
    this.profile = profile;
    this.description = description;
    this.onExit = new Thread(this::down, "namespaces-down");
  }

  /** Why this machine cannot make the namespaces (not root, no iproute2, no namespaces), or null when it can. */
  static String unavailable() {
    Path script = findScript();
    if (script == null) return "scripts/netns.sh is not beside this installation (run musketeer from its source tree)";
    Result r = run(script, "mk", "check");
    return r.code == 0 ? null : r.lastLine();
  }

  /** Refuses, in one line, a profile that is not one or that this machine cannot make. */
  static void check(String profile) {
    if (!PROFILES.contains(profile)) throw new UsageError("--profile must be lan or wan, got '" + profile + "'");
    String why = unavailable();
    if (why != null) throw new MusketeerException("--profile " + profile + " runs the parties in network namespaces, which this machine cannot make: "
        + why.replaceFirst("^netns.sh: ", ""));
  }

  /** Makes a fresh set of namespaces with that profile; refuses in one line when this machine cannot. */
  static Namespaces up(String profile) {
    check(profile);
    Path script = findScript();
    run(script, "mk", "sweep");
    String name = "mk" + ProcessHandle.current().pid() + "s" + SETS.incrementAndGet();
    Result r = run(script, name, "up", profile);
    String upLine = r.lastLine().replaceFirst("^netns.sh: ", "");
    Namespaces ns = new Namespaces(script, name, profile, upLine);
    Runtime.getRuntime().addShutdownHook(ns.onExit);
    if (r.code != 0) {
      ns.close();
      throw new MusketeerException("could not make the network namespaces for --profile " + profile + ": " + upLine);
    }
    try {
      Result peers = ns.script("peers");
      for (String line : peers.output.lines().toList()) {
        String[] f = line.strip().split("\\s+");
        if (f.length == 2) ns.addresses.put(Party.parse(f[0]), f[1]);
      }
      for (Party p : Party.values()) ns.listen.put(p, ns.script("listen", p.label()).lastLine());
      if (ns.addresses.size() != 3) throw new MusketeerException("scripts/netns.sh peers printed no address for every party: " + peers.output.strip());
    } catch (RuntimeException e) {
      ns.close();
      throw e;
    }
    return ns;
  }

  String profile() {
    return profile;
  }

  /** What the script said it made, e.g. "wan profile up (tc tbf and the delay relay) in ...". */
  String description() {
    return description;
  }

  /** The address the others dial for this party (through the delay relay where the WAN needs it). */
  String address(Party p) {
    return addresses.get(p);
  }

  /** The address this party binds inside its namespace. */
  String listenAddress(Party p) {
    return listen.get(p);
  }

  /** A command line that runs {@code command} in the party's namespace (same process: the script and ip exec it). */
  List<String> inside(Party p, List<String> command) {
    List<String> cmd = new ArrayList<>(List.of("env", "MUSKETEER_NETNS=" + name, "bash", script.toString(), "exec", p.label()));
    cmd.addAll(command);
    return cmd;
  }

  /** Runs the command in the party's namespace and returns its output; for checks of the namespaces themselves. */
  String output(Party p, String... command) {
    Result r = exec(inside(p, List.of(command)));
    if (r.code != 0) throw new MusketeerException(String.join(" ", command) + " in the " + p.label() + "'s namespace failed: " + r.lastLine());
    return r.output;
  }

  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(onExit);
    } catch (IllegalStateException e) {
      return; // shutting down: the hook removes them
    }
    down();
  }

  private void down() {
    run(script, name, "down");
  }

  private Result script(String... args) {
    Result r = run(script, name, args);
    if (r.code != 0) throw new MusketeerException("scripts/netns.sh " + String.join(" ", args) + " failed: " + r.lastLine());
    return r;
  }

  private record Result(int code, String output) {
    String lastLine() {
      List<String> lines = output.strip().lines().toList();
      return lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1);
    }
  }

  private static Result run(Path script, String set, String... args) {
    List<String> cmd = new ArrayList<>(List.of("env", "MUSKETEER_NETNS=" + set, "MUSKETEER_NETNS_OWNER=" + ProcessHandle.current().pid(),
        "JAVA_HOME=" + System.getProperty("java.home"), "bash", script.toString()));
    cmd.addAll(List.of(args));
    return exec(cmd);
  }

  private static Result exec(List<String> cmd) {
    Path log = null;
    try {
      log = Files.createTempFile("musketeer-netns", ".log");
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      if (!p.waitFor(SCRIPT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        return new Result(124, "scripts/netns.sh did not finish within " + SCRIPT_SECONDS + " s");
      }
      return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(127, "cannot run " + cmd.get(cmd.indexOf("bash")) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(130, "interrupted");
    } finally {
      if (log != null) {
        try {
          Files.deleteIfExists(log);
        } catch (IOException e) {
          // a temporary file
        }
      }
    }
  }

  /** scripts/netns.sh of the source tree this CLI was built in (its classes or jar lie under cli/target). */
  private static Path findScript() {
    try {
      Path here = Path.of(Namespaces.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      for (Path d = here; d != null; d = d.getParent()) {
        Path s = d.resolve("scripts/netns.sh");
        if (Files.isRegularFile(s)) return s;
      }
    } catch (URISyntaxException | SecurityException e) {
      // not found
    }
    return null;
  }
}
