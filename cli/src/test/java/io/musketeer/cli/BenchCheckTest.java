package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.mpc.testkit.PartyProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench --check}: the emulation runs after the secure runs, and each run's row still gets its verdict. */
class BenchCheckTest {
  @TempDir Path dir;

  @Test
  void everyRunIsComparedWithTheEmulationAndItsRowSaysSo() throws Exception {
    Path rows = dir.resolve("rows.jsonl"), log = dir.resolve("bench.log");
    Process bench = PartyProcesses.start(log, "bench", "--model", "builtin:demo", "--protocol", "porthos,fast", "--runs", "2", "--check",
        "--plaintext", "--rows", rows.toString());
    assertEquals(0, PartyProcesses.waitFor(bench, 300), PartyProcesses.read(log));
    String out = PartyProcesses.read(log);
    List<String> lines = Files.readAllLines(rows);
    assertEquals(4, lines.size(), String.join("\n", lines));
    for (String protocol : new String[] {"porthos", "fast"}) {
      for (int run = 1; run <= 2; run++) {
        String verdict = protocol + ", run " + run + ": output equals the fixed-point emulation: ";
        int at = out.indexOf(verdict);
        assertTrue(at >= 0, out);
        String said = out.startsWith("yes", at + verdict.length()) ? "yes" : "no";
        // the rows keep the runs' order (protocols alternating) and each carries what was printed for it
        String row = lines.get(2 * (run - 1) + (protocol.equals("porthos") ? 0 : 1));
        assertTrue(row.contains("\"protocol\": \"" + protocol + "\"") && row.contains("\"run\": " + run), row);
        assertTrue(row.contains("\"network\": \"loopback\""), "plaintext links: loopback alone, " + row);
        assertTrue(row.contains("\"exact\": \"" + said + "\""), row + " / " + out);
      }
    }
    // every truncation of the demo under fast is fused into a comparison or exact
    assertTrue(out.contains("fast, run 1: output equals the fixed-point emulation: yes"), out);
    assertTrue(out.contains("fast, run 2: output equals the fixed-point emulation: yes"), out);
  }
}
