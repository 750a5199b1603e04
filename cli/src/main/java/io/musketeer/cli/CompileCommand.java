package io.musketeer.cli;

import io.musketeer.MusketeerException;
import io.musketeer.compiler.Calibration;
import io.musketeer.compiler.Compiler;
import io.musketeer.compiler.Headroom;
import io.musketeer.compiler.Ranges;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.models.Mnist;
import io.musketeer.programfile.ProgramFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Compiles a model to a program file. With --calibrate, runs the float model on calibration inputs,
 * checks every candidate scale's headroom and truncation failure bound, runs the admissible ones in
 * fixed point and keeps the one whose top-1 agrees best with float; the program records the scale and
 * the per-layer bounds. Without it, compiles at --scale with the check that needs no data.
 */
@Command(name = "compile", mixinStandardHelpOptions = true, description = "Compile a model to a program file (scale chosen by calibration, or --scale); weights in a part only the server loads.")
final class CompileCommand implements Callable<Integer> {
  /** Samples per float run while calibrating, when the model takes a batch. */
  private static final int CALIBRATION_BATCH = 100;

  @Mixin ModelOptions model;
  @Mixin PreprocessOptions preprocess;

  @Option(names = "--calibrate", paramLabel = "DATA",
      description = "Calibration inputs: mnist (the MNIST test images), a directory of .npy files or images, or one .npy batch (samples along the first axis).")
  String calibrate;

  @Option(names = "--samples", defaultValue = "2000", paramLabel = "N", description = "Calibration samples to use, from the first (default: ${DEFAULT-VALUE}).")
  int samples;

  @Option(names = "--data", paramLabel = "DIR", description = "Directory of the MNIST files for --calibrate mnist (default: <models>/mnist).")
  Path data;

  @Option(names = "--margin", defaultValue = "" + Headroom.DEFAULT_MARGIN, paramLabel = "BITS",
      description = "Bits of headroom kept for inputs larger than the calibration's, also added to each layer's bound (default: ${DEFAULT-VALUE}).")
  int margin;

  @Option(names = "--failure-budget", defaultValue = "9.5367431640625E-7", paramLabel = "P",
      description = "Largest accepted chance per inference that a local truncation fails (default: 2^-20 = ${DEFAULT-VALUE}).")
  double failureBudget;

  @Option(names = "--output", required = true, paramLabel = "FILE", description = "Where to write the program (for the server: with weights).")
  Path output;

  @Option(names = "--public-output", paramLabel = "FILE", description = "Also write the weight-free part (for the client and the helper).")
  Path publicOutput;

  @Override
  public Integer call() {
    if (model.isProgram()) throw new MusketeerException(model.model + " is already a compiled program; give the model it was compiled from");
    checkOutputs();
    if (samples < 1) throw new MusketeerException("--samples must be positive, got " + samples);
    Calibration.Options options = Calibration.Options.defaults().withMargin(margin).withFailureBudget(failureBudget);
    // a program is for one inference of one sample unless --batch or --input-shape says otherwise (a
    // TensorFlow graph's declared batch is often the exporter's training batch); models that cannot
    // take batch 1 keep their own
    Graph one = model.batch == null && model.inputShape == null ? tryLoad(1) : null;
    Graph g = one != null ? one : model.load();
    Map<String, String> info = new LinkedHashMap<>();
    info.put("model", model.model.startsWith(Models.BUILTIN) ? model.model : String.valueOf(Path.of(model.model).getFileName()));
    Program program;
    if (calibrate == null) {
      program = Programs.compileChecked(g, model.scale);
      info.put("calibration", "none: scale " + model.scale + " given, checked without data; bounds unknown (63)");
      System.out.printf(Locale.ROOT, "compiled at scale %d without calibration (bounds unknown); give --calibrate DATA to choose the scale and bounds%n", model.scale);
    } else {
      program = calibrated(g, options, info);
    }
    ProgramFile.write(output, program, ProgramFile.Part.FULL, info);
    System.out.printf(Locale.ROOT, "wrote %s (program hash %s, %s)%n", output, ProgramFile.hash(program).substring(0, 16), size(output));
    if (publicOutput != null) {
      ProgramFile.write(publicOutput, program, ProgramFile.Part.WEIGHT_FREE, info);
      System.out.printf(Locale.ROOT, "wrote %s: the weight-free part for the client and the helper (%s)%n", publicOutput, size(publicOutput));
    }
    return 0;
  }

