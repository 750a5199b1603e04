package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.mpc.testkit.PartyProcesses;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * User errors end in one line on stderr and the documented exit code (1: the run could not be done,
 * 2: the command line is wrong, never 3), write nothing, start no process and leave none behind.
 * Grouped by the items of the newcomer review: output files, help, silent wrong answers, checks
 * before parties start, per-sample results, every option's mistakes.
 */
class CliErrorsTest {
  @TempDir Path dir;

  record Outcome(int code, String out, String err) {}

  static Outcome run(String... args) {
    PrintStream oldOut = System.out, oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    long before = ProcessHandle.current().descendants().count();
    try {
      var cl = Main.commandLine();
      cl.setErr(new java.io.PrintWriter(System.err, true));
      int code = cl.execute(args);
      return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
      assertEquals(before, ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count(), "no process left behind");
    }
  }

  /** One line on stderr starting "musketeer: ", naming every fragment, with the given exit code. */
  static void assertOneLineError(Outcome o, int code, String... fragments) {
    String err = o.err().strip();
    assertEquals(code, o.code(), "exit code; stderr: " + err);
    assertEquals(1, err.lines().count(), "exactly one line: " + err);
    assertTrue(err.startsWith("musketeer: "), err);
    assertFalse(err.contains("internal error"), err);
    for (String f : fragments) assertTrue(err.contains(f), "'" + f + "' in: " + err);
  }

  static void assertOneLineError(Outcome o, String... fragments) {
    assertOneLineError(o, Main.EXIT_USER_ERROR, fragments);
  }

  static void assertUsageError(Outcome o, String... fragments) {
    assertOneLineError(o, Main.EXIT_USAGE, fragments);
  }

  private Path demoInput(String name) {
    Path x = dir.resolve(name);
    Npy.write(x, randomTensor(Shape.of(1, 28, 28, 1), 1));
    return x;
  }

  static FloatTensor randomTensor(Shape s, double scale) {
    SplittableRandom rng = new SplittableRandom(3);
    float[] d = new float[s.size()];
    for (int i = 0; i < d.length; i++) d[i] = (float) (rng.nextDouble() * scale);
    return new FloatTensor(s, d);
  }

  private static String[] infer(Path input, Path output, String... more) {
    List<String> a = new ArrayList<>(List.of("infer", "--model", "builtin:demo", "--input", input.toString(), "--output", output.toString()));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  // ---- models and inputs ---------------------------------------------------------------------

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
  void aModelThatIsADirectory() {
    assertOneLineError(run("inspect", "--model", dir.toString()), "is a directory");
  }

  @Test
  void corruptOnnxFile() throws Exception {
    Path m = dir.resolve("m.onnx");
    Files.write(m, new byte[] {1, 2, 3});
    assertOneLineError(run("inspect", "--model", m.toString()), "m.onnx", "not a readable ONNX model");
  }

  @Test
  void unknownBuiltin() {
    assertUsageError(run("inspect", "--model", "builtin:alexnet"), "alexnet", "resnet50");
  }

  @Test
  void wrongInputShapeLeavesNoOutput() {
    Path x = dir.resolve("x.npy");
    Npy.write(x, FloatTensor.zeros(Shape.of(1, 5, 5, 1)));
    Path out = dir.resolve("logits.npy");
    assertOneLineError(run(infer(x, out)), "x.npy", "expects");
    assertFalse(Files.exists(out));
  }

  @Test
  void missingInputFile() {
    assertOneLineError(run("infer", "--model", "builtin:demo", "--input", dir.resolve("none.npy").toString()), "none.npy", "does not exist");
  }

  @Test
  void anInputThatIsADirectory() {
    assertOneLineError(run(infer(dir, dir.resolve("o.npy"))), "is a directory");
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
    assertEquals(0, run(infer(x, f)).code());
    assertEquals(0, run(infer(x, q, "--mode", "fixed")).code());
    float[] a = Npy.read(f).data(), b = Npy.read(q).data();
    for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 0.05, "logit " + i);
  }

  @Test
  void inspectPrintsMacs() {
    Outcome o = run("inspect", "--model", "builtin:demo");
    assertEquals(0, o.code(), o.err());
    assertTrue(o.out().contains("MACs:"), o.out());
  }

  // ---- 1. output files never destroy anything ------------------------------------------------

