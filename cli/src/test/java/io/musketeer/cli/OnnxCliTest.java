package io.musketeer.cli;

import static io.musketeer.importer.onnx.OnnxModel.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.importer.ImportOptions;
import io.musketeer.importer.onnx.OnnxModel;
import io.musketeer.importer.tf.TfOracle;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.ProgramHash;
import io.musketeer.models.Mnist;
import io.musketeer.testkit.SharedModels;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ONNX models through the command line: images into NCHW inputs, open batch axes, several outputs, strip, the three-process run. */
class OnnxCliTest {
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
      return new Outcome(cl.execute(args), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  private static void ok(Outcome o) {
    assertEquals(0, o.code(), o.err());
  }

  private String reluOut, sumOut;

  /** A model with an open batch axis and two outputs: Relu(x W + b) and the row sums of x. */
  private Path twoOutputModel() throws Exception {
    SplittableRandom r = new SplittableRandom(1);
    OnnxModel m = new OnnxModel(13);
    String x = m.input("features", -1, 6);
    String y = m.node("Relu", in(m.node("Gemm", in(x, m.weight(TfOracle.gaussian(r, 0.5, 6, 3)), m.weight(TfOracle.gaussian(r, 0.5, 3))))));
    String s = m.node("ReduceSum", in(x, m.ints(1)), "keepdims", 0);
    m.output(y).output(s);
    reluOut = y;
    sumOut = s;
    Path p = dir.resolve("two.onnx");
    Files.write(p, m.build().toByteArray());
    return p;
  }

  @Test
  void anOpenBatchAxisTakesTheInputsBatchAndEveryOutputIsWritten() throws Exception {
    Path model = twoOutputModel();
    Path x = dir.resolve("x.npy");
    FloatTensor batch = TfOracle.gaussian(new SplittableRandom(2), 1, 4, 6);
    Npy.write(x, batch);
    Path out = dir.resolve("out.npy");
    for (String mode : new String[] {"float", "fixed"}) {
      Outcome o = run("infer", "--model", model.toString(), "--input", x.toString(), "--output", out.toString(), "--mode", mode);
      ok(o);
      assertTrue(o.out().contains("out." + reluOut + ".npy") && o.out().contains("out." + sumOut + ".npy"), o.out());
      FloatTensor relu = Npy.read(dir.resolve("out." + reluOut + ".npy")), sums = Npy.read(dir.resolve("out." + sumOut + ".npy"));
      assertEquals(Shape.of(4, 3), relu.shape(), "an input of 4 rows to a [?, 6] model just runs");
      assertEquals(Shape.of(4), sums.shape());
      for (int i = 0; i < 4; i++) {
        float want = 0;
        for (int k = 0; k < 6; k++) want += batch.data()[i * 6 + k];
        assertEquals(want, sums.data()[i], mode.equals("float") ? 1e-5 : 2e-3);
      }
    }
    Path only = dir.resolve("only.npy");
    Outcome o = run("infer", "--model", model.toString(), "--input", x.toString(), "--output", only.toString(), "--output-node", sumOut);
    ok(o);
    assertEquals(Shape.of(4), Npy.read(only).shape(), "--output-node picks one output: " + o.out());
    // a TensorFlow graph with an open batch axis likewise (the MNIST MLP's Placeholder is [?, 784])
    Path mlp = SharedModels.require("mnist/mnist-mlp.pb");
    Path x4 = dir.resolve("x4.npy");
    Npy.write(x4, TfOracle.gaussian(new SplittableRandom(3), 0.3, 4, 784));
    ok(run("infer", "--model", mlp.toString(), "--input", x4.toString(), "--output", out.toString()));
    assertEquals(Shape.of(4, 10), Npy.read(out).shape());
  }

  @Test
  void anImageFillsAnNchwInputWithoutLayoutFlags() throws Exception {
    Path model = SharedModels.require("mnist/mnist-cnn.onnx");
    Mnist mnist = Mnist.load(SharedModels.require("mnist/" + Mnist.IMAGES).getParent());
    SharedModels.require("mnist/" + Mnist.LABELS);
    float[] pixels = mnist.images(0, 1);
    BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 28; y++)
      for (int x = 0; x < 28; x++) {
        int v = Math.round(pixels[y * 28 + x] * 255);
        img.setRGB(x, y, (v << 16) | (v << 8) | v);
      }
    Path png = dir.resolve("digit.png");
    ImageIO.write(img, "png", png.toFile());
    Path out = dir.resolve("logits.npy");
    ok(run("infer", "--model", model.toString(), "--input", png.toString(), "--output", out.toString()));
    Graph g = Models.load(model.toString(), ImportOptions.defaults());
    FloatTensor want = FloatInterpreter.run(g, Map.of("Input3", new FloatTensor(Shape.of(1, 1, 28, 28), pixels))).get(0);
    FloatTensor got = Npy.read(out);
    for (int i = 0; i < 10; i++) assertEquals(want.data()[i], got.data()[i], 1e-3, "logit " + i);
    assertEquals(mnist.label(0), OnnxModelsTest.argmax(got));
    // a compiled program keeps the input's layout: the same image, the same logits
    Path program = dir.resolve("cnn.mkp"), fromProgram = dir.resolve("program.npy"), fixed = dir.resolve("fixed.npy");
    ok(run("compile", "--model", model.toString(), "--output", program.toString()));
    ok(run("infer", "--model", program.toString(), "--input", png.toString(), "--output", fromProgram.toString(), "--mode", "fixed"));
    ok(run("infer", "--model", model.toString(), "--input", png.toString(), "--output", fixed.toString(), "--mode", "fixed"));
    assertArrayEquals(Npy.read(fixed).data(), Npy.read(fromProgram).data());
  }

