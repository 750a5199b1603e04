package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.importer.tf.ImportOptions;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.mpc.testkit.PartyProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `musketeer local` as a real process: stopped by Ctrl-C it stops its three parties and removes its
 * directory; killed outright, its parties notice and stop before writing anything; a failed run keeps
 * the parties' logs and names them, with a hint that names the variable that sets the parties' heap.
 */
class LocalLifecycleTest {
  @TempDir Path dir;

  private Path tmp;
  private Path out;

  /** Starts `local` on SqueezeNet (long enough to interrupt) with its own temporary directory. */
  private Process startLocal(Path log, String partyHeap, String model, Path input, String... more) throws IOException {
    tmp = Files.createDirectories(dir.resolve("tmp"));
    out = dir.resolve("out.npy");
    List<String> args = new ArrayList<>(List.of("local", "--model", model, "--input", input.toString(), "--output", out.toString()));
    args.addAll(List.of(more));
    List<String> cmd = new ArrayList<>(PartyProcesses.java(args.toArray(String[]::new)));
    cmd.add(1, "-Djava.io.tmpdir=" + tmp);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("MUSKETEER_PARTY_HEAP", partyHeap);
    return pb.start();
  }

  private Path input(String model) {
    Graph g = Models.load(model, ImportOptions.defaults().withBatchSize(1), Models.Use.STRUCTURE);
    Path input = dir.resolve("x.npy");
    Npy.write(input, DemoCommand.syntheticInput((Op.Input) g.node(g.inputs()[0]).op()));
    return input;
  }

  private static void awaitGone(List<ProcessHandle> procs, int seconds) throws InterruptedException {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    while (System.nanoTime() < end && procs.stream().anyMatch(ProcessHandle::isAlive)) Thread.sleep(100);
    List<ProcessHandle> alive = procs.stream().filter(ProcessHandle::isAlive).toList();
    alive.forEach(ProcessHandle::destroyForcibly);
    if (!alive.isEmpty()) {
      throw new AssertionError(alive.size() + " processes still running " + seconds + " s later, e.g. " + alive.get(0).info().commandLine().orElse(""));
    }
  }

  private List<String> leftovers() throws IOException {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("musketeer")).toList();
    }
  }

  @Test
  void ctrlCStopsThePartiesAndRemovesTheDirectory() throws Exception {
    Path log = dir.resolve("local.log");
    Process local = startLocal(log, "-Xmx1500m", "builtin:squeezenet", input("builtin:squeezenet"));
    PartyProcesses.awaitLine(local, log, "connected to both peers", 120);
    List<ProcessHandle> parties = local.descendants().toList();
    assertEquals(3, parties.size(), "three parties: " + PartyProcesses.read(log));
    assertEquals(0, new ProcessBuilder("kill", "-INT", "" + local.pid()).start().waitFor());
    int code = PartyProcesses.waitFor(local, 60);
    String text = PartyProcesses.read(log);
    assertEquals(130, code, text);
    assertTrue(text.contains("musketeer: interrupted: stopped the parties and removed " + tmp), text);
    awaitGone(parties, 10);
    assertEquals(List.of(), leftovers());
    assertFalse(Files.exists(out));
  }

  @Test
  void partiesOfAKilledLocalStopBeforeWritingAnything() throws Exception {
    Path log = dir.resolve("local.log");
    Process local = startLocal(log, "-Xmx1500m", "builtin:squeezenet", input("builtin:squeezenet"));
    PartyProcesses.awaitLine(local, log, "connected to both peers", 120);
    List<ProcessHandle> parties = local.descendants().toList();
    assertEquals(3, parties.size());
    local.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook runs
    awaitGone(parties, 20);
    Thread.sleep(2000);
    assertFalse(Files.exists(out), "an orphaned client wrote its output");
    for (String d : leftovers()) WorkDir.deleteTree(tmp.resolve(d)); // SIGKILL leaves the logs; nothing can remove them
  }

  @Test
  void aFailedRunKeepsThePartyLogsAndTheHeapHintNamesThePartyVariable() throws Exception {
    Path log = dir.resolve("local.log");
    Process local = startLocal(log, "-Xmx8m", "builtin:demo", input("builtin:demo"));
    int code = PartyProcesses.waitFor(local, 120);
    String text = PartyProcesses.read(log);
    assertEquals(Main.EXIT_USER_ERROR, code, text);
    String last = text.strip().lines().reduce((a, b) -> b).orElse("");
    assertTrue(last.startsWith("musketeer: error: secure run failed; "), text);
    assertTrue(last.contains("out of memory in a party") && last.contains("MUSKETEER_PARTY_HEAP"), last);
    assertFalse(last.contains("MUSKETEER_JAVA_OPTS"), last);
    List<String> kept = leftovers();
    assertEquals(1, kept.size(), "" + kept);
    Path logs = tmp.resolve(kept.get(0));
    assertTrue(last.contains("the parties' logs are in " + logs), last);
    for (String party : new String[] {"client", "server", "helper"}) {
      assertTrue(Files.exists(logs.resolve(party + ".log")), party);
      assertFalse(Files.exists(logs.resolve(party + ".key.pem")), "no private key kept: " + party);
    }
    assertFalse(Files.exists(out));
    WorkDir.deleteTree(logs);
  }

  @Test
  void verboseReachesTheParties() throws Exception {
    Path log = dir.resolve("local.log");
    Process local = startLocal(log, "-Xmx8m", "builtin:demo", input("builtin:demo"), "--verbose");
    PartyProcesses.waitFor(local, 120);
    List<String> kept = leftovers();
    assertEquals(1, kept.size(), PartyProcesses.read(log));
    String server = Files.readString(tmp.resolve(kept.get(0)).resolve("server.log"));
    assertTrue(server.contains("java.lang.OutOfMemoryError") && server.contains("\tat "), "a stack trace in the party's log: " + server);
    WorkDir.deleteTree(tmp.resolve(kept.get(0)));
  }
}