  @Test
  void anOutputThatIsTheInputIsRefusedAndTheInputSurvives() throws Exception {
    Path x = demoInput("x.npy");
    byte[] before = Files.readAllBytes(x);
    assertUsageError(run(infer(x, x)), "--output", "is also an input");
    // the same file by another name: a relative detour and a symbolic link
    assertUsageError(run(infer(x, dir.resolve("sub/../x.npy"))), "is also an input");
    Path link = Files.createSymbolicLink(dir.resolve("link.npy"), x);
    assertUsageError(run(infer(x, link)), "is also an input");
    Path hard = Files.createLink(dir.resolve("hard.npy"), x);
    assertUsageError(run(infer(x, hard)), "is also an input");
    assertArrayEquals(before, Files.readAllBytes(x));
  }

  @Test
  void anOutputThatIsADirectoryIsRefused() throws Exception {
    Path x = demoInput("x.npy");
    Path d = Files.createDirectory(dir.resolve("out"));
    assertUsageError(run(infer(x, d)), "is a directory");
    assertTrue(Files.isDirectory(d));
  }

  @Test
  void anOutputWhereNothingCanBeWrittenIsRefusedBeforeAnyWork() throws Exception {
    Path x = demoInput("x.npy");
    assertOneLineError(run(infer(x, dir.resolve("missing/o.npy"))), "directory", "does not exist");
    Path file = Files.writeString(dir.resolve("plain.txt"), "x");
    assertOneLineError(run(infer(x, file.resolve("o.npy"))), "cannot write");
    // /proc takes no new files, not even from root
    assertOneLineError(run(infer(x, Path.of("/proc/musketeer-test.npy"))), "cannot write", "/proc");
  }

  @Test
  void aReadOnlyDirectoryIsRefused() throws Exception {
    assumeTrue(!"root".equals(System.getProperty("user.name")), "root writes into read-only directories (checked through /proc above)");
    Path x = demoInput("x.npy");
    Path ro = Files.createDirectory(dir.resolve("ro"));
    Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      assertOneLineError(run(infer(x, ro.resolve("o.npy"))), "cannot write");
    } finally {
      Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  @Test
  void aPipeIsWrittenInPlaceNotReplaced() throws Exception {
    Path x = demoInput("x.npy");
    Path fifo = dir.resolve("fifo");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
      try {
        return Files.readAllBytes(fifo);
      } catch (java.io.IOException e) {
        throw new RuntimeException(e);
      }
    });
    Outcome o = run(infer(x, fifo));
    assertEquals(0, o.code(), o.err());
    byte[] got = read.get(30, TimeUnit.SECONDS);
    assertEquals((byte) 0x93, got[0], "the npy bytes went into the pipe");
    assertTrue(Files.readAttributes(fifo, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther(), "still a pipe");
  }

