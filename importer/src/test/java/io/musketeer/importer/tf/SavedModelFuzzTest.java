package io.musketeer.importer.tf;

import io.musketeer.importer.ImportOptions;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.musketeer.MusketeerException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The SavedModel reader on an arbitrary {@code saved_model.pb} (no variables directory): a graph or one
 * clear {@link MusketeerException}, never another exception.
 */
class SavedModelFuzzTest {
  private static final Path DIR = dir();

  private static Path dir() {
    try {
      Path d = Files.createTempDirectory("fuzz-savedmodel");
      d.toFile().deleteOnExit();
      return d;
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @FuzzTest(maxDuration = "10s")
  void load(byte[] savedModelPb) throws Exception {
    Files.write(DIR.resolve("saved_model.pb"), savedModelPb);
    try {
      SavedModelImporter.load(DIR, SavedModelImporter.DEFAULT_SIGNATURE, ImportOptions.defaults());
    } catch (MusketeerException e) {
      if (e.getMessage().contains("\n")) throw new AssertionError(e.getMessage());
    }
  }
}
