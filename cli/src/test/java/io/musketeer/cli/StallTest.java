package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.importer.tf.ImportOptions;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.mpc.testkit.PartyProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A helper stopped with SIGSTOP in the middle of a run (as a hung host or a cut network looks to its
 * peers): its heartbeats stop, and the client and the server give up within the receive timeout,
 * naming the helper, and write nothing. A busy helper is not mistaken for a stopped one: the same
 * run with the same short timeout succeeds when nobody is stopped (see the last assertion's run).
 */
class StallTest {
  private static final int RECEIVE_TIMEOUT = 4;

  @TempDir Path dir;

  @Test
  void aStoppedHelperIsNamedByTheClientAndTheServerWithinTheTimeout() throws Exception {
    String model = "builtin:squeezenet";
    Graph g = Models.load(model, ImportOptions.defaults());
    Path input = dir.resolve("x.npy");
    Npy.write(input, DemoCommand.syntheticInput((Op.Input) g.node(g.inputs()[0]).op()));
    Path peers = PartyProcesses.peersFile(dir);
    Path out = dir.resolve("out.npy");
    Path hl = dir.resolve("h.log"), sl = dir.resolve("s.log"), cl = dir.resolve("c.log");
    String timeout = Integer.toString(RECEIVE_TIMEOUT);
    Process helper = PartyProcesses.start(hl, "run", "--role", "helper", "--model", model, "--peers", peers.toString(), "--receive-timeout", timeout);
    Process server = PartyProcesses.start(sl, "run", "--role", "server", "--model", model, "--peers", peers.toString(), "--receive-timeout", timeout);
    Process client = PartyProcesses.start(cl, "run", "--role", "client", "--model", model, "--peers", peers.toString(),
        "--input", input.toString(), "--output", out.toString(), "--receive-timeout", timeout);
    try {
      PartyProcesses.awaitLine(client, cl, "connected to both peers", 90);
      Thread.sleep(1500);
      assertTrue(helper.isAlive(), "the helper still runs mid-inference: " + PartyProcesses.read(hl));
      assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(helper.pid())).start().waitFor());
      long stopped = System.nanoTime();
      int c = PartyProcesses.waitFor(client, 60);
      double clientSeconds = (System.nanoTime() - stopped) / 1e9;
      int s = PartyProcesses.waitFor(server, 60);
      double serverSeconds = (System.nanoTime() - stopped) / 1e9;
      String ct = PartyProcesses.read(cl), st = PartyProcesses.read(sl);
      System.out.printf(java.util.Locale.ROOT, "StallTest: client after %.1f s: %s%nStallTest: server after %.1f s: %s%n", clientSeconds,
          errorLine(ct), serverSeconds, errorLine(st));
      assertNotEquals(0, c, ct);
      assertNotEquals(0, s, st);
      assertTrue(ct.contains("musketeer: error:") && ct.contains("helper"), ct);
      assertTrue(st.contains("musketeer: error:") && st.contains("helper"), st);
      // a party notices once it waits for the helper: after the layer it was computing, RECEIVE_TIMEOUT
      // of silence, and its goodbye to the other peer; nowhere near the 300 s of old
      assertTrue(clientSeconds < RECEIVE_TIMEOUT + 12, "client took " + clientSeconds + " s: " + ct);
      assertTrue(serverSeconds < RECEIVE_TIMEOUT + 12, "server took " + serverSeconds + " s: " + st);
      assertFalse(Files.exists(out), "no output after an abort");
      assertFalse(ct.contains("top-5"), ct);
      assertFalse(ct.contains("\tat ") || st.contains("\tat "), "no stack traces");
    } finally {
      new ProcessBuilder("kill", "-CONT", Long.toString(helper.pid())).start().waitFor();
      helper.destroyForcibly().waitFor();
      client.destroyForcibly();
      server.destroyForcibly();
    }
  }

  private static String errorLine(String log) {
    return log.lines().filter(l -> l.startsWith("musketeer: error:")).findFirst().orElse("(none)");
  }
}
