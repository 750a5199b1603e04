package io.musketeer.cli;

import io.musketeer.MusketeerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** File output that never leaves a partial file behind. */
final class Files2 {
  private Files2() {}

  /** Deletes a temporary directory tree, best effort. */
  static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // temporary files only
    }
  }

  static void writeAtomically(Path file, byte[] bytes) {
    Path abs = file.toAbsolutePath();
    Path dir = abs.getParent();
    Path tmp = null;
    try {
      if (dir != null) Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
      Files.write(tmp, bytes);
      try {
        // temporary files are private; the result gets ordinary permissions
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system
      }
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort
        }
      }
      throw new MusketeerException("cannot write " + file + ": " + e.getMessage());
    }
  }
}
