package io.musketeer.cli;

import io.musketeer.programfile.ProgramFile;
import io.musketeer.importer.ModelImportException;
import io.musketeer.importer.tf.ImportOptions;
import io.musketeer.importer.tf.SavedModelImporter;
import io.musketeer.importer.tf.TfImporter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Writes the model without its weights, for the client and the helper: every floating-point constant
 * with more than one element becomes a same-shaped constant of ones (stored as one value). Structure,
 * shapes and integer constants stay, so the compiled program, and its hash, are the server's. Each
 * replaced constant carries the attribute {@value #MARK} (TensorFlow ignores attributes that start with
 * an underscore), so that a server or a cleartext run given the copy by mistake refuses it instead of
 * computing with ones.
 */
@Command(name = "strip", mixinStandardHelpOptions = true,
    description = "Write a weight-free copy of a model for the client and helper (same program hash, no weights).")
final class StripCommand implements Callable<Integer> {
  static final String MARK = "_musketeer_weight_free";

  @Option(names = "--model", required = true, paramLabel = "M",
      description = "Frozen TensorFlow GraphDef (.pb), or a SavedModel directory (written as the frozen graph of its signature).")
  String model;

  @Option(names = "--signature", defaultValue = SavedModelImporter.DEFAULT_SIGNATURE, paramLabel = "NAME",
      description = "Signature of a SavedModel (default: ${DEFAULT-VALUE}).")
  String signature;

  @Option(names = "--output", required = true, paramLabel = "FILE", description = "Where to write the weight-free GraphDef.")
  Path output;

  @Override
  public Integer call() {
    if (model.startsWith(Models.BUILTIN)) {
      throw new UsageError("built-in models need no stripping: the client and the helper generate " + model
          + " without weights themselves; give every party --model " + model);
    }
    Path file = Path.of(model);
    OutputFile out = OutputFile.check("--output", output, file);
    if (ProgramFile.isProgramFile(file)) return stripProgram(file, out);
    Models.load(model, ImportOptions.defaults(), Models.Use.STRUCTURE, signature); // refuse what could not run anyway
    Path savedModel = Models.savedModelDir(file);
    GraphDef def = savedModel != null ? SavedModelImporter.freeze(savedModel, signature).graph() : TfImporter.read(file);
    boolean already = isWeightFree(def);
    GraphDef.Builder stripped = def.toBuilder().clearNode();
    long removed = 0;
    for (NodeDef n : def.getNodeList()) {
      AttrValue v = n.getAttrMap().get("value");
      if (!n.getOp().equals("Const") || v == null || !isFloat(v.getTensor()) || elements(v.getTensor()) <= 1) {
        stripped.addNode(n);
        continue;
      }
      if (v.getTensor().getDtype() != DataType.DT_FLOAT) {
        throw new ModelImportException("Const node '" + n.getName() + "' is " + v.getTensor().getDtype() + "; strip supports float32 weights");
      }
      removed += elements(v.getTensor());
      TensorProto ones = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(v.getTensor().getTensorShape())
          .addFloatVal(1f).build();
      stripped.addNode(n.toBuilder().putAttr("value", AttrValue.newBuilder().setTensor(ones).build())
          .putAttr(MARK, AttrValue.newBuilder().setB(true).build()));
    }
    byte[] bytes = stripped.build().toByteArray();
    out.write(bytes);
    System.out.printf("wrote %s: %,d weights removed%s, %s%n", output, removed, already ? " (the model was already weight-free)" : "", Units.bytes(bytes.length));
    return 0;
  }

  /** A compiled program's weight-free part: the same manifest and public constants, no weights part. */
  private int stripProgram(Path file, OutputFile out) {
    ProgramFile.Loaded loaded = ProgramFile.read(file, false);
    ProgramFile.write(out.path(), loaded.program(), ProgramFile.Part.WEIGHT_FREE, loaded.info());
    System.out.printf("wrote %s: the weight-free part of %s (program hash %s)%n", out.path(), file, loaded.hash().substring(0, 16));
    return 0;
  }

  /** Whether {@code strip} wrote this graph (a weight-free copy). */
  static boolean isWeightFree(GraphDef def) {
    for (NodeDef n : def.getNodeList()) {
      AttrValue mark = n.getAttrMap().get(MARK);
      if (mark != null && mark.getB()) return true;
    }
    return false;
  }

  /**
   * Whether every multi-element float constant is ones stored as one value, as strip writes them: a copy
   * stripped without the mark (by an older strip, or by hand). A model may hold such constants for real,
   * so this only earns a warning.
   */
  static boolean looksWeightFree(GraphDef def) {
    int weights = 0;
    for (NodeDef n : def.getNodeList()) {
      AttrValue v = n.getAttrMap().get("value");
      if (!n.getOp().equals("Const") || v == null || !isFloat(v.getTensor()) || elements(v.getTensor()) <= 1) continue;
      TensorProto t = v.getTensor();
      if (!t.getTensorContent().isEmpty() || t.getFloatValCount() != 1 || t.getFloatVal(0) != 1f) return false;
      weights++;
    }
    return weights > 0;
  }

  private static boolean isFloat(TensorProto t) {
    return t.getDtype() == DataType.DT_FLOAT || t.getDtype() == DataType.DT_HALF || t.getDtype() == DataType.DT_DOUBLE
        || t.getDtype() == DataType.DT_BFLOAT16;
  }

  private static long elements(TensorProto t) {
    long n = 1;
    for (var d : t.getTensorShape().getDimList()) n *= d.getSize();
    return n;
  }
}
