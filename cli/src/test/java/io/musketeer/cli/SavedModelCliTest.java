package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.importer.tf.ImportOptions;
import io.musketeer.importer.tf.SavedModels;
import io.musketeer.ir.ProgramHash;
import io.musketeer.testkit.SharedModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A SavedModel directory is a model wherever one is taken: eval, infer, inspect, strip; its errors are one line. */
class SavedModelCliTest {
  @TempDir static Path dir;
  static Path model, pb;

  @BeforeAll
  static void export() throws Exception {
    pb = SharedModels.require("mnist/mnist-mlp.pb");
    model = dir.resolve("mnist_keras");
    SavedModels.mnistMlp(pb, model);
  }

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

  private static void assertOneLineError(Outcome o, String... fragments) {
    assertTrue(o.code() != 0, "non-zero exit");
    String err = o.err().strip();
    assertEquals(1, err.lines().count(), "exactly one line: " + err);
    for (String f : fragments) assertTrue(err.contains(f), "'" + f + "' in: " + err);
    System.out.println("SavedModelCliTest: " + err);
  }

  private static String accuracyLines(String out) {
    return out.lines().filter(l -> l.contains("accuracy") || l.contains("fixed-point")).reduce("", (a, b) -> a + b + "\n");
  }

  @Test
  void evalScoresTheSavedModelAsTheFrozenGraph() {
    Outcome saved = run("eval", "--model", model.toString(), "--images", "1000");
    assertEquals(0, saved.code(), saved.err());
    Outcome frozen = run("eval", "--model", pb.toString(), "--images", "1000");
    assertEquals(0, frozen.code(), frozen.err());
    assertTrue(saved.out().contains("float accuracy"), saved.out());
    assertEquals(accuracyLines(frozen.out()), accuracyLines(saved.out()));
  }

  @Test
  void secureEvalOfTheSavedModel() {
    Outcome o = run("eval", "--model", model.toString(), "--images", "100", "--batch", "100", "--secure");
    assertEquals(0, o.code(), o.err());
    String secure = o.out().lines().filter(l -> l.startsWith("secure")).findFirst().orElseThrow();
    System.out.println("SavedModelCliTest: " + secure.strip());
    double agreement = Double.parseDouble(secure.substring(secure.lastIndexOf(' ') + 1, secure.length() - 1));
    assertTrue(agreement >= 99, secure); // a rare one-ulp truncation error may flip a close call
  }

  @Test
  void inferTakesTheDirectoryOrItsSavedModelPb() {
    Path x = dir.resolve("x.npy");
    Npy.write(x, FloatTensor.zeros(Shape.of(1, 784)));
    String out = dir.resolve("logits.npy").toString();
    Outcome a = run("infer", "--model", model.toString(), "--input", x.toString(), "--output", out);
    Outcome b = run("infer", "--model", model.resolve("saved_model.pb").toString(), "--input", x.toString(), "--signature", "serving_default",
        "--output", out);
    assertEquals(0, a.code(), a.err());
    assertEquals(a.out(), b.out());
  }

  @Test
  void strippedSavedModelCompilesToTheSameProgram() throws Exception {
    Path pub = dir.resolve("public.pb");
    Outcome o = run("strip", "--model", model.toString(), "--output", pub.toString());
    assertEquals(0, o.code(), o.err());
    String server = ProgramHash.of(Compiler.compile(Models.load(model.toString(), ImportOptions.defaults()), 12), "");
    String others = ProgramHash.of(Compiler.compile(Models.load(pub.toString(), ImportOptions.defaults(), Models.Use.STRUCTURE), 12), "");
    assertEquals(server, others, "client and helper load the weight-free frozen graph; the program must be the server's");
    assertTrue(Files.size(pub) < 20_000, "no weights in " + Files.size(pub) + " bytes");
  }

  @Test
  void badSavedModelsEndInOneLine() throws Exception {
    assertOneLineError(run("inspect", "--model", model.toString(), "--signature", "predict"), "no signature 'predict'", "serving_default");
    Path empty = Files.createDirectories(dir.resolve("empty"));
    assertOneLineError(run("inspect", "--model", empty.toString()), "not a TensorFlow SavedModel");
    Path broken = dir.resolve("broken");
    for (Path p : Files.walk(model).toList()) {
      Path to = broken.resolve(model.relativize(p).toString());
      if (Files.isDirectory(p)) Files.createDirectories(to);
      else if (!p.getFileName().toString().endsWith(".index")) Files.copy(p, to);
    }
    assertOneLineError(run("inspect", "--model", broken.toString()), "variables.index is missing");
    assertOneLineError(run("eval", "--model", pb.toString(), "--signature", "logits", "--images", "10"), "--signature applies to SavedModels");
    Path keras = dir.resolve("model.keras");
    Files.write(keras, new byte[] {'P', 'K', 3, 4});
    assertOneLineError(run("inspect", "--model", keras.toString()), "Keras model file", "model.export");
  }
}