  @Test
  void aDeviceNodeIsWrittenInPlaceNotReplaced() throws Exception {
    Path x = demoInput("x.npy");
    Path node = dir.resolve("null-device");
    // a node of our own (major 1, minor 3 is the null device); only root may make one
    assumeTrue(new ProcessBuilder("mknod", node.toString(), "c", "1", "3").redirectErrorStream(true).start().waitFor() == 0, "mknod needs root");
    Outcome o = run(infer(x, node));
    assertEquals(0, o.code(), o.err());
    assertTrue(Files.readAttributes(node, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther(), "still a device");
    assertEquals(0, Files.size(node));
  }

  @Test
  void aLinkToARegularFileStaysALink() throws Exception {
    Path x = demoInput("x.npy");
    Path real = Files.writeString(dir.resolve("real.npy"), "old");
    Path link = Files.createSymbolicLink(dir.resolve("out.npy"), real);
    assertEquals(0, run(infer(x, link)).code());
    assertTrue(Files.isSymbolicLink(link));
    assertEquals(10, Npy.read(real).size());
  }

  @Test
  void outputAndReportPathsAreCheckedBeforeTheSecureRunStarts() throws Exception {
    Path x = demoInput("x.npy");
    long start = System.nanoTime();
    assertOneLineError(run("local", "--model", "builtin:demo", "--input", x.toString(), "--output", "/proc/o.npy"), "--output", "cannot write");
    assertOneLineError(run("local", "--model", "builtin:demo", "--input", x.toString(), "--report", dir.resolve("no/r.json").toString()),
        "--report", "does not exist");
    Path same = dir.resolve("same.json");
    assertUsageError(run("local", "--model", "builtin:demo", "--input", x.toString(), "--output", same.toString(), "--report", same.toString()),
        "name the same file");
    assertOneLineError(run("bench", "--model", "builtin:demo", "--report", "/proc/r.json"), "--report", "cannot write");
    // a client that could not write its output fails before connecting (no peer is listening here)
    Path peers = PartyProcesses.peersFile(dir);
    assertOneLineError(run("run", "--role", "client", "--model", "builtin:demo", "--peers", peers.toString(), "--input", x.toString(),
        "--output", "/proc/o.npy"), "cannot write");
    assertUsageError(run("run", "--role", "helper", "--model", "builtin:demo", "--peers", peers.toString(), "--report", dir.toString()),
        "is a directory");
    assertTrue(System.nanoTime() - start < 30_000_000_000L, "all refused at once, none after a secure run");
    assertFalse(Files.exists(same));
  }

  @Test
  void stripRefusesToOverwriteItsModel() throws Exception {
    Path full = dir.resolve("demo.pb");
    io.musketeer.models.SyntheticModels.writeTo(full, "demo", Models.BUILTIN_SEED);
    byte[] before = Files.readAllBytes(full);
    assertUsageError(run("strip", "--model", full.toString(), "--output", full.toString()), "is also an input");
    assertArrayEquals(before, Files.readAllBytes(full));
  }

  // ---- 2. help ---------------------------------------------------------------------------------

  @Test
  void everyCommandPrintsItsUsageForHelpAndH() {
    for (String cmd : Main.commandLine().getSubcommands().keySet()) {
      if (cmd.equals("help")) continue;
      for (String flag : new String[] {"--help", "-h"}) {
        Outcome o = run(cmd, flag);
        assertEquals(0, o.code(), cmd + " " + flag + ": " + o.err());
        assertTrue(o.out().startsWith("Usage: musketeer " + cmd), cmd + " " + flag + ": " + o.out());
        assertEquals("", o.err(), cmd + " " + flag);
      }
      Outcome help = run("help", cmd);
      assertEquals(0, help.code());
      assertTrue(help.out().startsWith("Usage: musketeer " + cmd), help.out());
    }
  }

  @Test
  void bareMusketeerPrintsUsage() {
    Outcome o = run();
    assertEquals(0, o.code());
    assertTrue(o.out().startsWith("Usage: musketeer"), o.out());
    for (String cmd : new String[] {"demo", "infer", "local", "run", "help"}) assertTrue(o.out().contains(cmd), cmd);
  }

  @Test
  void hintsNameTheRightCommand() {
    assertUsageError(run("infer", "--model", "builtin:demo"), "(see: musketeer infer --help)");
    assertUsageError(run("--bogus"), "(see: musketeer --help)");
    assertUsageError(run("bench", "--model", "builtin:demo", "--runs", "0"), "(see: musketeer bench --help)");
  }

  // ---- 3. no silent wrong answers ---------------------------------------------------------------

  @Test
  void nanOrInfinityInAnInputIsRefused() {
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
      FloatTensor t = randomTensor(Shape.of(1, 28, 28, 1), 1);
      t.data()[100] = bad;
      Path x = dir.resolve("bad.npy");
      Npy.write(x, t);
      Path out = dir.resolve("o.npy");
      assertOneLineError(run(infer(x, out)), "element 100", Float.toString(bad));
      assertOneLineError(run(infer(x, out, "--mode", "fixed")), "element 100");
      assertFalse(Files.exists(out));
    }
  }

  @Test
  void preprocessingValuesThatCannotBeRightAreRefused() throws Exception {
    Path img = image(28, 28);
    Path out = dir.resolve("o.npy");
    assertUsageError(run(infer(img, out, "--std", "0")), "--std", "positive");
    assertUsageError(run(infer(img, out, "--std", "-1")), "--std");
    assertUsageError(run(infer(img, out, "--mean", "NaN")), "--mean");
    assertUsageError(run(infer(img, out, "--channels", "rgba")), "--channels");
    assertUsageError(run(infer(img, out, "--channels", "rgb")), "--channels rgb gives 3");
    assertUsageError(run(infer(img, out, "--range", "0..2")), "--range");
    assertUsageError(run(infer(img, out, "--layout", "hwc")), "--layout");
    assertEquals(0, run(infer(img, out, "--std", "0.5", "--mean", "0.1")).code());
  }

