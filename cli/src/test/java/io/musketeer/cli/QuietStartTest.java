package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.mpc.testkit.PartyProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's way of starting java (scripts/jdk.sh, musketeer_exec_java) prints no JDK warning on
 * ordinary commands, local's three parties included, and still shows every line the CLI writes.
 */
class QuietStartTest {
  @TempDir Path dir;

  private record Result(int code, String out, String err) {}

  private Result launch(String... args) throws Exception {
    Path script = Path.of("..", "scripts", "jdk.sh").toAbsolutePath().normalize();
    List<String> cmd = new ArrayList<>(List.of("bash", "-c", ". \"$0\"; musketeer_exec_java \"$@\"", script.toString()));
    List<String> java = new ArrayList<>(PartyProcesses.java(args));
    // as the launcher: protobuf's use of sun.misc.Unsafe is allowed where JDK 24+ would warn about it
    if (Runtime.version().feature() >= 24) java.add(1, "--sun-misc-unsafe-memory-access=allow");
    cmd.addAll(java);
    Path out = dir.resolve("out.txt"), err = dir.resolve("err.txt");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    int code = PartyProcesses.waitFor(p, 180);
    return new Result(code, Files.readString(out), Files.readString(err));
  }

  @Test
  void helpAndErrorsCarryNoJdkWarning() throws Exception {
    Result help = launch("infer", "--help");
    assertEquals(0, help.code());
    assertEquals("", help.err());
    assertTrue(help.out().startsWith("Usage: musketeer infer"), help.out());

    Result error = launch("inspect", "--model", dir.resolve("nope.pb").toString());
    assertEquals(Main.EXIT_USER_ERROR, error.code());
    assertEquals("musketeer: error: model file " + dir.resolve("nope.pb") + " does not exist\n", error.err());
  }

  @Test
  void aLocalRunShowsNoJdkWarningFromAnyProcess() throws Exception {
    Path x = dir.resolve("x.npy");
    Npy.write(x, FloatTensor.zeros(Shape.of(1, 28, 28, 1)));
    Result r = launch("local", "--model", "builtin:demo", "--input", x.toString(), "--output", dir.resolve("o.npy").toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("top-5 (secure)"), r.out());
    assertFalse((r.out() + r.err()).contains("WARNING"), r.out() + r.err());
    assertTrue(r.err().contains("client: connected to both peers"), "the client's own stderr still shows: " + r.err());
  }
}