  private Program calibrated(Graph g, Calibration.Options options, Map<String, String> info) {
    Op.Input in = InferCommand.singleInput(g);
    int rows = in.shape().rank() > 0 ? in.shape().dim(0) : 1;
    int perSample = in.shape().size() / Math.max(1, rows);
    List<float[]> xs = samples(in, perSample);
    // float runs in batches where the model takes them; the program keeps the model's own batch
    Graph batched = g;
    int batch = rows;
    if (xs.size() >= CALIBRATION_BATCH && rows == 1 && !Integer.valueOf(CALIBRATION_BATCH).equals(model.batch)) {
      Graph wide = tryLoad(CALIBRATION_BATCH);
      if (wide != null && InferCommand.singleInput(wide).shape().dim(0) == CALIBRATION_BATCH) {
        batched = wide;
        batch = CALIBRATION_BATCH;
      }
    }
    int used = xs.size() / batch * batch;
    if (used == 0) throw new MusketeerException("calibration needs at least " + batch + " samples (the model's batch); " + calibrate + " gave " + xs.size());
    Op.Input bin = InferCommand.singleInput(batched);
    List<Map<String, FloatTensor>> batches = new ArrayList<>();
    for (int from = 0; from < used; from += batch) {
      float[] x = new float[bin.shape().size()];
      for (int k = 0; k < batch; k++) System.arraycopy(xs.get(from + k), 0, x, k * perSample, perSample);
      batches.add(Map.of(bin.name(), new FloatTensor(bin.shape(), x)));
    }
    System.out.printf(Locale.ROOT, "calibrating on %d samples of %s (float runs of %d), margin %d bits, failure budget %.3g per inference%n", used, calibrate,
        batch, options.margin(), options.failureBudget());
    Graph simplified = Compiler.standard().simplify(batched);
    Ranges ranges = Ranges.measure(simplified, batches, batch);
    int scale;
    String candidates = "";
    if (model.scaleGiven()) {
      scale = Calibration.at(simplified, ranges, model.scale, options).scale();
    } else {
      Calibration.Choice choice = Calibration.choose(simplified, ranges, batches, options);
      candidates = choice.summary();
      System.out.print(candidates);
      scale = choice.scale();
    }
    Graph simplifiedOwn = batched == g ? simplified : Compiler.standard().simplify(g);
    Calibration.Candidate chosen = Calibration.candidate(simplifiedOwn, ranges.on(simplifiedOwn), scale, options, null);
    if (!chosen.admissible()) throw new MusketeerException("scale " + scale + " fits the calibration batch but not the model's own: " + chosen.refusal());
    String table = chosen.report().table();
    System.out.print(table);
    System.out.printf(Locale.ROOT, "chosen scale: %d%s%n", scale, model.scaleGiven() ? " (as given, passed the headroom check)" : "");
    info.put("calibration", String.format(Locale.ROOT, "%s, %d samples; scale %d %s; margin %d bits (added to every bound k); failure budget %.3g per inference",
        calibrate, used, scale, model.scaleGiven() ? "given and checked" : "chosen by top-1 agreement with float", options.margin(), options.failureBudget()));
    info.put("calibrationTable", table);
    if (!candidates.isEmpty()) info.put("calibrationCandidates", candidates);
    return chosen.program();
  }

  private Graph tryLoad(int batch) {
    try {
      return model.loadWithBatch(batch);
    } catch (MusketeerException e) {
      return null; // the model has a fixed batch
    }
  }

