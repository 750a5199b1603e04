package io.musketeer.cli;

import io.musketeer.MusketeerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A file a command will write, checked before any work starts so that a long run never ends in "cannot
 * write". A regular file (or a new one) is replaced atomically: a temporary file beside it, renamed
 * into place, so no partial file is ever seen and a symbolic link keeps pointing at the result. Anything
 * else that exists is refused (a directory) or written in place (a device or a pipe, such as
 * /dev/null): renaming over it would destroy it.
 */
final class OutputFile {
  private final String option;
  private final Path given;
  /** Where the bytes go: the file itself (links resolved), or where it will be created. */
  private final Path target;
  private final boolean inPlace;

  private OutputFile(String option, Path given, Path target, boolean inPlace) {
    this.option = option;
    this.given = given;
    this.target = target;
    this.inPlace = inPlace;
  }

  /**
   * Checks that {@code file} can be written and is none of {@code inputs} (files the command reads).
   *
   * @param option the option that named the file, for messages ("--output")
   */
  static OutputFile check(String option, Path file, Path... inputs) {
    String what = option + " " + file;
    Path abs = file.toAbsolutePath().normalize();
    OutputFile out;
    try {
      if (Files.exists(abs)) {
        Path real = abs.toRealPath();
        if (Files.isDirectory(real)) throw new UsageError(what + " is a directory; name a file");
        if (!Files.isWritable(real)) throw new MusketeerException("cannot write " + what + ": the file is not writable");
        boolean regular = Files.isRegularFile(real);
        if (regular) probeDirectory(what, real.getParent());
        out = new OutputFile(option, file, real, !regular);
      } else {
        if (Files.isSymbolicLink(abs)) throw new MusketeerException("cannot write " + what + ": it is a symbolic link to a missing file");
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
          throw new MusketeerException("cannot write " + what + ": directory " + (dir == null ? "/" : dir) + " does not exist");
        }
        Path realDir = dir.toRealPath();
        probeDirectory(what, realDir);
        out = new OutputFile(option, file, realDir.resolve(abs.getFileName()), false);
      }
    } catch (IOException e) {
      throw new MusketeerException("cannot write " + what + ": " + reason(e));
    }
    for (Path in : inputs) {
      if (in != null && out.sameFileAs(in)) {
        throw new UsageError(what + " is also an input (" + in + "); writing it would destroy that file, choose another name");
      }
    }
    return out;
  }

  /** Refuses two outputs that name the same file (say --output and --report). */
  static void requireDistinct(OutputFile... files) {
    for (int i = 0; i < files.length; i++) {
      for (int j = i + 1; j < files.length; j++) {
        if (files[i] != null && files[j] != null && files[i].target.equals(files[j].target) && !files[i].inPlace) {
          throw new UsageError(files[i].option + " and " + files[j].option + " name the same file " + files[i].given);
        }
      }
    }
  }

  /** A file this process writes for itself (temporary files, test fixtures): checked the same way. */
  static OutputFile of(Path file) {
    return check("file", file);
  }

  Path path() {
    return given;
  }

  /** The input itself, or a file inside an input directory (a SavedModel's saved_model.pb or variables). */
  private boolean sameFileAs(Path input) {
    try {
      if (!Files.exists(input) || !Files.exists(target)) return false;
      if (Files.isDirectory(input)) return target.startsWith(input.toRealPath());
      return Files.isSameFile(target, input);
    } catch (IOException e) {
      return false;
    }
  }

  void write(byte[] bytes) {
    if (inPlace) {
      try {
        Files.write(target, bytes, StandardOpenOption.WRITE);
      } catch (IOException e) {
        throw new MusketeerException("cannot write " + option + " " + given + ": " + reason(e));
      }
      return;
    }
    Path tmp = null;
    try {
      tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
      Files.write(tmp, bytes);
      setPermissions(tmp);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort: the temporary name starts with a dot
        }
      }
      throw new MusketeerException("cannot write " + option + " " + given + ": " + reason(e));
    }
  }

  /** A replaced file keeps its permissions; a new one gets rw-r--r-- (temporary files are private). */
  private void setPermissions(Path tmp) throws IOException {
    try {
      Set<PosixFilePermission> perms = Files.exists(target, LinkOption.NOFOLLOW_LINKS)
          ? Files.getPosixFilePermissions(target)
          : PosixFilePermissions.fromString("rw-r--r--");
      Files.setPosixFilePermissions(tmp, perms);
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system
    }
  }

  /** Creating a file is the only reliable test (permissions, read-only mounts, quotas, ACLs). */
  private static void probeDirectory(String what, Path dir) {
    try {
      Files.delete(Files.createTempFile(dir, ".musketeer-probe", ".tmp"));
    } catch (IOException e) {
      throw new MusketeerException("cannot write " + what + ": cannot create files in " + dir + " (" + reason(e) + ")");
    }
  }

  private static String reason(IOException e) {
    String m = e.getMessage();
    if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
    if (e instanceof java.nio.file.NoSuchFileException) return "no such file or directory";
    if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) return fse.getReason();
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
