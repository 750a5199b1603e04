package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.mpc.testkit.PartyProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench --serve}: fresh clients against a warm deployment, which is gone when the bench is. */
class BenchServeTest {
  @TempDir Path dir;

  @Test
  void clientsRunAgainstWarmServicesThatStopWithTheBench() throws Exception {
    Path rows = dir.resolve("rows.jsonl"), log = dir.resolve("bench.log"), report = dir.resolve("report.json");
    Process bench = PartyProcesses.start(log, "bench", "--model", "builtin:demo", "--protocol", "fast", "--runs", "2", "--serve", "--check",
        "--plaintext", "--rows", rows.toString(), "--report", report.toString());
    assertEquals(0, PartyProcesses.waitFor(bench, 300), PartyProcesses.read(log));
    String out = PartyProcesses.read(log);
    assertTrue(out.contains("fast, warm-up client (not counted): "), out);
    assertTrue(out.contains("secure run (semi-honest, loopback, warm serve): "), out);
    List<String> lines = Files.readAllLines(rows);
    assertEquals(2, lines.size(), String.join("\n", lines));
    for (int run = 1; run <= 2; run++) {
      assertTrue(out.contains("fast, run " + run + ": output equals the fixed-point emulation: yes"), out);
      String row = lines.get(run - 1);
      assertTrue(row.contains("\"network\": \"loopback, warm serve\"") && row.contains("\"run\": " + run) && row.contains("\"exact\": \"yes\""), row);
    }
    // the last run's report is the three parties' reports of that one session: the services' are their session reports
    JsonObject parties = JsonParser.parseString(Files.readString(report)).getAsJsonObject().getAsJsonObject("parties");
    JsonObject client = parties.getAsJsonObject("client"), server = parties.getAsJsonObject("server"), helper = parties.getAsJsonObject("helper");
    assertEquals("client", client.get("role").getAsString());
    assertEquals("server", server.get("role").getAsString());
    assertEquals("helper", helper.get("role").getAsString());
    assertTrue(helper.get("offline_bytes_sent").getAsLong() > 0, helper.toString());
    long sent = 0, received = 0;
    for (JsonObject p : List.of(client, server, helper)) {
      sent += p.get("bytes_sent").getAsLong();
      received += p.get("bytes_received").getAsLong();
      assertEquals(client.get("program_hash").getAsString(), p.get("program_hash").getAsString());
    }
    assertEquals(sent, received, "every byte one party sent, another received: " + parties);
    // no service outlives the bench
    long left = ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
        .filter(c -> c.contains("--session-reports") && c.contains("musketeer-serve")).count();
    assertEquals(0, left, "serve processes left running");
  }

  @Test
  void aFailedDeploymentEndsTheBenchInOneLineAndKeepsTheLogs() throws Exception {
    Path log = dir.resolve("failed.log"), tmp = Files.createDirectories(dir.resolve("tmp"));
    List<String> cmd = new java.util.ArrayList<>(PartyProcesses.java("bench", "--model", "builtin:demo", "--serve", "--plaintext"));
    cmd.add(1, "-Djava.io.tmpdir=" + tmp); // the deployment's directory goes here, where this test can look
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("MUSKETEER_PARTY_HEAP", "-Xmx6m"); // too small: a service or the client runs out of memory
    assertEquals(1, PartyProcesses.waitFor(pb.start(), 120), PartyProcesses.read(log));
    String out = PartyProcesses.read(log);
    List<String> errors = out.lines().filter(l -> l.startsWith("musketeer: error:")).toList();
    assertEquals(1, errors.size(), out);
    assertTrue(errors.get(0).contains(" out of memory in a party") && errors.get(0).contains("the logs are in"), out);
    assertTrue(!out.contains("\tat ") && !out.contains("interrupted"), out);
    try (var kept = Files.list(tmp)) {
      Path deployment = kept.filter(p -> p.getFileName().toString().startsWith("musketeer-serve")).findFirst().orElseThrow();
      assertTrue(errors.get(0).contains(deployment.toString()), out);
      for (String name : new String[] {"helper.log", "server.log"}) assertTrue(Files.exists(deployment.resolve(name)), name + " kept");
    }
    long left = ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
        .filter(c -> c.contains("--session-reports") && c.contains(tmp.toString())).count();
    assertEquals(0, left, "serve processes left running");
  }

  @Test
  void warmAndProfileAreRefusedWithServe() throws Exception {
    for (String[] extra : new String[][] {{"--warm"}, {"--profile", "lan"}}) {
      Path log = dir.resolve("refused" + extra.length + ".log");
      String[] args = {"bench", "--model", "builtin:demo", "--serve", "--plaintext", extra[0], extra.length > 1 ? extra[1] : "--runs=1"};
      Process bench = PartyProcesses.start(log, args);
      assertEquals(2, PartyProcesses.waitFor(bench, 60), PartyProcesses.read(log));
      String out = PartyProcesses.read(log);
      List<String> said = out.lines().filter(l -> !l.equals(LocalRun.INCUBATOR_WARNING)).toList();
      assertTrue(said.size() == 1 && said.get(0).startsWith("musketeer: error: --serve"), out);
    }
  }
}