  @Test
  void preprocessingOptionsWithAnArrayInputAreRefused() {
    Path x = demoInput("x.npy");
    Path out = dir.resolve("o.npy");
    for (String[] flag : new String[][] {{"--mean", "0.5"}, {"--std", "2"}, {"--range", "0..255"}, {"--channels", "gray"}, {"--layout", "nchw"}}) {
      assertUsageError(run(infer(x, out, flag)), flag[0], "image inputs only", "x.npy");
    }
    assertFalse(Files.exists(out));
  }

  @Test
  void fixedPointOverflowIsReportedWithItsLayer() {
    Path x = dir.resolve("huge.npy");
    Npy.write(x, randomTensor(Shape.of(1, 28, 28, 1), 1e12));
    Path out = dir.resolve("o.npy");
    assertOneLineError(run(infer(x, out, "--mode", "fixed")), "fixed-point overflow at node '", "(Conv2D, scale 24)");
    assertFalse(Files.exists(out));
    // the float reference has no such limit
    assertEquals(0, run(infer(x, out)).code());
  }

  @Test
  void aSecureRunRefusesScalesThatCorruptTruncation() {
    Path x = demoInput("x.npy");
    assertUsageError(run("local", "--model", "builtin:demo", "--input", x.toString(), "--scale", "30"), "--scale 30", "probability");
    assertUsageError(run("run", "--role", "helper", "--model", "builtin:demo", "--peers", "p.conf", "--scale", "21"), "--scale 21");
    assertUsageError(run("demo", "--scale", "25"), "--scale 25");
    assertUsageError(run("infer", "--model", "builtin:demo", "--input", x.toString(), "--scale", "31"), "--scale must be in 1..30");
    assertUsageError(run("infer", "--model", "builtin:demo", "--input", x.toString(), "--scale", "0"), "--scale");
    // in the clear the run is exact; the warning names what a secure run on this input would risk
    Outcome o = run(infer(x, dir.resolve("o.npy"), "--mode", "fixed", "--scale", "30"));
    assertEquals(0, o.code(), o.err());
    assertTrue(o.err().contains("warning: a secure run on this input at --scale 30 would corrupt"), o.err());
  }

  @Test
  void aClientInputTooLargeForTheScaleIsRefusedBeforeSharing() {
    Path x = dir.resolve("huge.npy");
    Npy.write(x, randomTensor(Shape.of(1, 28, 28, 1), 1e12));
    assertOneLineError(run("local", "--model", "builtin:demo", "--input", x.toString()), "huge.npy", "at --scale 12 a secure run takes |x| <");
    Path peers = dir.resolve("peers.conf");
    assertOneLineError(run("run", "--role", "client", "--model", "builtin:demo", "--peers", writePeers(peers), "--input", x.toString(),
        "--output", dir.resolve("o.npy").toString()), "at --scale 12 a secure run takes");
  }

  private static String writePeers(Path file) {
    try {
      return PartyProcesses.peersFile(file.getParent()).toString();
    } catch (java.io.IOException e) {
      throw new RuntimeException(e);
    }
  }

