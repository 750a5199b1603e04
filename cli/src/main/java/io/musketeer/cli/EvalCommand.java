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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import io.musketeer.mpc.runtime.Protocols;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Accuracy on a test set: float, fixed point, optionally secure, and their top-1 agreement.")
final class EvalCommand implements Callable<Integer> {
  @Mixin ModelOptions model;

  @Option(names = "--dataset", defaultValue = "mnist", description = "Test set (default: ${DEFAULT-VALUE}; the only one so far).")
  String dataset;

  @Option(names = "--data", paramLabel = "DIR", description = "Directory of the dataset files (default: <models>/mnist).")
  Path data;

  @Option(names = "--images", defaultValue = "10000", paramLabel = "N", description = "How many test images, from the first (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(names = "--secure", description = "Also run securely (three parties in this JVM over an in-memory network).")
  boolean secure;

  @Option(names = "--protocol", defaultValue = Protocols.DEFAULT, description = "Comparison protocol of --secure (default: ${DEFAULT-VALUE}).")
  String protocol;

  @Override
  public Integer call() {
    if (!dataset.equals("mnist")) throw new UsageError("unknown --dataset '" + dataset + "' (only mnist so far)");
    if (images < 1) throw new UsageError("--images must be positive, got " + images);
    RunCommand.checkProtocol(protocol);
    model.check();
    if (secure) {
      String warning = Scales.checkSecure(model.effectiveScale());
      if (warning != null) System.err.println(warning);
    }
    Path dir = data != null ? data : SharedData.models().resolve("mnist");
    if (!Files.isDirectory(dir)) {
      throw new MusketeerException("dataset directory " + dir + (Files.exists(dir) ? " is not a directory" : " does not exist") + (data == null ? " (give --data DIR)" : ""));
    }
    Mnist mnist = Mnist.load(dir);
    int n = Math.min(images, mnist.count());
    int floatOk = 0, fixedOk = 0, secureOk = 0, fixedAgree = 0, secureAgree = 0;
    boolean compiled = model.isProgram();
    // a compiled program has its batch built in; a model is imported at --batch, else 500 where its batch
    // axis is open, else at its own batch
    Program fullProgram = compiled ? model.program(Models.Use.WEIGHTS, secure) : null;
    Graph full = compiled ? null : model.batch != null ? model.load() : model.loadWithDynamicBatch(500);
    int batch = InferCommand.singleInput(compiled ? fullProgram.graph() : full).shape().dim(0);
    if (!compiled) fullProgram = secure ? Programs.compileChecked(full, model.scale) : Compiler.compile(full, model.scale);
    int scale = fullProgram.fracBits();
    for (int from = 0; from < n; from += batch) {
      int b = Math.min(batch, n - from);
      // a compiled program's last batch is padded with blank images, whose rows are not counted
      int rows = compiled ? batch : b;
      Graph g = compiled || b == batch ? full : model.loadWithBatch(b);
      Program p = compiled || b == batch ? fullProgram : secure ? Programs.compileChecked(g, model.scale) : Compiler.compile(g, model.scale);
      Op.Input in = InferCommand.singleInput(p.graph());
      if (in.shape().size() != rows * mnist.rows() * mnist.cols()) {
        throw new MusketeerException("model input " + in.shape() + " does not take " + rows + " MNIST images of " + mnist.rows() + "x" + mnist.cols());
      }
      float[] pixels = java.util.Arrays.copyOf(mnist.images(from, b), in.shape().size());
      Map<String, FloatTensor> inputs = Map.of(in.name(), new FloatTensor(in.shape(), pixels));
      int[] f = TopK.top1(compiled ? Programs.runFloat(p, inputs).get(0) : FloatInterpreter.run(g, inputs).get(0));
      int[] q = TopK.top1(FixedPointInterpreter.run(p, inputs).get(0));
      int[] s = secure ? TopK.top1(InProcessRun.run(p, protocol, inputs).outputs().get(0)) : null;
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
    System.out.printf(Locale.ROOT, "fixed-point (scale %d):     %6.2f%% (%d/%d); top-1 agrees with float on %.2f%%%n", scale, 100.0 * fixedOk / n, fixedOk, n,
        100.0 * fixedAgree / n);
    if (secure) {
      System.out.printf(Locale.ROOT, "%-28s%6.2f%% (%d/%d); top-1 agrees with float on %.2f%%%n", "secure (" + protocol + "):", 100.0 * secureOk / n, secureOk, n,
          100.0 * secureAgree / n);
    }
    return 0;
  }
}
