package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.ir.ProgramHash;
import io.musketeer.models.Mnist;
import io.musketeer.programfile.ProgramFile;
import io.musketeer.testkit.SharedModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** compile --calibrate on the trained MNIST MLP, and the program file in the commands that take a model. */
class CompileCommandTest {
  @TempDir Path dir;

  record Outcome(int code, String out, String err) {}

  static Outcome run(String... args) {
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

  static void assertOneLineError(Outcome o, String... fragments) {
    assertTrue(o.code() != 0, "non-zero exit");
    String err = o.err().strip();
    assertEquals(1, err.lines().count(), "exactly one line: " + err);
    for (String f : fragments) assertTrue(err.contains(f), "'" + f + "' in: " + err);
  }

  private static double percent(String out, String label) {
    Matcher m = Pattern.compile(Pattern.quote(label) + "[^\\n]*?([0-9.]+)% \\(").matcher(out);
    assertTrue(m.find(), label + " in: " + out);
    return Double.parseDouble(m.group(1));
  }

  @Test
  void calibratedProgramMatchesFloatAndEveryCommandTakesIt() throws Exception {
    Path model = SharedModels.require("mnist/mnist-mlp.pb");
    Path full = dir.resolve("mlp.mkp"), pub = dir.resolve("mlp.public.mkp");
    Outcome c = run("compile", "--model", model.toString(), "--calibrate", "mnist", "--samples", "500", "--output", full.toString(),
        "--public-output", pub.toString());
    assertEquals(0, c.code(), c.err());
    assertTrue(c.out().contains("max |x|") && c.out().contains("headroom") && c.out().contains("fail/inf"), "the per-layer table: " + c.out());
    assertTrue(c.out().contains("<- chosen"), c.out());
    Program p = ProgramFile.read(full, true).program();
    for (int i = 0; i < p.graph().size(); i++) {
      if (p.graph().node(i).op() instanceof Op.Relu) assertTrue(p.bound(i) < Program.UNBOUNDED, "a calibrated ReLU has a bound");
    }
    // the weight-free part: the same program hash, no weights
    Program weightFree = ProgramFile.read(pub, false).program();
    assertEquals(ProgramHash.of(p, "porthos"), ProgramHash.of(weightFree, "porthos"));
    assertTrue(Files.size(pub) * 50 < Files.size(full), "the weights stay out of the public part");

    Outcome e = run("eval", "--model", full.toString(), "--images", "2000");
    assertEquals(0, e.code(), e.err());
    double floatAcc = percent(e.out(), "float accuracy:"), fixedAcc = percent(e.out(), "fixed-point (scale " + p.fracBits() + "):");
    assertTrue(Math.abs(floatAcc - fixedAcc) <= 0.1, e.out());

    Outcome i = run("inspect", "--model", pub.toString());
    assertEquals(0, i.code(), i.err());
    assertTrue(i.out().contains("calibrationTable:") && i.out().contains("scale " + p.fracBits()), i.out());
    assertTrue(i.out().contains("live shares at the client and the server: at most"), i.out());

    Mnist mnist = Mnist.load(model.getParent());
    Path x = dir.resolve("x.npy");
    Npy.write(x, new FloatTensor(Shape.of(1, 784), mnist.images(3, 1)));
    Outcome f = run("infer", "--model", full.toString(), "--input", x.toString(), "--mode", "fixed", "--output", dir.resolve("o.npy").toString());
    assertEquals(0, f.code(), f.err());

    Path stripped = dir.resolve("stripped.mkp");
    assertEquals(0, run("strip", "--model", full.toString(), "--output", stripped.toString()).code());
    assertEquals(ProgramFile.read(pub, false).hash(), ProgramFile.read(stripped, false).hash());

    // the secure run: the client and the helper read only the weight-free part of the same file
    Path out = dir.resolve("secure.npy");
    LocalRun.execute(full.toString(), x, 12, "porthos", out, List.of(), List.of(), false, false);
    assertEquals(TopK.indices(Npy.read(dir.resolve("o.npy")).data(), 1)[0], TopK.indices(Npy.read(out).data(), 1)[0]);

    // bad uses, one line each
    assertOneLineError(run("infer", "--model", full.toString(), "--scale", "14", "--input", x.toString()), "compiled at scale " + p.fracBits(), "--scale 14");
    assertOneLineError(run("eval", "--model", pub.toString(), "--images", "10"), "weight-free part");
    assertOneLineError(run("compile", "--model", full.toString(), "--output", dir.resolve("again.mkp").toString()), "already a compiled program");
  }

  /**
   * The ONNX CNN (NCHW input) through calibration: the chosen scale's fixed-point accuracy within 0.1
   * points of float, the program keeps the input's NCHW layout, and a PNG runs on it as on the model.
   * (On all 10,000 test images: float 98.90%, fixed point at the chosen scale 8 98.92%; BENCHMARKS.md.)
   */
  @Test
  void calibratedOnnxCnnKeepsFloatAccuracyAndItsLayout() throws Exception {
    Path model = SharedModels.require("mnist/mnist-cnn.onnx");
    Path program = dir.resolve("cnn.mkp");
    Outcome c = run("compile", "--model", model.toString(), "--calibrate", "mnist", "--samples", "500", "--output", program.toString());
    assertEquals(0, c.code(), c.err());
    for (String column : new String[] {"max |x|", "headroom", "fail/inf", "<- chosen", "Conv2D", "MaxPool"}) {
      assertTrue(c.out().contains(column), "'" + column + "' in the table: " + c.out());
    }
    Program p = ProgramFile.read(program, true).program();
    Op.Input in = (Op.Input) p.graph().node(p.graph().inputs()[0]).op();
    assertEquals(Op.Layout.NCHW, in.layout(), "the program keeps the ONNX input's layout");
    assertArrayEquals(new int[] {1, 1, 28, 28}, in.shape().dims());

    Outcome e = run("eval", "--model", program.toString(), "--dataset", "mnist", "--images", "2000");
    assertEquals(0, e.code(), e.err());
    double floatAcc = percent(e.out(), "float accuracy:"), fixedAcc = percent(e.out(), "fixed-point (scale " + p.fracBits() + "):");
    assertTrue(Math.abs(floatAcc - fixedAcc) <= 0.1, "within 0.1 points of float: " + e.out());
    System.out.println("CompileCommandTest: ONNX CNN calibrated to scale " + p.fracBits() + "; " + e.out().replace('\n', ';'));

    // the refused scale on this model: one line, no program
    Path refused = dir.resolve("refused.mkp");
    assertOneLineError(run("compile", "--model", model.toString(), "--calibrate", "mnist", "--samples", "100", "--scale", "22", "--output",
        refused.toString()), "--scale 22 is refused by the headroom check");
    assertFalse(Files.exists(refused), "no program written");
  }

  @Test
  void aScaleTheHeadroomCheckRefusesIsAnError() {
    Path model = SharedModels.require("mnist/mnist-mlp.pb");
    Path out = dir.resolve("p.mkp");
    Outcome o = run("compile", "--model", model.toString(), "--calibrate", "mnist", "--samples", "200", "--scale", "24", "--output", out.toString());
    assertOneLineError(o, "--scale 24 is refused by the headroom check", "fail with probability");
    assertFalse(Files.exists(out), "no program written");
    // without calibration data, the check on weights alone refuses what no input survives
    assertOneLineError(run("compile", "--model", model.toString(), "--scale", "30", "--output", out.toString()), "--scale 30 is refused by the headroom check");
    assertOneLineError(run("compile", "--model", model.toString(), "--output", model.toString()), "would overwrite the model");
  }
}
