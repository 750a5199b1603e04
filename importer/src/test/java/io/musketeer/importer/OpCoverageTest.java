package io.musketeer.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.importer.onnx.OnnxImporter;
import io.musketeer.importer.tf.TfImporter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/OPS.md is the table the importers' op tables generate; every op of each table is in it. */
class OpCoverageTest {
  /** The committed file, from the importer module's directory (where Maven runs its tests). */
  static final Path FILE = Path.of("..", "docs", "OPS.md");

  @Test
  void committedTableIsCurrent() throws Exception {
    String want = OpCoverage.markdown();
    if (Boolean.getBoolean("musketeer.regenerate")) Files.writeString(FILE, want, StandardCharsets.UTF_8);
    String have = Files.exists(FILE) ? Files.readString(FILE, StandardCharsets.UTF_8) : "";
    assertEquals(want, have, "docs/OPS.md is stale; regenerate it with: ./mvnw -q -pl importer -am test -Dtest=OpCoverageTest "
        + "-Dsurefire.failIfNoSpecifiedTests=false -Dmusketeer.regenerate=true");
  }

  @Test
  void everyOpOfBothTablesIsListed() {
    String table = OpCoverage.markdown();
    for (String op : TfImporter.opKinds().keySet()) assertTrue(table.contains(op), op);
    for (String op : OnnxImporter.opKinds().keySet()) assertTrue(table.contains(op), op);
    assertEquals(OnnxImporter.supportedOps(), new java.util.TreeSet<>(OnnxImporter.opKinds().keySet()));
  }
}