  @Test
  void stripKeepsTheProgramHashAndDropsTheWeights() throws Exception {
    for (String m : new String[] {"mnist/mnist-cnn.onnx", "imagenet/squeezenet1.1-fp16.onnx"}) {
      Path full = SharedModels.require(m), stripped = dir.resolve("public.onnx");
      Outcome o = run("strip", "--model", full.toString(), "--output", stripped.toString());
      ok(o);
      assertTrue(Files.size(stripped) * 5 < Files.size(full), "the weights are gone: " + o.out());
      String a = ProgramHash.of(Compiler.compile(Models.load(full.toString(), ImportOptions.defaults()), 12), "p");
      String b = ProgramHash.of(Compiler.compile(Models.load(stripped.toString(), ImportOptions.defaults(), Models.Use.STRUCTURE), 12), "p");
      assertEquals(a, b, m + ": the weight-free model compiles to the server's program");
      Exception e = org.junit.jupiter.api.Assertions.assertThrows(io.musketeer.MusketeerException.class,
          () -> Models.load(stripped.toString(), ImportOptions.defaults()));
      assertTrue(e.getMessage().contains("weight-free"), "computing with the copy is refused: " + e.getMessage());
    }
  }

  @Test
  void squeezeNetRunsSecurelyAsThreeProcesses() {
    Path model = SharedModels.require("imagenet/squeezenet1.1-fp16.onnx"), kitten = SharedModels.require("imagenet/kitten_224.png");
    Path out = dir.resolve("secure.npy");
    Outcome o = run("local", "--model", model.toString(), "--input", kitten.toString(), "--channels", "bgr", "--range", "0..255",
        "--output", out.toString());
    ok(o);
    FloatTensor secure = Npy.read(out);
    assertEquals(281, OnnxModelsTest.argmax(secure), "tabby cat, securely: " + o.out());
    Graph g = Models.load(model.toString(), ImportOptions.defaults());
    Op.Input in = (Op.Input) g.node(g.inputs()[0]).op();
    FloatTensor x = new Preprocess("bgr", 255f, new float[0], new float[0], "auto", java.util.List.of()).load(kitten, in);
    FloatTensor fixed = FixedPointInterpreter.run(Compiler.compile(g, 12), Map.of(in.name(), x)).get(0);
    assertArrayEquals(OnnxModelsTest.top5(fixed), OnnxModelsTest.top5(secure), "the secure top-5 is the fixed-point one");
  }

  @Test
  void unsupportedOnnxOpIsOneLine() throws Exception {
    OnnxModel m = new OnnxModel(17);
    m.output(m.node("Erf", in(m.input("x", 1, 4))));
    assertOneLine(run("inspect", "--model", save(m, "erf.onnx").toString()), "Erf", "opset 17", "supported ops");
    // no extension: recognized as ONNX by its first byte
    assertTrue(run("inspect", "--model", save(m, "model").toString()).err().contains("unsupported ONNX op Erf"));
  }

  private Path save(OnnxModel m, String name) throws Exception {
    Path p = dir.resolve(name);
    Files.write(p, m.build().toByteArray());
    return p;
  }

  /** What a user's export can get wrong, through the command line: each one line, a non-zero exit, no stack trace. */
  @Test
  void badOnnxModelsAreOneLineAtTheCommandLine() throws Exception {
    OnnxModel old = new OnnxModel(6);
    old.output(old.node("Relu", in(old.input("x", 1, 4))));
    assertOneLine(run("inspect", "--model", save(old, "opset6.onnx").toString()), "opset 6", "7 to 21");

    OnnxModel open = new OnnxModel(13);
    open.output(open.node("Relu", in(open.input("image", -1, 3, -1, -1))));
    Path openDims = save(open, "open.onnx");
    assertOneLine(run("inspect", "--model", openDims.toString()), "'image'", "open dimension", "give an input");
    ok(run("inspect", "--model", openDims.toString(), "--input-shape", "1,3,8,8"));

    byte[] cnn = Files.readAllBytes(SharedModels.require("mnist/mnist-cnn.onnx"));
    Path truncated = dir.resolve("truncated.onnx");
    Files.write(truncated, java.util.Arrays.copyOf(cnn, cnn.length / 2));
    assertOneLine(run("infer", "--model", truncated.toString(), "--input", dir.resolve("none.npy").toString()), "truncated.onnx");
  }

  private static void assertOneLine(Outcome o, String... fragments) {
    assertTrue(o.code() != 0, "non-zero exit: " + o.out());
    String err = o.err().strip();
    assertEquals(1, err.lines().count(), err);
    assertTrue(err.startsWith("musketeer: ") && !err.contains("Exception"), err);
    for (String f : fragments) assertTrue(err.contains(f), "'" + f + "' in: " + err);
    System.out.println("OnnxCliTest: " + err);
  }
}