  @Test
  void aWeightFreeModelIsRefusedWhereWeightsAreNeeded() throws Exception {
    Path full = dir.resolve("demo.pb"), stripped = dir.resolve("public.pb");
    io.musketeer.models.SyntheticModels.writeTo(full, "demo", Models.BUILTIN_SEED);
    assertEquals(0, run("strip", "--model", full.toString(), "--output", stripped.toString()).code());
    Path x = demoInput("x.npy");
    Path peers = PartyProcesses.peersFile(dir);
    assertOneLineError(run("run", "--role", "server", "--model", stripped.toString(), "--peers", peers.toString()),
        "public.pb", "weight-free copy", "musketeer strip", "the original model");
    assertOneLineError(run("infer", "--model", stripped.toString(), "--input", x.toString()), "weight-free copy");
    assertOneLineError(run("local", "--model", stripped.toString(), "--input", x.toString()), "weight-free copy", "the server needs");
    assertOneLineError(run("demo", "--model", stripped.toString()), "weight-free copy");
    // the parties without weights take it (SecureProcessesTest runs them)
    assertEquals(0, run("inspect", "--model", stripped.toString()).code());
    // a copy stripped without the mark (an older strip, or by hand) earns a warning that names the risk
    var def = org.tensorflow.proto.GraphDef.parseFrom(Files.readAllBytes(stripped)).toBuilder();
    for (int i = 0; i < def.getNodeCount(); i++) def.setNode(i, def.getNode(i).toBuilder().removeAttr(StripCommand.MARK));
    Path unmarked = dir.resolve("unmarked.pb");
    Files.write(unmarked, def.build().toByteArray());
    Outcome o = run("infer", "--model", unmarked.toString(), "--input", x.toString(), "--output", dir.resolve("o.npy").toString());
    assertEquals(0, o.code(), o.err());
    assertTrue(o.err().contains("warning: every weight of model " + unmarked + " is 1"), o.err());
    assertFalse(run("infer", "--model", full.toString(), "--input", x.toString(), "--output", dir.resolve("o.npy").toString()).err().contains("warning"));
  }

  // ---- 4. local and demo check before they start parties ---------------------------------------

  @Test
  void localChecksEverythingBeforeStartingParties() throws Exception {
    Path x = demoInput("x.npy");
    Path wrong = dir.resolve("wrong.npy");
    Npy.write(wrong, FloatTensor.zeros(Shape.of(1, 27, 28, 1)));
    long start = System.nanoTime();
    assertOneLineError(run("local", "--model", "builtin:demo", "--input", dir.resolve("none.npy").toString()), "does not exist");
    assertOneLineError(run("local", "--model", "builtin:demo", "--input", wrong.toString()), "wrong.npy", "expects");
    assertUsageError(run("local", "--model", "builtin:demo", "--input", x.toString(), "--protocol", "telepathy"), "unknown comparison protocol 'telepathy'");
    assertOneLineError(run("local", "--model", dir.resolve("none.pb").toString(), "--input", x.toString()), "none.pb");
    assertUsageError(run("local", "--model", "builtin:demo", "--input", x.toString(), "--batch", "0"), "--batch");
    assertOneLineError(run("demo", "--model", dir.resolve("none.pb").toString()), "none.pb");
    assertTrue(System.nanoTime() - start < 30_000_000_000L, "no connect timeout waited");
  }

  @Test
  void demoRunsAModelFileOfAnyInputShape() throws Exception {
    // a file model (not the built-in default) with its own input shape
    Path model = dir.resolve("demo.pb");
    io.musketeer.models.SyntheticModels.writeTo(model, "demo", Models.BUILTIN_SEED);
    Outcome o = run("demo", "--model", model.toString());
    assertEquals(0, o.code(), o.err());
    assertTrue(o.out().contains("secure top-1: class"), o.out());
  }

  // ---- 5. per-sample results -------------------------------------------------------------------

  @Test
  void aBatchIsRankedPerSample() {
    Path x = dir.resolve("b.npy");
    Npy.write(x, randomTensor(Shape.of(4, 28, 28, 1), 1));
    Outcome o = run(infer(x, dir.resolve("o.npy"), "--batch", "4"));
    assertEquals(0, o.code(), o.err());
    for (int s = 0; s < 4; s++) assertTrue(o.out().contains("sample " + s + ":"), o.out());
    for (String line : o.out().lines().filter(l -> l.strip().startsWith("class")).toList()) {
      int cls = Integer.parseInt(line.strip().split("\\s+")[1]);
      assertTrue(cls < 10, "a class of a 10-class model, not an index into the flattened batch: " + line);
    }
  }

  @Test
  void topKRanksEachRowOnItsOwn() {
    FloatTensor t = new FloatTensor(Shape.of(3, 4), new float[] {0, 9, 1, 2, 5, 1, 1, 0, 0, 0, 0, 7});
    assertArrayEquals(new int[] {1, 0, 3}, TopK.top1(t));
    assertArrayEquals(new int[] {1}, TopK.top1(new FloatTensor(Shape.of(4), new float[] {0, 9, 1, 2})));
  }

  // ---- 7. every option's mistakes are one line, exit 1 or 2, never "internal error" ------------

