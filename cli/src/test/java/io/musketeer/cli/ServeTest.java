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
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.PartyKey;
import io.musketeer.mpc.testkit.PartyProcesses;
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

  @Test
  void serveRefusesTheClientRoleAndBadLimits() throws Exception {
    Path peers = servicePeers();
    CliErrorsTest.assertUsageError(CliErrorsTest.run("serve", "--role", "client", "--model", "builtin:demo", "--peers", peers.toString()),
        "clients do not serve");
    CliErrorsTest.assertUsageError(CliErrorsTest.run("serve", "--role", "server", "--model", "builtin:demo", "--peers", peers.toString(),
        "--max-sessions", "0"), "--max-sessions must be in 1..1024");
  }
}
