package io.musketeer.cli;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.musketeer.MusketeerException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The .npy reader on arbitrary bytes: a tensor or one clear line, never another exception or a huge allocation. */
class NpyFuzzTest {
  private static final Path FILE = temp();

  private static Path temp() {
    try {
      Path f = Files.createTempFile("fuzz", ".npy");
      f.toFile().deleteOnExit();
      return f;
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @FuzzTest(maxDuration = "10s")
  void read(byte[] bytes) throws Exception {
    Files.write(FILE, bytes);
    try {
      Npy.read(FILE);
    } catch (MusketeerException e) {
      if (e.getMessage().contains("\n")) throw new AssertionError(e.getMessage());
    }
  }
}
