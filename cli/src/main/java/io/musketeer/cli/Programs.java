package io.musketeer.cli;

import io.musketeer.MusketeerException;
import io.musketeer.compiler.Compiler;
import io.musketeer.compiler.Headroom;
import io.musketeer.core.FloatTensor;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.programfile.ProgramFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A --model that is a compiled program file (what {@code musketeer compile} writes), or a model compiled
 * on the spot. A program on the spot has no calibration: its --scale passes the headroom check that
 * needs no data ({@link Headroom#checkStatic}), which refuses scales that break on any ordinary input;
 * the cleartext fixed-point interpreter checks the actual values of each run, and {@code compile
 * --calibrate} checks ranges measured on data and writes the bounds.
 */
final class Programs {
  private Programs() {}

  static boolean isProgram(String spec) {
    return !spec.startsWith(Models.BUILTIN) && ProgramFile.isProgramFile(Path.of(spec));
  }

  /**
   * The program file's program.
   *
   * @param use what the caller does with the weights: {@code WEIGHTS} reads them (a weight-free part is
   *     refused); {@code STRUCTURE} does not read them; {@code STRUCTURE_FOR_SERVER} does not read them
   *     but refuses a weight-free part, which the server it starts could not run
   * @param scaleGiven whether --scale was given: a compiled program's scale is fixed, so a different one is an error
   */
  static Program read(String spec, Models.Use use, boolean scaleGiven, int scale) {
    ProgramFile.Loaded loaded = ProgramFile.read(Path.of(spec), use == Models.Use.WEIGHTS);
    if (use == Models.Use.STRUCTURE_FOR_SERVER && !loaded.hasWeights()) {
      throw new MusketeerException(spec + " is the weight-free part of a program (for the client and the helper); the server needs the full program that 'musketeer compile' wrote");
    }
    Program p = loaded.program();
    if (scaleGiven && scale != p.fracBits()) {
      throw new MusketeerException(spec + " is a program compiled at scale " + p.fracBits() + "; --scale " + scale
          + " does not apply to it (drop --scale, or compile the model again at that scale)");
    }
    return p;
  }

  /** Compiles a model at {@code scale} and refuses the scale if the headroom check that needs no data does. */
  static Program compileChecked(Graph g, int scale) {
    Program p = Compiler.compile(g, scale);
    String refusal = Headroom.checkStatic(p, Headroom.DEFAULT_MARGIN);
    if (refusal != null) throw new MusketeerException("--scale " + scale + " is refused by the headroom check: " + refusal + "; use a lower --scale");
    return p;
  }

  /**
   * The float reference of a program: its graph run in float (a truncation is exact on real numbers),
   * with the client's final softmax.
   */
  static List<FloatTensor> runFloat(Program p, Map<String, FloatTensor> inputs) {
    List<FloatTensor> out = FloatInterpreter.run(p.graph(), inputs);
    if (!p.softmaxOutput()) return out;
    List<FloatTensor> soft = new ArrayList<>();
    for (FloatTensor t : out) soft.add(FloatInterpreter.evaluate(new Op.Softmax(), t));
    return soft;
  }
}