  @Test
  void reviewedMistakesAreNotInternalErrors() throws Exception {
    Path x = demoInput("x.npy");
    Path peers = PartyProcesses.peersFile(dir);
    assertUsageError(run("run", "--role", "server", "--model", "builtin:demo", "--peers", peers.toString(), "--connect-timeout", "0"), "--connect-timeout");
    assertUsageError(run("bench", "--model", "builtin:demo", "--runs", "0"), "--runs");
    assertOneLineError(run("serve", "--role", "helper", "--model", "builtin:demo", "--peers", peers.toString(), "--plaintext", "--session-reports",
        dir.resolve("no-such-dir").toString()), "--session-reports", "not a directory");
    assertUsageError(run("strip", "--model", "builtin:demo", "--output", dir.resolve("s.pb").toString()), "need no stripping");
    assertUsageError(run("inspect", "--model", "builtin:demo", "--batch", "2000000000"), "--batch");
    assertOneLineError(run(infer(dir, dir.resolve("o.npy"))), "is a directory");
    Path img = image(224, 224);
    assertUsageError(run("infer", "--model", "builtin:squeezenet", "--input", img.toString(), "--mean", "1,2", "--output", dir.resolve("o.npy").toString()),
        "--mean has 2 values", "3 channel");
    Path same = dir.resolve("same.conf");
    Files.writeString(same, "client = 127.0.0.1:7000\nserver = 127.0.0.1:7001\nhelper = 127.0.0.1:7001\n");
    assertOneLineError(run("run", "--role", "server", "--model", "builtin:demo", "--peers", same.toString()), "line 3", "server's address");
    assertOneLineError(run("infer", "--model", "builtin:demo", "--input", npy(header(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, -28, 28, 1), }"), 0)
        .toString()), "negative dimension");
    assertOneLineError(run("infer", "--model", "builtin:demo", "--input", npy(header(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 28), }"), 0)
        .toString()), "too large");
    byte[] negativeHeader = header(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }");
    ByteBuffer.wrap(negativeHeader).order(ByteOrder.LITTLE_ENDIAN).putInt(8, -100);
    assertOneLineError(run("infer", "--model", "builtin:demo", "--input", npy(negativeHeader, 12).toString()), "not a valid .npy file");
  }

