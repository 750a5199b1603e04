package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.importer.ImportOptions;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.PartyKey;
import io.musketeer.mpc.testkit.PartyProcesses;
import io.musketeer.programfile.ProgramFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * musketeer serve as two long-running processes: clients through the Java API and the run command,
 * several at once; a stalled client ends its own session only; readiness file; clean stop.
 */
class ServeTest {
  @TempDir Path dir;

  private static final Graph DEMO = Models.load("builtin:demo", ImportOptions.defaults());
  private static final Op.Input IN = InferCommand.singleInput(DEMO);

  private static FloatTensor input(long seed) {
    java.util.Random r = new java.util.Random(seed);
    FloatTensor x = DemoCommand.syntheticInput(IN);
    float[] d = x.data().clone();
    for (int i = 0; i < d.length; i++) d[i] = r.nextFloat();
    return new FloatTensor(x.shape(), d);
  }

  private static void assertCorrect(FloatTensor x, FloatTensor secure) {
    FloatTensor expected = FixedPointInterpreter.run(Compiler.compile(DEMO, 12), Map.of(IN.name(), x)).get(0);
    for (int i = 0; i < expected.size(); i++) assertEquals(expected.data()[i], secure.data()[i], 32.0 / 4096, "logit " + i);
  }

  /** Peers file for a service: the client's address is '*', its certificate pinned like the others'. */
  private Path servicePeers() throws Exception {
    Path peers = PartyProcesses.peersFile(dir);
    List<String> lines = new ArrayList<>(Files.readAllLines(peers));
    lines.replaceAll(l -> l.startsWith("client") ? "client = * " + l.split("\\s+")[3] : l);
    Files.write(peers, lines);
    return peers;
  }

