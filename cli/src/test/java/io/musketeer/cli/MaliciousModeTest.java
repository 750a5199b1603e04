package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.importer.ImportOptions;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.models.Mnist;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.attest.SecurityMode;
import io.musketeer.mpc.testkit.PartyProcesses;
import io.musketeer.testkit.SharedModels;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --security malicious} through the command line: local runs, three processes, a party running other code, option mistakes. */
class MaliciousModeTest {
  @TempDir Path dir;

  /** The comparison batch is in what the parties attest: the throwaway policy must name the measurements of the batch they run. */
  @Test
  void aMaliciousLocalRunWithItsOwnComparisonBatchAttestsThatBatch() throws IOException {
    Path input = dir.resolve("x.npy"), out = dir.resolve("o.npy"), report = dir.resolve("r.json");
    Npy.write(input, DemoCommand.syntheticInput(InferCommand.singleInput(Models.load("builtin:demo", ImportOptions.defaults().withBatchSize(1)))));
    CliErrorsTest.Outcome o = CliErrorsTest.run("local", "--model", "builtin:demo", "--input", input.toString(), "--output", out.toString(),
        "--security", "malicious", "--protocol", "fast", "--comparison-batch", "1024", "--report", report.toString());
    assertEquals(0, o.code(), o.out() + o.err());
    assertTrue(Files.exists(out));
    assertTrue(Files.readString(report).contains("\"security\": \"malicious\""));
  }

  @Test
  void maliciousLocalRunOnTheMnistMlpGivesTheSemiHonestResult() {
    Path model = SharedModels.require("mnist/mnist-mlp.pb");
    Mnist mnist = Mnist.load(SharedModels.require("mnist/t10k-images-idx3-ubyte.gz").getParent());
    int n = 20;
    Path input = dir.resolve("x.npy"), semiOut = dir.resolve("semi.npy"), malOut = dir.resolve("mal.npy");
    Npy.write(input, new FloatTensor(Shape.of(n, 784), mnist.images(0, n)));
    SecurityOptions malicious = new SecurityOptions();
    malicious.security = "malicious";
    io.musketeer.ir.Program program = io.musketeer.compiler.Compiler.compile(
        io.musketeer.importer.tf.TfImporter.load(model, ImportOptions.defaults().withBatchSize(n)), 12);
    List<String> args = List.of("--batch", "" + n);
    LocalRun.Summary semi = LocalRun.execute(model.toString(), input, 12, "porthos", semiOut, args, List.of(), false, false);
    LocalRun.Summary mal = LocalRun.execute(model.toString(), input, 12, "porthos", malOut, args, List.of(), false, false,
        d -> malicious.partyArgs(d, program, "porthos"));
    FloatTensor a = Npy.read(semiOut), b = Npy.read(malOut);
    assertEquals(a.shape(), b.shape());
    int[] ta = TopK.top1(a), tb = TopK.top1(b);
    for (int i = 0; i < n; i++) assertEquals(ta[i], tb[i], "image " + i);
    // the same protocol with other randomness: the probabilistic truncation may round the other way
    for (int i = 0; i < a.size(); i++) assertEquals(a.data()[i], b.data()[i], 8.0 / 4096, "logit " + i);
    for (var r : mal.parties().values()) {
      assertEquals(SecurityMode.MALICIOUS.label(), r.security());
      assertEquals("software", r.attestation());
    }
    assertTrue(mal.mergedJson().contains("\"security\": \"malicious\""), mal.mergedJson());
    assertEquals("semi-honest", semi.parties().get(Party.CLIENT).security());
  }

