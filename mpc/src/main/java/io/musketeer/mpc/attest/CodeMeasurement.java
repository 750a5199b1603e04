package io.musketeer.mpc.attest;

import io.musketeer.MusketeerException;
import io.musketeer.mpc.net.Fingerprint;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A SHA-256 digest of the code this JVM runs: the Java runtime's module image and every element of
 * the class path, so that any changed class, resource or dependency changes it.
 *
 * <p>Canonical form, independent of where the files lie and of class path order (the JVM expands
 * {@code lib/*} in no specified order): each jar or zip is digested as its bytes; each directory
 * (a build's {@code target/classes}) as its files sorted by relative path, each path with its
 * content's digest; the runtime as its {@code release} file and {@code lib/modules} image. The
 * element digests are sorted and digested together with the runtime's. Hashing jars whole rather
 * than entry by entry takes a fraction of the time (the class path of a test JVM holds 160 MB of
 * native libraries) and binds the same code: a repackaged jar with the same classes is simply a new
 * build, measured anew with {@code musketeer measure}.
 *
 * <p>Flags that change code as it loads (agents, boot class path, patched modules) are refused
 * rather than measured: an attested party runs its measured jars as they are.
 *
 * <p>What this measurement is worth depends on who computes it: inside an enclave or confidential VM
 * the hardware measures the image that holds these files, and this digest, computed by that measured
 * code, is honest; with the software provider a host can run anything and print any digest
 * (SECURITY.md).
 */
public final class CodeMeasurement {
  private static final String[] CODE_CHANGING_FLAGS = {"-javaagent", "-agentlib", "-agentpath", "-Xbootclasspath", "--patch-module"};
  private static volatile Fingerprint cached;

  private CodeMeasurement() {}

  /** The digest of this JVM's code (computed once per JVM). */
  public static Fingerprint current() {
    Fingerprint f = cached;
    if (f == null) {
      synchronized (CodeMeasurement.class) {
        if (cached == null) cached = compute(System.getProperty("java.class.path", ""), Path.of(System.getProperty("java.home")),
            ManagementFactory.getRuntimeMXBean().getInputArguments());
        f = cached;
      }
    }
    return f;
  }

  /**
   * The digest of the runtime under {@code javaHome} running {@code classPath}.
   *
   * @throws MusketeerException when a JVM flag would change the code as it loads, or a file cannot be read
   */
  static Fingerprint compute(String classPath, Path javaHome, List<String> jvmArguments) {
    for (String arg : jvmArguments) {
      for (String flag : CODE_CHANGING_FLAGS) {
        if (arg.startsWith(flag)) {
          throw new MusketeerException("the JVM runs with " + flag + ", which changes the code as it loads; an attested party runs without it "
              + "(remove it from MUSKETEER_JAVA_OPTS or JAVA_TOOL_OPTIONS)");
        }
      }
    }
    List<String> elements = new ArrayList<>();
    for (String entry : classPath.split(File.pathSeparator)) {
      if (entry.isEmpty()) continue;
      Path p = Path.of(entry);
      if (Files.isDirectory(p)) elements.add("dir " + hex(directoryDigest(p)));
      else if (Files.isRegularFile(p)) elements.add("file " + hex(fileDigest(p)));
      // a missing element loads nothing
    }
    elements.sort(null);
    MessageDigest d = sha256();
    update(d, "musketeer code measurement v1");
    Path release = javaHome.resolve("release"), modules = javaHome.resolve("lib").resolve("modules");
    update(d, "runtime " + System.getProperty("java.vm.name", "") + " " + System.getProperty("java.vm.version", ""));
    update(d, "release " + (Files.isRegularFile(release) ? hex(fileDigest(release)) : "none"));
    update(d, "modules " + (Files.isRegularFile(modules) ? hex(fileDigest(modules)) : "none"));
    update(d, "elements " + elements.size());
    for (String e : elements) update(d, e);
    return new Fingerprint(hex(d.digest()));
  }

  private static byte[] directoryDigest(Path dir) {
    List<String> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
        String rel = dir.relativize(p).toString().replace(File.separatorChar, '/');
        files.add(rel + "\u0000" + hex(fileDigest(p)));
      }
    } catch (IOException e) {
      throw new MusketeerException("cannot read " + dir + " to measure the code (" + e.getMessage() + ")");
    }
    files.sort(null);
    MessageDigest d = sha256();
    for (String f : files) update(d, f);
    return d.digest();
  }

  private static byte[] fileDigest(Path file) {
    MessageDigest d = sha256();
    byte[] buf = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buf)) > 0) d.update(buf, 0, n);
    } catch (IOException e) {
      throw new MusketeerException("cannot read " + file + " to measure the code (" + e.getMessage() + ")");
    }
    return d.digest();
  }

  /** Length-prefixed, so no two lists of strings digest alike. */
  private static void update(MessageDigest d, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    d.update(new byte[] {(byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8), (byte) b.length});
    d.update(b);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
