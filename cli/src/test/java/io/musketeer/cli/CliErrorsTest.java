package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** User errors end in one line on stderr and a non-zero exit, and leave no output file behind. */
class CliErrorsTest {
  @TempDir Path dir;

  private record Outcome(int code, String out, String err) {}

  private static Outcome run(String... args) {
    PrintStream oldOut = System.out, oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      var cl = Main.commandLine();
      cl.setErr(new java.io.PrintWriter(System.err, true));
      int code = cl.execute(args);
      return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  private static void assertOneLineError(Outcome o, String... fragments) {
    assertTrue(o.code() != 0, "non-zero exit");
    String err = o.err().strip();
    assertEquals(1, err.lines().count(), "exactly one line: " + err);
    assertTrue(err.startsWith("musketeer: "), err);
    for (String f : fragments) assertTrue(err.contains(f), "'" + f + "' in: " + err);
  }

  @Test
  void missingModelFile() {
    assertOneLineError(run("inspect", "--model", dir.resolve("nope.pb").toString()), "nope.pb", "does not exist");
  }

  @Test
  void garbageModelFile() throws Exception {
    Path bad = dir.resolve("bad.pb");
    Files.write(bad, new byte[] {0x0a, (byte) 0xff, (byte) 0xff, 0x13, 0x37, 0x00, 0x42});
    assertOneLineError(run("inspect", "--model", bad.toString()), "bad.pb");
  }

  @Test
  void corruptOnnxFile() throws Exception {
    Path m = dir.resolve("m.onnx");
    Files.write(m, new byte[] {1, 2, 3});
    assertOneLineError(run("inspect", "--model", m.toString()), "m.onnx", "not a readable ONNX model");
  }

  @Test
  void unknownBuiltin() {
    assertOneLineError(run("inspect", "--model", "builtin:alexnet"), "alexnet", "resnet50");
  }

  @Test
  void wrongInputShapeLeavesNoOutput() {
    Path x = dir.resolve("x.npy");
    Npy.write(x, FloatTensor.zeros(Shape.of(1, 5, 5, 1)));
    Path out = dir.resolve("logits.npy");
    assertOneLineError(run("infer", "--model", "builtin:demo", "--input", x.toString(), "--output", out.toString()), "x.npy", "expects");
    assertFalse(Files.exists(out));
  }

  @Test
  void missingInputFile() {
    assertOneLineError(run("infer", "--model", "builtin:demo", "--input", dir.resolve("none.npy").toString()), "none.npy", "does not exist");
  }

  @Test
  void notAnImage() throws Exception {
    Path x = dir.resolve("x.png");
    Files.writeString(x, "hello");
    assertOneLineError(run("infer", "--model", "builtin:demo", "--input", x.toString()), "x.png");
  }

  @Test
  void badOptionIsAUsageError() {
    Outcome o = run("infer", "--model", "builtin:demo", "--input", "x.npy", "--bogus");
    assertEquals(Main.EXIT_USAGE, o.code());
    assertTrue(o.err().contains("--bogus"), o.err());
  }

  @Test
  void inferWritesLogitsAndFixedAgreesWithFloat() {
    Path x = dir.resolve("x.npy");
    Npy.write(x, FloatTensor.zeros(Shape.of(1, 28, 28, 1)));
    Path f = dir.resolve("f.npy"), q = dir.resolve("q.npy");
    assertEquals(0, run("infer", "--model", "builtin:demo", "--input", x.toString(), "--output", f.toString()).code());
    assertEquals(0, run("infer", "--model", "builtin:demo", "--input", x.toString(), "--mode", "fixed", "--output", q.toString()).code());
    float[] a = Npy.read(f).data(), b = Npy.read(q).data();
    for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 0.05, "logit " + i);
  }

  @Test
  void inspectPrintsMacs() {
    Outcome o = run("inspect", "--model", "builtin:demo");
    assertEquals(0, o.code(), o.err());
    assertTrue(o.out().contains("MACs:"), o.out());
  }
}
