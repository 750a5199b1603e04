package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.importer.tf.ImportOptions;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.mpc.testkit.PartyProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three parties as real OS processes over loopback TCP: success and every way a deployment goes wrong. */
class SecureProcessesTest {
  @TempDir Path dir;

  private Path demoInput() {
    Graph g = Models.load("builtin:demo", ImportOptions.defaults());
    FloatTensor x = DemoCommand.syntheticInput((Op.Input) g.node(g.inputs()[0]).op());
    Path input = dir.resolve("x.npy");
    Npy.write(input, x);
    return input;
  }

  @Test
  void threeProcessesComputeTheCleartextFixedPointResult() throws Exception {
    Path input = demoInput();
    Path peers = PartyProcesses.peersFile(dir);
    Path out = dir.resolve("out.npy");
    Path report = dir.resolve("client.json");
    Process helper = PartyProcesses.start(dir.resolve("h.log"), "run", "--role", "helper", "--model", "builtin:demo", "--peers", peers.toString());
    Process server = PartyProcesses.start(dir.resolve("s.log"), "run", "--role", "server", "--model", "builtin:demo", "--peers", peers.toString());
    Process client = PartyProcesses.start(dir.resolve("c.log"), "run", "--role", "client", "--model", "builtin:demo", "--peers", peers.toString(),
        "--input", input.toString(), "--output", out.toString(), "--report", report.toString());
    assertEquals(0, PartyProcesses.waitFor(client, 120), PartyProcesses.read(dir.resolve("c.log")));
    assertEquals(0, PartyProcesses.waitFor(server, 60), PartyProcesses.read(dir.resolve("s.log")));
    assertEquals(0, PartyProcesses.waitFor(helper, 60), PartyProcesses.read(dir.resolve("h.log")));

    Graph g = Models.load("builtin:demo", ImportOptions.defaults());
    FloatTensor expected = FixedPointInterpreter.run(Compiler.compile(g, 12), Map.of(((Op.Input) g.node(g.inputs()[0]).op()).name(), Npy.read(input))).get(0);
    FloatTensor secure = Npy.read(out);
    for (int i = 0; i < expected.size(); i++) assertEquals(expected.data()[i], secure.data()[i], 32.0 / 4096, "logit " + i);
    String json = Files.readString(report);
    for (String key : new String[] {"bytes_sent", "bytes_received", "messages_sent", "rounds", "wall_seconds", "cpu_seconds", "peak_memory_bytes", "layers"}) {
      assertTrue(json.contains("\"" + key + "\""), key);
    }
    // the server and helper print no values: no logit of the client's output appears in their logs
    String others = PartyProcesses.read(dir.resolve("s.log")) + PartyProcesses.read(dir.resolve("h.log"));
    assertFalse(others.contains("top-5"), others);
    assertFalse(others.contains(String.format(java.util.Locale.ROOT, "%.6f", secure.data()[0])), others);
  }

  @Test
  void aBatchedSecureRunPrintsEachSamplesClasses() throws Exception {
    Graph g = Models.load("builtin:demo", ImportOptions.defaults().withBatchSize(3));
    Path input = dir.resolve("x3.npy");
    Npy.write(input, DemoCommand.syntheticInput((Op.Input) g.node(g.inputs()[0]).op()));
    Path peers = PartyProcesses.peersFile(dir);
    Path cl = dir.resolve("c.log");
    Process helper = PartyProcesses.start(dir.resolve("h.log"), "run", "--role", "helper", "--model", "builtin:demo", "--peers", peers.toString(), "--batch", "3");
    Process server = PartyProcesses.start(dir.resolve("s.log"), "run", "--role", "server", "--model", "builtin:demo", "--peers", peers.toString(), "--batch", "3");
    Process client = PartyProcesses.start(cl, "run", "--role", "client", "--model", "builtin:demo", "--peers", peers.toString(), "--batch", "3",
        "--input", input.toString(), "--output", dir.resolve("out.npy").toString());
    assertEquals(0, PartyProcesses.waitFor(client, 120), PartyProcesses.read(cl));
    assertEquals(0, PartyProcesses.waitFor(server, 60));
    assertEquals(0, PartyProcesses.waitFor(helper, 60));
    String log = PartyProcesses.read(cl);
    for (int s = 0; s < 3; s++) assertTrue(log.contains("sample " + s + ":"), log);
    for (String line : log.lines().filter(l -> l.strip().startsWith("class")).toList()) {
      assertTrue(Integer.parseInt(line.strip().split("\\s+")[1]) < 10, "a class of the 10-class model: " + line);
    }
  }

