package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.importer.tf.SavedModels;
import io.musketeer.models.Mnist;
import io.musketeer.mpc.net.Peers;
import io.musketeer.mpc.testkit.PartyProcesses;
import io.musketeer.testkit.SharedModels;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/TUTORIAL.md's {@code sh} blocks, run in order as one bash script in a directory holding the
 * tutorial's stand-ins (model.onnx, keras_model/, digit.png, calib.npy): every command must succeed.
 * A line ending in {@code # shell N} is one of several shells: all but the last of a block run in the
 * background; a {@code serve} is stopped once the block's other commands are done, a {@code run} must
 * end with 0. The peers file's ports are replaced by free ones.
 */
class TutorialTest {
  static final Path FILE = Path.of("..", "docs", "TUTORIAL.md");
  private static final Pattern BLOCK = Pattern.compile("(?ms)^```sh\\n(.*?)^```");
  private static final Pattern SHELL = Pattern.compile("^(.*?)\\s+#\\s*shell \\d.*$");

  @TempDir Path dir;

  @Test
  void everyShellBlockOfTheTutorialRuns() throws Exception {
    Path models = SharedModels.require("mnist/mnist-cnn.onnx").getParent();
    SharedModels.require("mnist/" + Mnist.IMAGES);
    SharedModels.require("mnist/" + Mnist.LABELS);
    Files.copy(models.resolve("mnist-cnn.onnx"), dir.resolve("model.onnx"));
    SavedModels.mnistMlp(SharedModels.require("mnist/mnist-mlp.pb"), dir.resolve("keras_model"));
    Mnist mnist = Mnist.load(models);
    writeDigit(mnist.images(0, 1), dir.resolve("digit.png"));
    Npy.write(dir.resolve("calib.npy"), new FloatTensor(Shape.of(500, 784), mnist.images(0, 500)));

    List<String> blocks = blocks(Files.readString(FILE));
    assertTrue(blocks.size() >= 8, "the tutorial's sh blocks: " + blocks.size());
    Path script = dir.resolve("tutorial.sh");
    Files.writeString(script, script(blocks));
    Path log = dir.resolve("tutorial.log");
    ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("MUSKETEER_MODELS", models.getParent().toAbsolutePath().toString());
    int code = PartyProcesses.waitFor(pb.start(), 900);
    String out = Files.readString(log);
    System.out.println("TutorialTest: the tutorial's commands and their output:\n" + out);
    assertEquals(0, code, "the tutorial's commands must all succeed:\n" + out);
    assertTrue(out.contains("<- chosen") && out.contains("top-5 (secure)"), out);
    assertEquals(mnist.label(0), TopK.indices(Npy.read(dir.resolve("output.npy")).data(), 1)[0], "the secure run classifies the digit");
  }

  static List<String> blocks(String markdown) {
    List<String> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(markdown);
    while (m.find()) out.add(m.group(1));
    return out;
  }

  /** One bash script: ./musketeer is this build's command line in a fresh JVM; shells as the class comment says. */
  private static String script(List<String> blocks) throws Exception {
    // a failing command ends the script; no party may outlive it
    StringBuilder sb = new StringBuilder("set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n");
    StringBuilder java = new StringBuilder();
    List<String> javaCommand = new ArrayList<>(PartyProcesses.java());
    if (Runtime.version().feature() >= 24) javaCommand.add(1, "--sun-misc-unsafe-memory-access=allow"); // as the launcher
    for (String a : javaCommand) java.append('\'').append(a.replace("'", "'\\''")).append("' ");
    sb.append("musketeer() { ").append(java).append("\"$@\"; }\n");
    sb.append("musketeer_bg() { exec ").append(java).append("\"$@\"; }\n");
    String[] ports = Arrays.stream(Peers.freeLoopbackPorts(3)).mapToObj(String::valueOf).toArray(String[]::new);
    for (String block : blocks) {
      List<String> lines = block.lines().toList();
      int lastShell = -1;
      for (int i = 0; i < lines.size(); i++) if (SHELL.matcher(lines.get(i)).matches()) lastShell = i;
      sb.append("runs=(); serves=()\n");
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i).replace(":7000", ":" + ports[0]).replace(":7001", ":" + ports[1]).replace(":7002", ":" + ports[2]);
        sb.append("echo '$ ").append(lines.get(i).replace("'", "'\\''")).append("'\n");
        Matcher shell = SHELL.matcher(line);
        if (shell.matches() && i != lastShell) {
          String cmd = shell.group(1).replace("./musketeer ", "musketeer_bg ");
          sb.append(cmd).append(" &\n").append(cmd.contains(" serve ") ? "serves+=($!)\n" : "runs+=($!)\n");
        } else {
          sb.append((shell.matches() ? shell.group(1) : line).replace("./musketeer ", "musketeer ")).append('\n');
        }
      }
      sb.append("for p in \"${runs[@]}\"; do wait \"$p\"; done\n");
      sb.append("for p in \"${serves[@]}\"; do kill \"$p\"; wait \"$p\" || true; done\n");
    }
    return sb.toString();
  }

  private static void writeDigit(float[] pixels, Path png) throws Exception {
    BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 28; y++)
      for (int x = 0; x < 28; x++) {
        int v = Math.round(pixels[y * 28 + x] * 255);
        img.setRGB(x, y, (v << 16) | (v << 8) | v);
      }
    ImageIO.write(img, "png", png.toFile());
  }
}