  @Test
  void aPartyRunningOtherCodeIsRefusedWithBothMeasurementsAndNothingIsWritten() throws Exception {
    Path authority = dir.resolve("authority");
    CliErrorsTest.Outcome keygen = CliErrorsTest.run("keygen", "--attestation-authority", "--out", authority.toString());
    assertEquals(0, keygen.code(), keygen.err());
    String fingerprint = keygen.out().strip();
    assertTrue(fingerprint.matches("sha256:[0-9a-f]{64}"), fingerprint);
    Path key = authority.resolve("attestation-authority.key.pem");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));

    CliErrorsTest.Outcome measured = CliErrorsTest.run("measure", "--model", "builtin:demo");
    assertEquals(0, measured.code(), measured.err());
    String genuine = "attestation = software\nsoftware.authority = " + fingerprint + "\n" + measured.out();
    // the server's host adds a class path entry (its own code) and lets its own policy accept it
    Path extra = Files.createDirectories(dir.resolve("extra"));
    Files.writeString(extra.resolve("Patch.txt"), "not the measured build");
    Process m = new ProcessBuilder(withClassPath(extra, "measure", "--model", "builtin:demo", "--role", "server")).redirectErrorStream(true).start();
    String serverLine = new String(m.getInputStream().readAllBytes()).lines().filter(l -> l.startsWith("measurement.server")).findFirst().orElseThrow();
    assertEquals(0, m.waitFor());
    String otherServer = serverLine.substring(serverLine.indexOf('=') + 1).strip();
    assertFalse(genuine.contains(otherServer), "other code, another measurement");
    Path policy = dir.resolve("policy.conf"), serverPolicy = dir.resolve("server-policy.conf");
    Files.writeString(policy, genuine);
    Files.writeString(serverPolicy, genuine + serverLine + "\n");

    Path peers = peersFile();
    Path input = dir.resolve("x.npy"), out = dir.resolve("out.npy");
    Graph g = Models.load("builtin:demo", ImportOptions.defaults());
    Npy.write(input, DemoCommand.syntheticInput((Op.Input) g.node(g.inputs()[0]).op()));
    List<String> common = List.of("--model", "builtin:demo", "--peers", peers.toString(), "--security", "malicious", "--attestation", "software",
        "--authority-key", key.toString(), "--receive-timeout", "20");
    Process helper = PartyProcesses.start(dir.resolve("h.log"), args("run", "--role", "helper", common, "--policy", policy.toString()));
    Process server = new ProcessBuilder(withClassPath(extra, args("run", "--role", "server", common, "--policy", serverPolicy.toString())))
        .redirectErrorStream(true).redirectOutput(dir.resolve("s.log").toFile()).start();
    Process client = PartyProcesses.start(dir.resolve("c.log"), args("run", "--role", "client", common, "--policy", policy.toString(),
        "--input", input.toString(), "--output", out.toString()));
    assertNotEquals(0, PartyProcesses.waitFor(client, 120));
    assertNotEquals(0, PartyProcesses.waitFor(server, 60));
    assertNotEquals(0, PartyProcesses.waitFor(helper, 60));
    String clientLog = PartyProcesses.read(dir.resolve("c.log"));
    String error = clientLog.lines().filter(l -> l.startsWith("musketeer: error:")).findFirst().orElse(clientLog);
    assertTrue(error.contains("refused the server: its measurement " + otherServer + " is not the policy's for the server ("), error);
    assertTrue(error.contains(genuine.lines().filter(l -> l.startsWith("measurement.server")).findFirst().orElseThrow().split("= ")[1]), error);
    assertTrue(error.contains("differs in: code"), error);
    assertTrue(clientLog.contains("WARNING") && clientLog.contains("NO hardware guarantee"), "the software provider says so: " + clientLog);
    assertFalse(Files.exists(out), "no output");
    String serverLog = PartyProcesses.read(dir.resolve("s.log"));
    assertTrue(serverLog.contains("musketeer: error:") && serverLog.contains("refused the server"), serverLog);
  }

  @Test
  void optionMistakesAreUsageErrors() throws IOException {
    Path peers = peersFile();
    String[] base = {"run", "--role", "server", "--model", "builtin:demo", "--peers", peers.toString()};
    CliErrorsTest.assertUsageError(CliErrorsTest.run(concat(base, "--security", "malicious", "--plaintext", "--attestation", "software", "--policy",
        peers.toString())), "--plaintext would show every share");
    CliErrorsTest.assertUsageError(CliErrorsTest.run(concat(base, "--security", "malicious", "--key", peers.toString())), "drop --key");
    CliErrorsTest.assertUsageError(CliErrorsTest.run(concat(base, "--security", "malicious")), "needs --attestation PROVIDER and --policy FILE");
    CliErrorsTest.assertUsageError(CliErrorsTest.run(concat(base, "--attestation", "software")), "are for --security malicious");
    CliErrorsTest.assertUsageError(CliErrorsTest.run(concat(base, "--security", "paranoid")), "unknown security mode 'paranoid'");
    CliErrorsTest.assertUsageError(CliErrorsTest.run(concat(base, "--security", "malicious", "--attestation", "sgx", "--policy", peers.toString())),
        "unknown integrity provider 'sgx'", "nitro, software");
    CliErrorsTest.assertUsageError(CliErrorsTest.run(concat(base, "--security", "malicious", "--attestation", "software", "--policy",
        peers.toString())), "--authority-key FILE");
    CliErrorsTest.assertUsageError(CliErrorsTest.run("keygen", "--attestation-authority", "--role", "server", "--out", dir.toString()), "drop --role");
  }

  // ---------------------------------------------------------------- helpers

  /** A peers file on free loopback ports, without certificate pins (malicious mode authenticates by attestation). */
  private Path peersFile() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (Party p : Party.values()) {
      try (ServerSocket s = new ServerSocket(0)) {
        sb.append(p.label()).append(" = 127.0.0.1:").append(s.getLocalPort()).append('\n');
      }
    }
    Path f = dir.resolve("peers.conf");
    Files.writeString(f, sb.toString());
    return f;
  }

  private static String[] args(String cmd, String role, String roleValue, List<String> common, String... more) {
    List<String> a = new ArrayList<>(List.of(cmd, role, roleValue));
    a.addAll(common);
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  /** The test JVM's musketeer command with {@code extra} added to its class path: other code, as a host could run it. */
  private static List<String> withClassPath(Path extra, String... args) {
    List<String> cmd = new ArrayList<>(PartyProcesses.java(args));
    int cp = cmd.indexOf("-cp");
    cmd.set(cp + 1, cmd.get(cp + 1) + java.io.File.pathSeparator + extra);
    return cmd;
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
