package io.musketeer.cli;

import io.musketeer.MusketeerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** A private temporary directory, removed when closed and when the JVM is stopped (Ctrl-C, kill). */
final class WorkDir implements AutoCloseable {
  private final Path path;
  private final Thread onShutdown;
  private volatile boolean keep;

  private WorkDir(Path path) {
    this.path = path;
    this.onShutdown = new Thread(this::deleteUnlessKept, "remove " + path);
    Runtime.getRuntime().addShutdownHook(onShutdown);
  }

  static WorkDir create(String prefix) {
    try {
      return new WorkDir(Files.createTempDirectory(prefix));
    } catch (IOException e) {
      throw new MusketeerException("cannot create a temporary directory in " + System.getProperty("java.io.tmpdir") + ": " + e.getMessage());
    }
  }

  Path path() {
    return path;
  }

  Path resolve(String name) {
    return path.resolve(name);
  }

  /** Leaves the directory in place (a failed run's logs). */
  void keep() {
    keep = true;
  }

  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(onShutdown);
    } catch (IllegalStateException e) {
      return; // shutting down: the hook deletes it
    }
    deleteUnlessKept();
  }

  private void deleteUnlessKept() {
    if (!keep) deleteTree(path);
  }

  static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // temporary files only
    }
  }
}
