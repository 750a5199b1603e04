package io.musketeer.cli;

import io.musketeer.MusketeerException;
import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.models.Mnist;
import io.musketeer.mpc.runtime.InProcessRun;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "eval", description = "Accuracy on a test set: float, fixed point, optionally secure, and their top-1 agreement.")
final class EvalCommand implements Callable<Integer> {
  @Mixin ModelOptions model;

  @Option(names = "--dataset", defaultValue = "mnist", description = "Test set (default: ${DEFAULT-VALUE}; the only one so far).")
  String dataset;

  @Option(names = "--data", paramLabel = "DIR", description = "Directory of the dataset files (default: <models>/mnist).")
  Path data;

  @Option(names = "--images", defaultValue = "10000", description = "How many test images, from the first (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(names = "--secure", description = "Also run securely (three parties in this JVM over an in-memory network).")
  boolean secure;

  @Override
  public Integer call() {
    if (!dataset.equals("mnist")) throw new MusketeerException("unknown dataset '" + dataset + "' (only mnist so far)");
    Mnist mnist = Mnist.load(data != null ? data : SharedData.models().resolve("mnist"));
    int n = Math.min(images, mnist.count());
    if (n < 1) throw new MusketeerException("--images must be positive");
    // images per run: --batch, else 500 where the model's batch axis is open, else the model's own batch
    Graph full = model.batch != null ? model.load() : model.loadWithDynamicBatch(500);
    int batch = ((Op.Input) full.node(full.inputs()[0]).op()).shape().dim(0);
    int floatOk = 0, fixedOk = 0, secureOk = 0, fixedAgree = 0, secureAgree = 0;
    Program fullProgram = Compiler.compile(full, model.scale);
    for (int from = 0; from < n; from += batch) {
      int b = Math.min(batch, n - from);
      Graph g = b == batch ? full : model.loadWithBatch(b);
      Program p = b == batch ? fullProgram : Compiler.compile(g, model.scale);
      Op.Input in = (Op.Input) g.node(g.inputs()[0]).op();
      if (in.shape().size() != b * mnist.rows() * mnist.cols()) {
        throw new MusketeerException("model input " + in.shape() + " does not take " + b + " MNIST images of " + mnist.rows() + "x" + mnist.cols());
      }
      Map<String, FloatTensor> inputs = Map.of(in.name(), new FloatTensor(in.shape(), mnist.images(from, b)));
      int[] f = top1(FloatInterpreter.run(g, inputs).get(0), b);
      int[] q = top1(FixedPointInterpreter.run(p, inputs).get(0), b);
      int[] s = secure ? top1(InProcessRun.run(p, "porthos", inputs).outputs().get(0), b) : null;
      for (int i = 0; i < b; i++) {
        int label = mnist.label(from + i);
        if (f[i] == label) floatOk++;
        if (q[i] == label) fixedOk++;
        if (q[i] == f[i]) fixedAgree++;
        if (s != null) {
          if (s[i] == label) secureOk++;
          if (s[i] == f[i]) secureAgree++;
        }
      }
    }
    System.out.printf(Locale.ROOT, "images: %d%n", n);
    System.out.printf(Locale.ROOT, "float accuracy:             %6.2f%% (%d/%d)%n", 100.0 * floatOk / n, floatOk, n);
    System.out.printf(Locale.ROOT, "fixed-point (scale %d):     %6.2f%% (%d/%d); top-1 agrees with float on %.2f%%%n", model.scale, 100.0 * fixedOk / n, fixedOk, n,
        100.0 * fixedAgree / n);
    if (secure) {
      System.out.printf(Locale.ROOT, "secure (porthos):           %6.2f%% (%d/%d); top-1 agrees with float on %.2f%%%n", 100.0 * secureOk / n, secureOk, n,
          100.0 * secureAgree / n);
    }
    return 0;
  }

  /** Argmax of each row of a [b, classes] output. */
  static int[] top1(FloatTensor logits, int b) {
    int classes = logits.size() / b;
    int[] out = new int[b];
    float[] v = logits.data();
    for (int i = 0; i < b; i++) {
      int best = 0;
      for (int c = 1; c < classes; c++) if (v[i * classes + c] > v[i * classes + best]) best = c;
      out[i] = best;
    }
    return out;
  }
}