  @Test
  void clientAndHelperNeedOnlyTheStrippedModel() throws Exception {
    Path full = dir.resolve("demo.pb"), stripped = dir.resolve("demo-public.pb");
    io.musketeer.models.SyntheticModels.writeTo(full, "demo", Models.BUILTIN_SEED);
    assertEquals(0, Main.run("strip", "--model", full.toString(), "--output", stripped.toString()));
    assertTrue(Files.size(stripped) * 20 < Files.size(full), "the weights are gone");
    Path input = demoInput();
    Path peers = PartyProcesses.peersFile(dir);
    Path out = dir.resolve("out.npy");
    Process helper = PartyProcesses.start(dir.resolve("h.log"), "run", "--role", "helper", "--model", stripped.toString(), "--peers", peers.toString());
    Process server = PartyProcesses.start(dir.resolve("s.log"), "run", "--role", "server", "--model", full.toString(), "--peers", peers.toString());
    Process client = PartyProcesses.start(dir.resolve("c.log"), "run", "--role", "client", "--model", stripped.toString(), "--peers", peers.toString(),
        "--input", input.toString(), "--output", out.toString());
    assertEquals(0, PartyProcesses.waitFor(client, 120), PartyProcesses.read(dir.resolve("c.log")));
    assertEquals(0, PartyProcesses.waitFor(server, 60), PartyProcesses.read(dir.resolve("s.log")));
    assertEquals(0, PartyProcesses.waitFor(helper, 60), PartyProcesses.read(dir.resolve("h.log")));
    Graph g = Models.load(full.toString(), ImportOptions.defaults());
    FloatTensor expected = FixedPointInterpreter.run(Compiler.compile(g, 12), Map.of(((Op.Input) g.node(g.inputs()[0]).op()).name(), Npy.read(input))).get(0);
    FloatTensor secure = Npy.read(out);
    for (int i = 0; i < expected.size(); i++) assertEquals(expected.data()[i], secure.data()[i], 32.0 / 4096, "logit " + i);
  }

  @Test
  void aPeerThatNeverConnectsEndsInAClearTimeout() throws Exception {
    Path peers = PartyProcesses.peersFile(dir);
    Path log = dir.resolve("s.log");
    Process server = PartyProcesses.start(log, "run", "--role", "server", "--model", "builtin:demo", "--peers", peers.toString(), "--connect-timeout", "3");
    int code = PartyProcesses.waitFor(server, 60);
    String text = PartyProcesses.read(log);
    assertNotEquals(0, code);
    assertTrue(text.contains("musketeer: error:") && text.contains("within 3 s"), text);
    assertFalse(text.contains("\tat "), "no stack trace: " + text);
  }

