package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.importer.ImportOptions;
import io.musketeer.importer.tf.TfImporter;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Program;
import io.musketeer.models.Mnist;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.runtime.PartyReport;
import io.musketeer.mpc.runtime.Protocols;
import io.musketeer.mpc.testkit.PartyProcesses;
import io.musketeer.testkit.SharedModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Three hosts for real: the parties as {@code musketeer run} processes, each in its own network
 * namespace (scripts/netns.sh), over TLS with keys from {@code keygen} and a peers file pinning them,
 * on the trained MNIST MLP under the LAN and the WAN profile; and {@code bench --profile}. Needs root
 * (CI here is root); skipped with the reason otherwise. The namespaces are removed after each test,
 * whatever happens, and no party process outlives it.
 */
class NetnsTest {
  private static final int IMAGES = 8;

  @TempDir Path dir;

  private static void assumeNamespaces() {
    String why = Namespaces.unavailable();
    if (why != null) System.err.println("NetnsTest skipped: " + why);
    assumeTrue(why == null, "network namespaces unavailable: " + why);
  }

  @ParameterizedTest(name = "{0} profile")
  @ValueSource(strings = {"lan", "wan"})
  void mnistMlpOverTlsAcrossThreeNamespaces(String profile) throws Exception {
    assumeNamespaces();
    Path model = SharedModels.require("mnist/mnist-mlp.pb");
    Mnist mnist = Mnist.load(SharedModels.require("mnist/t10k-images-idx3-ubyte.gz").getParent());
    int from = profile.equals("lan") ? 0 : IMAGES; // other images under each profile
    FloatTensor x = new FloatTensor(Shape.of(IMAGES, 784), mnist.images(from, IMAGES));
    Path input = dir.resolve("x.npy"), output = dir.resolve("out.npy"), keys = dir.resolve("keys");
    Npy.write(input, x);

    // each party's key as an operator makes it; keygen prints the fingerprint to pin
    Map<Party, String> pins = new EnumMap<>(Party.class);
    for (Party p : Party.values()) {
      CliErrorsTest.Outcome o = CliErrorsTest.run("keygen", "--role", p.label(), "--out", keys.toString());
      assertEquals(0, o.code(), o.err());
      pins.put(p, o.out().strip());
    }
    Map<Party, Process> procs = new EnumMap<>(Party.class);
    Map<Party, Path> logs = new EnumMap<>(Party.class);
    double sessionSeconds;
    long rounds, bytes;
    try (Namespaces ns = Namespaces.up(profile)) {
      for (Party p : Party.values()) {
        // nothing sent in a namespace can leave it: its only route is the bridge's subnet
        List<String> routes = ns.output(p, "ip", "-4", "route", "show").strip().lines().toList();
        assertEquals(1, routes.size(), p + " routes: " + routes);
        assertTrue(routes.get(0).startsWith("10.213.0.0/24 dev eth0"), p + " routes: " + routes);
        for (String r : ns.output(p, "ip", "-6", "route", "show").strip().lines().toList()) assertTrue(r.startsWith("fe80::/64 "), p + " IPv6 route " + r);
      }
      // the profile is really there: the client-server link's round trip and rate, measured in the namespaces
      double[] link = probe(ns);
      System.out.printf(java.util.Locale.ROOT, "NetnsTest: %s profile, client to server: %.2f ms round trip, %.0f Mbit/s%n", profile, link[0], link[1]);
      if (profile.equals("wan")) {
        assertTrue(link[0] >= 38, "a WAN round trip of " + link[0] + " ms, not 40");
        assertTrue(link[1] <= 110, "a WAN link of " + link[1] + " Mbit/s, not 100");
      } else {
        assertTrue(link[0] < 5 && link[1] > 200, "the LAN looks like a WAN: " + link[0] + " ms, " + link[1] + " Mbit/s");
      }
      StringBuilder peers = new StringBuilder();
      for (Party p : Party.values()) peers.append(p.label()).append(" = ").append(ns.address(p)).append(' ').append(pins.get(p)).append('\n');
      Path peersFile = dir.resolve("peers.conf");
      Files.writeString(peersFile, peers.toString());
      for (Party p : new Party[] {Party.HELPER, Party.SERVER, Party.CLIENT}) {
        List<String> args = new ArrayList<>(List.of("run", "--role", p.label(), "--model", model.toString(), "--batch", "" + IMAGES,
            "--peers", peersFile.toString(), "--key", keys.resolve(p.label() + ".key.pem").toString(),
            "--report", dir.resolve(p.label() + ".json").toString()));
        if (!ns.listenAddress(p).equals(ns.address(p)) && p != Party.CLIENT) args.addAll(List.of("--listen", ns.listenAddress(p)));
        if (p == Party.CLIENT) args.addAll(List.of("--input", input.toString(), "--output", output.toString()));
        Path log = dir.resolve(p.label() + ".log");
        logs.put(p, log);
        procs.put(p, new ProcessBuilder(ns.inside(p, PartyProcesses.java(args.toArray(String[]::new)))).redirectErrorStream(true)
            .redirectOutput(log.toFile()).start());
      }
      for (Party p : new Party[] {Party.CLIENT, Party.SERVER, Party.HELPER}) {
        assertEquals(0, PartyProcesses.waitFor(procs.get(p), 180), p + " under " + profile + ": " + PartyProcesses.read(logs.get(p)));
      }
      PartyReport client = PartyReport.fromJson(Files.readString(dir.resolve("client.json")));
      sessionSeconds = client.wallSeconds();
      rounds = client.rounds();
      bytes = client.bytesSent() + client.bytesReceived();
    } finally {
      for (Process p : procs.values()) p.destroyForcibly().waitFor();
    }
    assertNoNamespacesLeft();

    Graph g = TfImporter.load(model, ImportOptions.defaults().withBatchSize(IMAGES));
    Program program = Compiler.compile(g, 12);
    Map<String, FloatTensor> in = Map.of("Placeholder", x);
    float[] fixed = FixedPointInterpreter.run(program, in).get(0).data();
    int[] floatTop1 = TopK.top1(FloatInterpreter.run(g, in).get(0));
    FloatTensor secure = Npy.read(output);
    double bound = MnistSecureTest.truncationBound(program) / 4096;
    for (int i = 0; i < fixed.length; i++) assertEquals(fixed[i], secure.data()[i], bound, "logit " + i + " under " + profile);
    int[] secureTop1 = TopK.top1(secure);
    for (int i = 0; i < IMAGES; i++) assertEquals(floatTop1[i], secureTop1[i], "image " + (from + i) + " under " + profile);
    System.out.printf(java.util.Locale.ROOT, "NetnsTest: MNIST MLP, %d images, %s profile over TLS: client session %.2f s, %d flights, %,d bytes sent and received%n",
        IMAGES, profile, sessionSeconds, rounds, bytes);
    String clientLog = PartyProcesses.read(logs.get(Party.CLIENT));
    assertFalse(clientLog.contains("WARNING: --plaintext"), clientLog);
  }