  private static void awaitFile(Path f, Process p, Path log) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (!Files.exists(f)) {
      if (!p.isAlive()) throw new AssertionError("serve ended: " + PartyProcesses.read(log));
      if (System.nanoTime() > deadline) throw new AssertionError("not ready: " + PartyProcesses.read(log));
      Thread.sleep(50);
    }
  }

  @Test
  void aServePairAnswersManyClientsAndSurvivesAStalledOne() throws Exception {
    Path peers = servicePeers();
    Path hl = dir.resolve("h.log"), sl = dir.resolve("s.log"), hReady = dir.resolve("h.ready"), sReady = dir.resolve("s.ready");
    Process helper = PartyProcesses.start(hl, "serve", "--role", "helper", "--model", "builtin:demo", "--peers", peers.toString(),
        "--receive-timeout", "3", "--ready-file", hReady.toString());
    Process server = PartyProcesses.start(sl, "serve", "--role", "server", "--model", "builtin:demo", "--peers", peers.toString(),
        "--receive-timeout", "3", "--ready-file", sReady.toString());
    Process stalled = null;
    try {
      awaitFile(hReady, helper, hl);
      awaitFile(sReady, server, sl);
      Musketeer.Client client = Musketeer.client(peers, PartyKey.keyFile(dir, Party.CLIENT)).model("builtin:demo").build();

      // a client process that stops mid-session (SIGSTOP): its session ends after the receive timeout, the others go on
      Path x0 = dir.resolve("x0.npy"), out0 = dir.resolve("out0.npy"), cl = dir.resolve("c0.log");
      Npy.write(x0, input(100));
      stalled = PartyProcesses.start(cl, "run", "--role", "client", "--model", "builtin:demo", "--peers", peers.toString(),
          "--input", x0.toString(), "--output", out0.toString());
      PartyProcesses.awaitLine(stalled, cl, "connected to both peers", 90);
      new ProcessBuilder("kill", "-STOP", Long.toString(stalled.pid())).start().waitFor();

      ExecutorService pool = Executors.newFixedThreadPool(3);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          long seed = i;
          done.add(pool.submit(() -> assertCorrect(input(seed), client.infer(input(seed)))));
        }
        for (Future<?> f : done) f.get();
      } finally {
        pool.shutdownNow();
      }
      // the run command as a client of the service
      Path x1 = dir.resolve("x1.npy"), out1 = dir.resolve("out1.npy"), c1 = dir.resolve("c1.log");
      Npy.write(x1, input(7));
      Process one = PartyProcesses.start(c1, "run", "--role", "client", "--model", "builtin:demo", "--peers", peers.toString(),
          "--input", x1.toString(), "--output", out1.toString());
      assertEquals(0, PartyProcesses.waitFor(one, 120), PartyProcesses.read(c1));
      assertCorrect(input(7), Npy.read(out1));

      String slog = PartyProcesses.read(sl), hlog = PartyProcesses.read(hl);
      assertTrue(slog.contains("failed: server heard nothing from client for 3 s"), slog);
      assertTrue(hlog.contains("failed:") && hlog.contains("client"), hlog);
      assertEquals(7, slog.lines().filter(l -> l.contains(" done in ")).count(), slog);
      assertFalse(slog.contains("\tat "), "no stack traces: " + slog);
      assertTrue(server.isAlive() && helper.isAlive());
    } catch (Throwable t) {
      System.out.println("ServeTest server log:\n" + PartyProcesses.read(sl) + "\nServeTest helper log:\n" + PartyProcesses.read(hl));
      throw t;
    } finally {
      if (stalled != null) {
        new ProcessBuilder("kill", "-CONT", Long.toString(stalled.pid())).start().waitFor();
        stalled.destroyForcibly().waitFor();
      }
      server.destroy();
      helper.destroy();
      assertNotEquals(-1, PartyProcesses.waitFor(server, 30));
      PartyProcesses.waitFor(helper, 30);
    }
    assertFalse(Files.exists(sReady), "the ready file goes with the server");
    assertFalse(Files.exists(hReady));
  }

  /**
   * A serve pair in malicious mode (software provider, an authority from keygen): two attested clients
   * in turn get the right answer; a client running another program (scale 11: another measurement) is
   * refused before any share with both measurements named, and only its session ends; a semi-honest
   * client is refused clearly; the next attested client is served.
   */
  @Test
  void aMaliciousServePairAttestsEverySessionAndRefusesOnlyTheClientsThePolicyDoesNotList() throws Exception {
    Path authority = dir.resolve("authority");
    CliErrorsTest.Outcome keygen = CliErrorsTest.run("keygen", "--attestation-authority", "--out", authority.toString());
    assertEquals(0, keygen.code(), keygen.err());
    Path key = authority.resolve("attestation-authority.key.pem");
    CliErrorsTest.Outcome measured = CliErrorsTest.run("measure", "--model", "builtin:demo");
    assertEquals(0, measured.code(), measured.err());
    String genuine = "attestation = software\nsoftware.authority = " + keygen.out().strip() + "\n" + measured.out();
    CliErrorsTest.Outcome other = CliErrorsTest.run("measure", "--model", "builtin:demo", "--scale", "11", "--role", "client");
    assertEquals(0, other.code(), other.err());
    String otherLine = other.out().lines().filter(l -> l.startsWith("measurement.client")).findFirst().orElseThrow();
    String otherClient = otherLine.split("= ")[1].strip(), genuineClient = measurement(genuine, "client");
    assertNotEquals(genuineClient, otherClient);
    Path policy = dir.resolve("policy.conf"), otherPolicy = dir.resolve("other-policy.conf");
    Files.writeString(policy, genuine);
    Files.writeString(otherPolicy, genuine + otherLine + "\n"); // that client's own host accepts its program

    Path semiHonestPeers = servicePeers();
    // the same addresses without the key files beside it: malicious parties make their keys themselves
    Path peers = Files.createDirectories(dir.resolve("malicious")).resolve("peers.conf");
    Files.copy(semiHonestPeers, peers);
    List<String> mal = List.of("--security", "malicious", "--attestation", "software", "--authority-key", key.toString(), "--receive-timeout", "20");
    Path hl = dir.resolve("h.log"), sl = dir.resolve("s.log"), hReady = dir.resolve("h.ready"), sReady = dir.resolve("s.ready");
    Process helper = PartyProcesses.start(hl, concat(List.of("serve", "--role", "helper", "--model", "builtin:demo", "--peers", peers.toString(),
        "--policy", policy.toString(), "--ready-file", hReady.toString()), mal));
    Process server = PartyProcesses.start(sl, concat(List.of("serve", "--role", "server", "--model", "builtin:demo", "--peers", peers.toString(),
        "--policy", policy.toString(), "--ready-file", sReady.toString()), mal));
    try {
      awaitFile(hReady, helper, hl);
      awaitFile(sReady, server, sl);
      String start = PartyProcesses.read(sl).lines().filter(l -> l.contains(": serving ")).findFirst().orElseThrow();
      assertTrue(start.contains("security malicious (software attestation), every session attested (SOFTWARE PROVIDER: NO hardware guarantee)"), start);
      assertTrue(PartyProcesses.read(hl).contains("WARNING: malicious mode, attested by the software provider"), PartyProcesses.read(hl));

      for (int i = 0; i < 2; i++) {
        Path x = dir.resolve("x" + i + ".npy"), out = dir.resolve("out" + i + ".npy"), cl = dir.resolve("c" + i + ".log");
        Npy.write(x, input(20 + i));
        Process c = PartyProcesses.start(cl, concat(List.of("run", "--role", "client", "--model", "builtin:demo", "--peers", peers.toString(),
            "--policy", policy.toString(), "--input", x.toString(), "--output", out.toString()), mal));
        assertEquals(0, PartyProcesses.waitFor(c, 120), PartyProcesses.read(cl));
        assertCorrect(input(20 + i), Npy.read(out));
        assertTrue(PartyProcesses.read(cl).contains("malicious (software attestation)"), PartyProcesses.read(cl));
      }

      Path xo = dir.resolve("xo.npy"), outo = dir.resolve("outo.npy"), co = dir.resolve("co.log");
      Npy.write(xo, input(30));
      Process refused = PartyProcesses.start(co, concat(List.of("run", "--role", "client", "--model", "builtin:demo", "--scale", "11", "--peers",
          peers.toString(), "--policy", otherPolicy.toString(), "--input", xo.toString(), "--output", outo.toString()), mal));
      assertNotEquals(0, PartyProcesses.waitFor(refused, 120));
      String colog = PartyProcesses.read(co);
      List<String> errors = colog.lines().filter(l -> l.startsWith("musketeer: error:")).toList();
      assertEquals(1, errors.size(), colog);
      assertTrue(errors.get(0).contains("refused the client: its measurement " + otherClient + " is not the policy's for the client (" + genuineClient),
          colog);
      assertFalse(Files.exists(outo), "no output");

      Path xs = dir.resolve("xs.npy"), outs = dir.resolve("outs.npy"), cs = dir.resolve("cs.log");
      Npy.write(xs, input(31));
      Process semi = PartyProcesses.start(cs, "run", "--role", "client", "--model", "builtin:demo", "--peers", semiHonestPeers.toString(),
          "--input", xs.toString(), "--output", outs.toString());
      assertNotEquals(0, PartyProcesses.waitFor(semi, 120));
      String cslog = PartyProcesses.read(cs);
      List<String> semiErrors = cslog.lines().filter(l -> l.startsWith("musketeer: error:")).toList();
      assertEquals(1, semiErrors.size(), cslog);
      assertTrue(semiErrors.get(0).contains("the server at ") && semiErrors.get(0).contains("runs in malicious mode"), cslog);
      assertFalse(Files.exists(outs), "no output");

      Path x3 = dir.resolve("x3.npy"), out3 = dir.resolve("out3.npy"), c3 = dir.resolve("c3.log");
      Npy.write(x3, input(32));
      Process good = PartyProcesses.start(c3, concat(List.of("run", "--role", "client", "--model", "builtin:demo", "--peers", peers.toString(),
          "--policy", policy.toString(), "--input", x3.toString(), "--output", out3.toString()), mal));
      assertEquals(0, PartyProcesses.waitFor(good, 120), PartyProcesses.read(c3));
      assertCorrect(input(32), Npy.read(out3));

      String slog = PartyProcesses.read(sl), hlog = PartyProcesses.read(hl);
      assertEquals(3, slog.lines().filter(l -> l.contains(" done in ") && l.endsWith("malicious (software attestation)")).count(), slog);
      assertEquals(3, hlog.lines().filter(l -> l.contains(" done in ") && l.endsWith("malicious (software attestation)")).count(), hlog);
      assertTrue(slog.lines().anyMatch(l -> l.contains("(malicious (software attestation)) failed: refused the client: its measurement " + otherClient)),
          slog);
      assertFalse(slog.contains("\tat ") || hlog.contains("\tat "), "no stack traces: " + slog + hlog);
      assertTrue(server.isAlive() && helper.isAlive());
    } catch (Throwable t) {
      System.out.println("ServeTest server log:\n" + PartyProcesses.read(sl) + "\nServeTest helper log:\n" + PartyProcesses.read(hl));
      throw t;
    } finally {
      server.destroy();
      helper.destroy();
      PartyProcesses.waitFor(server, 30);
      PartyProcesses.waitFor(helper, 30);
    }
  }

  /**
   * A server given a program file streams its weights in each session: its clients are served right, and
   * a file whose weights changed after the server started (another program of the same structure, as a
   * deploy that overwrote it would leave) fails the next session before any output, in one line at the
   * client and in the server's log, instead of serving other weights than it announced.
   */
  @Test
  void aServerStreamsItsProgramFilesWeightsInEverySessionAndRefusesAFileChangedUnderIt() throws Exception {
    Program program = Compiler.compile(DEMO, 12);
    Path served = dir.resolve("served.mkp"), clientCopy = dir.resolve("client.mkp");
    ProgramFile.write(served, program, ProgramFile.Part.FULL, Map.of());
    ProgramFile.write(clientCopy, program, ProgramFile.Part.WEIGHT_FREE, Map.of());
    Path peers = servicePeers();
    Path hl = dir.resolve("h.log"), sl = dir.resolve("s.log"), hReady = dir.resolve("h.ready"), sReady = dir.resolve("s.ready");
    Process helper = PartyProcesses.start(hl, "serve", "--role", "helper", "--model", clientCopy.toString(), "--peers", peers.toString(),
        "--ready-file", hReady.toString());
    Process server = PartyProcesses.start(sl, "serve", "--role", "server", "--model", served.toString(), "--peers", peers.toString(),
        "--ready-file", sReady.toString());
    try {
      awaitFile(hReady, helper, hl);
      awaitFile(sReady, server, sl);
      for (int i = 0; i < 2; i++) {
        Path x = dir.resolve("x" + i + ".npy"), out = dir.resolve("out" + i + ".npy"), cl = dir.resolve("c" + i + ".log");
        Npy.write(x, input(40 + i));
        Process c = PartyProcesses.start(cl, "run", "--role", "client", "--model", clientCopy.toString(), "--peers", peers.toString(),
            "--input", x.toString(), "--output", out.toString());
        assertEquals(0, PartyProcesses.waitFor(c, 120), PartyProcesses.read(cl));
        assertCorrect(input(40 + i), Npy.read(out));
      }

      Graph.Builder b = new Graph.Builder();
      java.util.Random r = new java.util.Random(5);
      for (var n : program.graph().nodes()) {
        Op op = n.op();
        if (op instanceof Op.Constant c && !c.isPublic()) {
          float[] v = new float[c.value().size()];
          for (int i = 0; i < v.length; i++) v[i] = r.nextFloat() - 0.5f;
          op = new Op.Constant(new FloatTensor(c.value().shape(), v), false);
        }
        b.add(n.name(), op, n.inputs());
      }
      Program other = new Program(b.build(program.graph().outputs()), program.scales(), program.fracBits(), program.softmaxOutput(), program.bounds());
      ProgramFile.write(served, other, ProgramFile.Part.FULL, Map.of());
      Path x = dir.resolve("x2.npy"), out = dir.resolve("out2.npy"), cl = dir.resolve("c2.log");
      Npy.write(x, input(42));
      Process c = PartyProcesses.start(cl, "run", "--role", "client", "--model", clientCopy.toString(), "--peers", peers.toString(),
          "--input", x.toString(), "--output", out.toString());
      assertNotEquals(0, PartyProcesses.waitFor(c, 120));
      String clog = PartyProcesses.read(cl);
      List<String> errors = clog.lines().filter(l -> l.startsWith("musketeer: error:")).toList();
      assertEquals(1, errors.size(), clog);
      assertTrue(errors.get(0).contains("holds other weights than when this server started"), clog);
      assertFalse(Files.exists(out), "no output");
      String slog = PartyProcesses.read(sl);
      assertTrue(slog.lines().anyMatch(l -> l.contains("failed: program file " + served + " holds other weights than when this server started")), slog);
      assertFalse(slog.contains("\tat "), "no stack traces: " + slog);
      assertTrue(server.isAlive() && helper.isAlive());
    } catch (Throwable t) {
      System.out.println("ServeTest server log:\n" + PartyProcesses.read(sl) + "\nServeTest helper log:\n" + PartyProcesses.read(hl));
      throw t;
    } finally {
      server.destroy();
      helper.destroy();
      PartyProcesses.waitFor(server, 30);
      PartyProcesses.waitFor(helper, 30);
    }
  }

  private static String measurement(String policy, String role) {
    return policy.lines().filter(l -> l.startsWith("measurement." + role)).findFirst().orElseThrow().split("= ")[1].strip();
  }

  private static String[] concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all.toArray(String[]::new);
  }

  @Test
  @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a serve that wrongly starts would block here
  void serveRefusesTheClientRoleAndBadLimits() throws Exception {
    Path peers = servicePeers();
    CliErrorsTest.assertUsageError(CliErrorsTest.run("serve", "--role", "client", "--model", "builtin:demo", "--peers", peers.toString()),
        "clients do not serve");
    CliErrorsTest.assertUsageError(CliErrorsTest.run("serve", "--role", "server", "--model", "builtin:demo", "--peers", peers.toString(),
        "--max-sessions", "0"), "--max-sessions must be in 1..1024");
    String[] serve = {"serve", "--role", "server", "--model", "builtin:demo", "--peers", peers.toString()};
    CliErrorsTest.assertUsageError(CliErrorsTest.run(concat(List.of(serve), List.of("--security", "malicious"))),
        "needs --attestation PROVIDER and --policy FILE");
    CliErrorsTest.assertUsageError(CliErrorsTest.run(concat(List.of(serve), List.of("--security", "malicious", "--plaintext", "--attestation",
        "software", "--policy", peers.toString()))), "--plaintext would show every share");
    CliErrorsTest.assertUsageError(CliErrorsTest.run(concat(List.of(serve), List.of("--attestation", "software"))), "are for --security malicious");
    CliErrorsTest.assertUsageError(CliErrorsTest.run(concat(List.of(serve), List.of("--security", "malicious", "--attestation", "software",
        "--policy", peers.toString()))), "--authority-key FILE");
    // a policy that does not list this service's own measurement: refused at start, not in every session
    CliErrorsTest.Outcome keygen = CliErrorsTest.run("keygen", "--attestation-authority", "--out", dir.resolve("auth").toString());
    assertEquals(0, keygen.code(), keygen.err());
    Path policy = dir.resolve("policy.conf");
    Files.writeString(policy, "attestation = software\nsoftware.authority = " + keygen.out().strip() + "\nmeasurement.server = sha256:" + "0".repeat(64)
        + "\nmeasurement.client = sha256:" + "1".repeat(64) + "\nmeasurement.helper = sha256:" + "2".repeat(64) + "\n");
    Path unkeyed = Files.createDirectories(dir.resolve("unkeyed")).resolve("peers.conf");
    Files.copy(peers, unkeyed);
    CliErrorsTest.Outcome notListed = CliErrorsTest.run("serve", "--role", "server", "--model", "builtin:demo", "--peers", unkeyed.toString(),
        "--security", "malicious", "--attestation", "software", "--authority-key", dir.resolve("auth/attestation-authority.key.pem").toString(),
        "--policy", policy.toString());
    assertEquals(Main.EXIT_USER_ERROR, notListed.code(), notListed.err());
    String last = notListed.err().strip().lines().reduce((a, b) -> b).orElseThrow();
    assertTrue(last.startsWith("musketeer: error: this server's measurement sha256:") && last.contains("is not one that policy"), notListed.err());
    assertFalse(notListed.err().contains(": serving "), notListed.err());
  }
}