  /** The calibration inputs, one flat array of {@code perSample} values each. */
  private List<float[]> samples(Op.Input in, int perSample) {
    List<float[]> out = new ArrayList<>();
    if (calibrate.equals("mnist")) {
      Path dir = data != null ? data : SharedData.models().resolve("mnist");
      if (!Files.isDirectory(dir)) throw new MusketeerException("MNIST directory " + dir + " does not exist" + (data == null ? " (give --data DIR)" : ""));
      Mnist mnist = Mnist.load(dir);
      if (perSample != mnist.rows() * mnist.cols()) {
        throw new MusketeerException("model input " + in.shape() + " does not take " + mnist.rows() + "x" + mnist.cols() + " MNIST images");
      }
      int n = Math.min(samples, mnist.count());
      float[] all = mnist.images(0, n);
      for (int i = 0; i < n; i++) out.add(java.util.Arrays.copyOfRange(all, i * perSample, (i + 1) * perSample));
      return out;
    }
    Path p = Path.of(calibrate);
    if (Files.isDirectory(p)) {
      List<Path> files;
      try (Stream<Path> s = Files.list(p)) {
        files = s.filter(CompileCommand::isSampleFile).sorted().toList();
      } catch (IOException e) {
        throw new MusketeerException("cannot list calibration directory " + p + ": " + e.getMessage());
      }
      if (files.isEmpty()) throw new MusketeerException("calibration directory " + p + " holds no .npy files or images");
      Shape one = oneSample(in.shape());
      Preprocess pre = preprocess.toPreprocess();
      for (Path f : files) {
        if (out.size() >= samples) break;
        FloatTensor t = f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy") ? Npy.read(f) : pre.load(f, new Op.Input(in.name(), one, in.layout()));
        split(t, f, perSample, in, out);
      }
      return out;
    }
    if (!Files.exists(p)) throw new MusketeerException("calibration data " + calibrate + " is neither mnist nor an existing directory or .npy file");
    if (!calibrate.toLowerCase(Locale.ROOT).endsWith(".npy")) throw new MusketeerException("calibration data " + calibrate + " must be mnist, a directory, or a .npy batch");
    split(Npy.read(p), p, perSample, in, out);
    return out;
  }

  private void split(FloatTensor t, Path file, int perSample, Op.Input in, List<float[]> out) {
    if (t.size() % perSample != 0 || t.size() == 0) {
      throw new MusketeerException("calibration file " + file + " has shape " + t.shape() + ", which is not a whole number of samples of the model input " + in.shape());
    }
    for (int k = 0; k < t.size() / perSample && out.size() < samples; k++) out.add(java.util.Arrays.copyOfRange(t.data(), k * perSample, (k + 1) * perSample));
  }

  private static Shape oneSample(Shape s) {
    int[] d = s.dims();
    if (d.length > 0) d[0] = 1;
    return Shape.of(d);
  }

  private static boolean isSampleFile(Path f) {
    String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
    return Files.isRegularFile(f) && (n.endsWith(".npy") || n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".bmp") || n.endsWith(".gif"));
  }

  private void checkOutputs() {
    Path modelPath = model.model.startsWith(Models.BUILTIN) ? null : Path.of(model.model);
    for (Path out : publicOutput == null ? List.of(output) : List.of(output, publicOutput)) {
      if (modelPath != null && same(out, modelPath)) throw new MusketeerException("--output " + out + " would overwrite the model; choose another file");
      if (Files.isDirectory(out)) throw new MusketeerException("--output " + out + " is a directory; give a file name");
    }
    if (publicOutput != null && same(output, publicOutput)) throw new MusketeerException("--output and --public-output must be different files");
  }

  private static boolean same(Path a, Path b) {
    try {
      if (Files.exists(a) && Files.exists(b)) return Files.isSameFile(a, b);
    } catch (IOException e) {
      // fall through to the name comparison
    }
    return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
  }

  private static String size(Path f) {
    try {
      return Units.bytes(Files.size(f));
    } catch (IOException e) {
      return "?";
    }
  }
}