  @Test
  void aPeerThatDiesMidRunStopsTheOthersWithoutOutput() throws Exception {
    Path peers = PartyProcesses.peersFile(dir);
    Path out = dir.resolve("out.npy");
    String model = "builtin:squeezenet";
    Path hl = dir.resolve("h.log"), sl = dir.resolve("s.log"), cl = dir.resolve("c.log");
    Graph g = Models.load(model, ImportOptions.defaults());
    Path bigInput = dir.resolve("big.npy");
    Npy.write(bigInput, DemoCommand.syntheticInput((Op.Input) g.node(g.inputs()[0]).op()));
    Process helper = PartyProcesses.start(hl, "run", "--role", "helper", "--model", model, "--peers", peers.toString());
    Process server = PartyProcesses.start(sl, "run", "--role", "server", "--model", model, "--peers", peers.toString());
    Process client = PartyProcesses.start(cl, "run", "--role", "client", "--model", model, "--peers", peers.toString(),
        "--input", bigInput.toString(), "--output", out.toString());
    PartyProcesses.awaitLine(server, sl, "connected to both peers", 90);
    Thread.sleep(1500);
    server.destroyForcibly();
    int c = PartyProcesses.waitFor(client, 120), h = PartyProcesses.waitFor(helper, 120);
    String ct = PartyProcesses.read(cl), ht = PartyProcesses.read(hl);
    assertNotEquals(0, c, ct);
    assertNotEquals(0, h, ht);
    assertTrue(ct.contains("musketeer: error:") && ct.contains("server"), ct);
    assertTrue(ht.contains("musketeer: error:") && ht.contains("server"), ht);
    assertFalse(Files.exists(out), "no output written after a failed run");
    assertFalse(ct.contains("\tat ") || ht.contains("\tat "), "no stack traces");
  }

  @Test
  void mismatchedProgramsAreRefused() throws Exception {
    Path input = demoInput();
    Path peers = PartyProcesses.peersFile(dir);
    Path hl = dir.resolve("h.log"), sl = dir.resolve("s.log"), cl = dir.resolve("c.log");
    Process helper = PartyProcesses.start(hl, "run", "--role", "helper", "--model", "builtin:demo", "--peers", peers.toString());
    Process server = PartyProcesses.start(sl, "run", "--role", "server", "--model", "builtin:demo", "--peers", peers.toString(), "--scale", "13");
    Process client = PartyProcesses.start(cl, "run", "--role", "client", "--model", "builtin:demo", "--peers", peers.toString(),
        "--input", input.toString(), "--output", dir.resolve("out.npy").toString());
    int c = PartyProcesses.waitFor(client, 60), s = PartyProcesses.waitFor(server, 60), h = PartyProcesses.waitFor(helper, 60);
    assertNotEquals(0, c);
    assertNotEquals(0, s);
    assertNotEquals(0, h);
    String ct = PartyProcesses.read(cl);
    assertTrue(ct.contains("program mismatch"), ct);
    assertFalse(Files.exists(dir.resolve("out.npy")));
  }

  @Test
  void wrongRolesAreRefused() throws Exception {
    Path peers = PartyProcesses.peersFile(dir);
    assertEquals(Main.EXIT_USAGE, Main.run("run", "--role", "boss", "--model", "builtin:demo", "--peers", peers.toString()));
    // a second server where the helper should be: its hello names the wrong role
    Path sl = dir.resolve("s.log"), s2 = dir.resolve("s2.log");
    String helperLine = Files.readAllLines(peers).stream().filter(l -> l.startsWith("helper")).findFirst().orElseThrow();
    Path wrong = dir.resolve("wrong.conf");
    String serverAddress = Files.readAllLines(peers).stream().filter(l -> l.startsWith("server")).findFirst().orElseThrow().split("\\s+")[2];
    Files.writeString(wrong, Files.readString(peers).replace(helperLine, "helper = " + serverAddress + " " + helperLine.split("\\s+")[3]));
    Process server = PartyProcesses.start(sl, "run", "--role", "server", "--model", "builtin:demo", "--peers", peers.toString(), "--connect-timeout", "5");
    Process client = PartyProcesses.start(s2, "run", "--role", "client", "--model", "builtin:demo", "--peers", wrong.toString(),
        "--input", demoInput().toString(), "--connect-timeout", "5");
    int c = PartyProcesses.waitFor(client, 60);
    PartyProcesses.waitFor(server, 60);
    String ct = PartyProcesses.read(s2);
    assertNotEquals(0, c);
    assertTrue(ct.contains("musketeer: error:") && ct.contains("server"), ct);
  }
}