  @Test
  void benchRunsThePartiesInTheProfilesNamespacesAndNamesTheProfile() throws Exception {
    assumeNamespaces();
    Path rows = dir.resolve("rows.jsonl"), report = dir.resolve("report.json");
    CliErrorsTest.Outcome o = CliErrorsTest.run("bench", "--model", "builtin:demo", "--profile", "lan", "--rows", rows.toString(),
        "--report", report.toString());
    assertEquals(0, o.code(), o.out() + o.err());
    assertTrue(o.out().contains("parties in network namespaces: lan profile up"), o.out());
    assertTrue(o.out().contains("secure run (semi-honest, lan profile)"), o.out());
    String label = Protocols.DEFAULT + ", lan profile";
    assertTrue(o.out().contains("| builtin:demo | " + label + " |"), o.out());
    String row = Files.readString(rows);
    // the parties ran TLS (no --plaintext): the row's network says so, and its rows are a group of their own
    assertTrue(row.contains("\"protocol\": \"" + label + "\"") && row.contains("\"network\": \"lan, TLS\""), row);
    assertTrue(Files.readString(report).contains("\"network\": \"lan\""));
    assertNoNamespacesLeft();
  }

  @Test
  void benchRefusesAProfileItCannotMakeInOneLine() throws Exception {
    CliErrorsTest.assertUsageError(CliErrorsTest.run("bench", "--model", "builtin:demo", "--profile", "mars"), "--profile must be lan or wan, got 'mars'");
    if (Namespaces.unavailable() != null) {
      CliErrorsTest.assertOneLineError(CliErrorsTest.run("bench", "--model", "builtin:demo", "--profile", "wan"),
          "--profile wan runs the parties in network namespaces, which this machine cannot make");
      return;
    }
    // as root: the same bench in a user namespace of its own, where it is not root (and still reads this build's files)
    List<String> cmd = new ArrayList<>(List.of("unshare", "--user"));
    cmd.addAll(PartyProcesses.java("bench", "--model", "builtin:demo", "--profile", "wan"));
    Path log = dir.resolve("nobody.log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).directory(Path.of("/").toFile()).start();
    int code = PartyProcesses.waitFor(p, 120);
    List<String> lines = PartyProcesses.read(log).lines().filter(l -> !l.startsWith(LocalRun.INCUBATOR_WARNING)).toList();
    assertEquals(Main.EXIT_USER_ERROR, code, String.join("\n", lines));
    assertEquals(List.of("musketeer: error: --profile wan runs the parties in network namespaces, which this machine cannot make: needs root (network namespaces)"),
        lines);
  }

  /** {round trip ms, Mbit/s} from the client's namespace to the server's address, by {@link LinkProbe}. */
  private double[] probe(Namespaces ns) throws Exception {
    Process serve = null, measure = null;
    try {
      serve = new ProcessBuilder(ns.inside(Party.SERVER, probeCommand("serve", ns.listenAddress(Party.SERVER)))).redirectErrorStream(true)
          .redirectOutput(dir.resolve("probe-serve.log").toFile()).start();
      Path log = dir.resolve("probe.log");
      measure = new ProcessBuilder(ns.inside(Party.CLIENT, probeCommand("measure", ns.address(Party.SERVER)))).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      assertEquals(0, PartyProcesses.waitFor(measure, 60), PartyProcesses.read(log) + PartyProcesses.read(dir.resolve("probe-serve.log")));
      assertEquals(0, PartyProcesses.waitFor(serve, 10), PartyProcesses.read(dir.resolve("probe-serve.log")));
      String line = PartyProcesses.read(log).lines().filter(l -> l.startsWith("rtt_ms=")).findFirst().orElseThrow();
      String[] f = line.split("[ =]");
      return new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[3])};
    } finally {
      for (Process p : new Process[] {serve, measure}) if (p != null) p.destroyForcibly().waitFor();
    }
  }

  private static List<String> probeCommand(String mode, String address) {
    return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m", "-cp", System.getProperty("java.class.path"),
        LinkProbe.class.getName(), mode, address);
  }

  private static void assertNoNamespacesLeft() throws Exception {
    Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
    String list = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    String mine = "mk" + ProcessHandle.current().pid() + "s";
    assertFalse(list.contains(mine), "namespaces left behind: " + list);
  }
}
