package io.musketeer.importer.tf;

import static io.musketeer.importer.tf.GraphDefBuilder.type;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.Shape;
import io.musketeer.importer.ModelImportException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.GraphDef;

/** Broken model files end in one clear ModelImportException line, never another exception. */
class BadModelsTest {
  @TempDir Path dir;

  private static void assertOneLine(ModelImportException e, String... fragments) {
    String m = e.getMessage();
    assertFalse(m.contains("\n"), "one line: " + m);
    for (String f : fragments) assertTrue(m.contains(f), "'" + f + "' in: " + m);
  }

  private Path write(String name, byte[] bytes) throws Exception {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  @Test
  void truncatedFile() throws Exception {
    byte[] full = SyntheticModels.build("demo", 1).toByteArray();
    Path p = write("cut.pb", Arrays.copyOf(full, full.length / 2));
    assertOneLine(assertThrows(ModelImportException.class, () -> TfImporter.load(p, ImportOptions.defaults())), "cut.pb");
  }

  @Test
  void garbageBytes() throws Exception {
    byte[] junk = new byte[4096];
    new Random(3).nextBytes(junk);
    Path p = write("junk.pb", junk);
    assertOneLine(assertThrows(ModelImportException.class, () -> TfImporter.load(p, ImportOptions.defaults())), "junk.pb");
  }

  @Test
  void emptyFile() throws Exception {
    Path p = write("empty.pb", new byte[0]);
    assertOneLine(assertThrows(ModelImportException.class, () -> TfImporter.load(p, ImportOptions.defaults())), "empty.pb", "no nodes");
  }

  @Test
  void missingFile() {
    Path p = dir.resolve("absent.pb");
    assertOneLine(assertThrows(ModelImportException.class, () -> TfImporter.load(p, ImportOptions.defaults())), "absent.pb", "does not exist");
  }

  @Test
  void unsupportedOpNamesOpNodeAndSupportedList() {
    GraphDefBuilder b = new GraphDefBuilder(1);
    String x = b.placeholder("x", 1, 4);
    b.node("Erf", "gelu/erf", List.of(x), "T", type());
    ModelImportException e = assertThrows(ModelImportException.class, () -> TfImporter.fromGraphDef(b.build(), ImportOptions.defaults()));
    assertOneLine(e, "Erf", "gelu/erf", "supported ops", "Conv2D", "MatMul");
  }

  @Test
  void contradictingInputShape() {
    GraphDef def = SyntheticModels.build("demo", 1);
    ModelImportException e = assertThrows(ModelImportException.class,
        () -> TfImporter.fromGraphDef(def, ImportOptions.defaults().withInputShape("input", Shape.of(1, 32, 32, 1))));
    assertOneLine(e, "input", "[1, 32, 32, 1]");
  }

  @Test
  void nanInWeightsNamesTheNodeNotTheValues() {
    GraphDefBuilder b = new GraphDefBuilder(1);
    String x = b.placeholder("x", 1, 3);
    String w = b.floats(new float[] {1, Float.NaN, 2, 3, 4, 5}, 3, 2);
    b.node("MatMul", "mm", List.of(x, w), "T", type());
    ModelImportException e = assertThrows(ModelImportException.class, () -> TfImporter.fromGraphDef(b.build(), ImportOptions.defaults()));
    assertOneLine(e, w, "NaN");
  }

  @Test
  void readsOfMissingNodes() {
    GraphDefBuilder b = new GraphDefBuilder(1);
    String x = b.placeholder("x", 1, 3);
    b.node("Relu", "r", List.of(x, "nowhere:0"), "T", type());
    b.node("Relu", "r2", List.of("r"), "T", type());
    assertOneLine(assertThrows(ModelImportException.class, () -> TfImporter.fromGraphDef(b.build(), ImportOptions.defaults())), "nowhere");
  }

  @Test
  void wrongRankForAnOp() {
    GraphDefBuilder b = new GraphDefBuilder(1);
    String x = b.placeholder("x", 1, 3);
    b.node("MatMul", "mm", List.of(x, b.floats(new float[] {1, 2}, 2, 1)), "T", type());
    assertOneLine(assertThrows(ModelImportException.class, () -> TfImporter.fromGraphDef(b.build(), ImportOptions.defaults())), "mm", "MatMul");
  }
}
