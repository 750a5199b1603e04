package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.importer.ImportOptions;
import io.musketeer.ir.Graph;
import io.musketeer.mpc.testkit.FaultProxy;
import io.musketeer.mpc.testkit.FaultProxy.Action;
import io.musketeer.mpc.testkit.FaultProxy.Fault;
import io.musketeer.mpc.testkit.PartyProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tampering proxy between real {@code run} processes over TLS: a flipped, dropped, injected or
 * replayed byte, or a cut, on the client-server link never gives the client an output, and the
 * client's one error line names the peer. {@code -Dmusketeer.processTrials=N} (CI runs 1).
 */
class TamperProcessesTest {
  private static final int TRIALS = Integer.getInteger("musketeer.processTrials", 1);

  @TempDir Path dir;

  @Test
  void noTamperedProcessRunWritesAnOutput() throws Exception {
    Graph g = Models.load("builtin:demo", ImportOptions.defaults());
    Path input = dir.resolve("x.npy");
    Npy.write(input, DemoCommand.syntheticInput(InferCommand.singleInput(g)));
    Random rnd = new Random(Long.getLong("musketeer.seed", 20));
    Action[] tampers = {Action.FLIP, Action.DROP, Action.TRUNCATE, Action.INJECT, Action.REPLAY};
    for (int i = 0; i < TRIALS; i++) {
      Path trial = Files.createDirectories(dir.resolve("t" + i));
      Path peers = PartyProcesses.peersFile(trial);
      List<String> lines = Files.readAllLines(peers);
      int serverPort = Integer.parseInt(lines.get(1).split("\\s+")[2].split(":")[1]);
      Action action = tampers[rnd.nextInt(tampers.length)];
      boolean forward = rnd.nextBoolean();
      // under the default protocol (fast) the demo session moves about 300 kB from the client (most of
      // it to the server) and over 600 kB from the server to the client: these offsets are inside it
      Fault f = new Fault(action, forward, rnd.nextInt(forward ? 60_000 : 400_000), rnd.nextLong());
      try (FaultProxy proxy = new FaultProxy(serverPort, f)) {
        Path clientView = trial.resolve("client-view.conf");
        Files.writeString(clientView, String.join("\n", lines.get(0), lines.get(1).replace(":" + serverPort + " ", ":" + proxy.port() + " "), lines.get(2)) + "\n");
        Path out = trial.resolve("out.npy"), cl = trial.resolve("c.log"), sl = trial.resolve("s.log"), hl = trial.resolve("h.log");
        Process helper = PartyProcesses.start(hl, "run", "--role", "helper", "--model", "builtin:demo", "--peers", peers.toString(), "--receive-timeout", "5");
        Process server = PartyProcesses.start(sl, "run", "--role", "server", "--model", "builtin:demo", "--peers", peers.toString(), "--receive-timeout", "5");
        Process client = PartyProcesses.start(cl, "run", "--role", "client", "--model", "builtin:demo", "--peers", clientView.toString(),
            "--input", input.toString(), "--output", out.toString(), "--receive-timeout", "5");
        int c = PartyProcesses.waitFor(client, 180);
        PartyProcesses.waitFor(server, 60);
        PartyProcesses.waitFor(helper, 60);
        String ct = PartyProcesses.read(cl);
        String what = "trial " + i + " " + action + (forward ? " client->server" : " server->client") + " at byte " + f.offset();
        assertTrue(proxy.applied(), what + ": never reached: " + ct);
        assertNotEquals(0, c, what + ": " + ct);
        assertFalse(Files.exists(out), what + ": output written");
        String error = ct.lines().filter(l -> l.startsWith("musketeer: error:")).findFirst().orElse("");
        assertTrue(error.contains("server") || error.contains("helper"), what + ": " + ct);
        assertFalse(ct.contains("\tat "), what + ": stack trace: " + ct);
        assertEquals(1, ct.lines().filter(l -> l.startsWith("musketeer:")).count(), what + ": " + ct);
        System.out.printf(Locale.ROOT, "TamperProcessesTest %s: %s%n", what, error);
      }
    }
  }
}
