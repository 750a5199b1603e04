package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench-report}: one table row per model, network and protocol, the median of its runs. */
class BenchReportTest {
  @TempDir Path dir;

  private static String row(String protocol, int run, double wall, String network) {
    return "{\"date\": \"2026-12-03\", \"model\": \"Net\", \"protocol\": \"" + protocol + "\", \"run\": " + run + ", \"wall_seconds\": " + wall
        + ", \"session_seconds\": " + (wall - 1) + ", \"bytes\": 1000000000, \"offline_bytes\": 0, \"rounds\": 10, \"peak_memory_bytes\": [1, 2, 3], "
        + "\"cpu_seconds\": [1, 1, 1], \"exact\": \"yes\", \"note\": \"\"" + (network == null ? "" : ", \"network\": \"" + network + "\"") + "}";
  }

  @Test
  void runsOnAnotherNetworkAreTheirOwnGroup() throws Exception {
    Path rows = dir.resolve("rows.jsonl"), md = dir.resolve("out.md");
    Files.write(rows, List.of(row("fast", 1, 10, null), row("fast", 2, 12, "loopback"), row("porthos", 1, 15, "loopback, warm serve"),
        row("fast", 1, 6, "loopback, warm serve")));
    assertEquals(0, Main.run("bench-report", "--rows", rows.toString(), "--markdown", md.toString()));
    String table = Files.readString(md);
    assertTrue(table.contains("| Net | fast | 10.0, 12.0 s |"), table);
    assertTrue(table.contains("| Net (loopback, warm serve) | fast | 6.0 s |"), table);
    // the ratio is within a network, to the protocol listed first there
    assertTrue(table.contains("| Net (loopback, warm serve) | fast / porthos | 0.40x |"), table);
  }
}