  /** Every option of every command, given a wrong value: one line, exit 1 or 2, nothing written. */
  @Test
  void sweepOfWrongOptionValues() throws Exception {
    Path x = demoInput("x.npy");
    Path out = dir.resolve("o.npy");
    Path peers = PartyProcesses.peersFile(dir);
    String m = "builtin:demo";
    String[][] cases = {
        {"demo", "--model", ""}, {"demo", "--model", "builtin:"}, {"demo", "--scale", "-3"}, {"demo", "--scale", "x"},
        {"inspect", "--model", m, "--batch", "-1"}, {"inspect", "--model", m, "--scale", "99"},
        {"infer", "--model", m, "--input", x.toString(), "--mode", "exact"}, {"infer", "--model", m, "--input", x.toString(), "--output", ""},
        {"infer", "--model", m, "--input", ""}, {"infer", "--model", m, "--input", x.toString(), "--batch", "70000"},
        {"eval", "--model", m, "--images", "0"}, {"eval", "--model", m, "--dataset", "cifar"}, {"eval", "--model", m, "--data", dir.resolve("no").toString()},
        {"eval", "--model", m, "--batch", "0"}, {"eval", "--model", m, "--secure", "--scale", "24"},
        {"local", "--model", m, "--input", x.toString(), "--protocol", ""}, {"local", "--model", m, "--input", x.toString(), "--output", dir.toString()},
        {"local", "--model", m, "--input", x.toString(), "--channels", "cmyk"},
        {"run", "--role", "", "--model", m, "--peers", peers.toString()}, {"run", "--role", "client", "--model", m, "--peers", peers.toString()},
        {"run", "--role", "server", "--model", m, "--peers", peers.toString(), "--input", x.toString()},
        {"run", "--role", "helper", "--model", m, "--peers", peers.toString(), "--output", out.toString()},
        {"run", "--role", "server", "--model", m, "--peers", dir.toString()}, {"run", "--role", "server", "--model", m, "--peers", x.toString()},
        {"run", "--role", "server", "--model", m, "--peers", peers.toString(), "--connect-timeout", "-5"},
        {"run", "--role", "server", "--model", m, "--peers", peers.toString(), "--connect-timeout", "999999999"},
        {"run", "--role", "server", "--model", m, "--peers", peers.toString(), "--protocol", "telepathy"},
        {"bench", "--model", m, "--runs", "-1"}, {"bench", "--model", m, "--protocol", "x"}, {"bench", "--model", m, "--scale", "22"},
        {"strip", "--model", dir.resolve("none.pb").toString(), "--output", out.toString()}, {"strip", "--model", x.toString(), "--output", out.toString()},
        {"strip", "--model", "builtin:resnet50", "--output", out.toString()},
        {"run", "--role", "server", "--model", m, "--peers", peers.toString(), "--plaintext", "--receive-timeout", "0"},
        {"run", "--role", "server", "--model", m, "--peers", peers.toString(), "--plaintext", "--listen", "nohost"},
        {"run", "--role", "server", "--model", m, "--peers", peers.toString()},
        {"local", "--model", m, "--input", x.toString(), "--receive-timeout", "-1"},
        {"local", "--model", m, "--input", x.toString(), "--comparison-batch", "5"}, {"bench", "--model", m, "--comparison-batch", "0"},
        {"run", "--role", "server", "--model", m, "--peers", peers.toString(), "--plaintext", "--comparison-batch", "2147483647"},
        {"measure", "--model", m, "--comparison-batch", "-4"},
        {"keygen", "--role", "boss", "--out", dir.toString()}, {"keygen", "--role", "client", "--out", x.toString()},
        {"keygen", "--role", "client", "--out", dir.toString(), "--days", "0"},
        {"help", "nope"},
    };
    for (String[] c : cases) {
      Outcome o = run(c);
      String what = String.join(" ", c) + " -> " + o.code() + ": " + o.err();
      assertTrue(o.code() == Main.EXIT_USER_ERROR || o.code() == Main.EXIT_USAGE, what);
      assertEquals(1, o.err().strip().lines().count(), what);
      assertFalse(o.err().contains("internal error"), what);
      assertFalse(Files.exists(out), what);
    }
  }

  /** Any corruption of a .npy file's bytes is either read or refused in one line, never a crash. */
  @Test
  void corruptNpyFilesAreOneLineErrors() throws Exception {
    byte[] good = Npy.bytes(randomTensor(Shape.of(2, 3), 1));
    SplittableRandom rng = new SplittableRandom(11);
    Path f = dir.resolve("c.npy");
    for (int trial = 0; trial < 2000; trial++) {
      byte[] b = good.clone();
      int edits = 1 + rng.nextInt(4);
      for (int e = 0; e < edits; e++) b[rng.nextInt(Math.min(b.length, 80))] = (byte) rng.nextInt(256);
      if (rng.nextInt(4) == 0) b = java.util.Arrays.copyOf(b, rng.nextInt(b.length));
      Files.write(f, b);
      try {
        Npy.read(f);
      } catch (io.musketeer.MusketeerException expected) {
        assertFalse(expected.getMessage().contains("\n"));
      }
    }
  }

  private static byte[] header(int version, String dict) {
    int pre = version == 1 ? 10 : 12;
    String h = dict + " ".repeat((64 - (pre + dict.length() + 1) % 64) % 64) + "\n";
    ByteBuffer bb = ByteBuffer.allocate(pre + h.length()).order(ByteOrder.LITTLE_ENDIAN);
    bb.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) version).put((byte) 0);
    if (version == 1) bb.putShort((short) h.length());
    else bb.putInt(h.length());
    bb.put(h.getBytes(StandardCharsets.ISO_8859_1));
    return bb.array();
  }

  private Path npy(byte[] header, int dataBytes) throws Exception {
    Path f = dir.resolve("h" + header.length + "-" + dataBytes + "-" + System.nanoTime() + ".npy");
    Files.write(f, java.util.Arrays.copyOf(header, header.length + dataBytes));
    return f;
  }

  private Path image(int w, int h) throws Exception {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, (x * 7 + y * 13) * 0x010101 & 0xffffff);
    Path f = dir.resolve("img" + w + ".png");
    ImageIO.write(img, "png", f.toFile());
    return f;
  }
}
