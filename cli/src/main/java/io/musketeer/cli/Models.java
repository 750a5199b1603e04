package io.musketeer.cli;

import io.musketeer.MusketeerException;
import io.musketeer.importer.ModelImportException;
import io.musketeer.importer.tf.ImportOptions;
import io.musketeer.importer.tf.SavedModelImporter;
import io.musketeer.importer.tf.TfImporter;
import io.musketeer.ir.Graph;
import io.musketeer.models.SyntheticModels;
import io.musketeer.programfile.ProgramFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tensorflow.proto.GraphDef;

/**
 * Resolves a --model argument: a file (.pb frozen GraphDef), a SavedModel directory (or its
 * saved_model.pb), or {@code builtin:NAME} (a generated graph).
 */
final class Models {
  static final String BUILTIN = "builtin:";
  static final long BUILTIN_SEED = 20261124L;

  /** What the caller does with the model's weights. */
  enum Use {
    /** Computes with them (the server, cleartext inference): a weight-free copy is refused. */
    WEIGHTS,
    /** Needs the structure only (the client, the helper): a built-in model is generated without weights. */
    STRUCTURE,
    /** Needs the structure now and starts a server that computes with the weights (local, bench). */
    STRUCTURE_FOR_SERVER
  }

  private Models() {}

  static Graph load(String spec, ImportOptions options) {
    return load(spec, options, Use.WEIGHTS);
  }

  static Graph load(String spec, ImportOptions options, Use use) {
    return load(spec, options, use, SavedModelImporter.DEFAULT_SIGNATURE);
  }

  /** @param signature the signature of a SavedModel to import */
  static Graph load(String spec, ImportOptions options, Use use, String signature) {
    // a client or helper may be given the SavedModel's command line with its stripped frozen graph
    boolean signatureGiven = !signature.equals(SavedModelImporter.DEFAULT_SIGNATURE) && use != Use.STRUCTURE;
    if (spec.startsWith(BUILTIN)) {
      if (signatureGiven) throw new UsageError("--signature applies to SavedModels; " + spec + " is not one");
      String name = spec.substring(BUILTIN.length());
      if (!SyntheticModels.names().contains(name)) {
        throw new UsageError("unknown built-in model '" + name + "'; available: " + String.join(", ", SyntheticModels.names()));
      }
      // client and helper get the weight-free graph: the same program without making and holding 25 M numbers
      return TfImporter.fromGraphDef(SyntheticModels.build(name, BUILTIN_SEED, use == Use.WEIGHTS), options);
    }
    Path file = Path.of(spec);
    if (!Files.exists(file)) throw new MusketeerException("model file " + spec + " does not exist");
    String lower = spec.toLowerCase();
    if (lower.endsWith(".onnx")) {
      throw new MusketeerException("ONNX models are not supported yet (" + spec + "); export a frozen TensorFlow GraphDef (.pb)");
    }
    if (lower.endsWith(".keras") || lower.endsWith(".h5") || lower.endsWith(".hdf5")) {
      throw new MusketeerException(spec + " is a Keras model file, which holds layer configurations rather than a graph; export a SavedModel "
          + "(model.export(\"DIR\") in Keras 3, tf.saved_model.save(model, \"DIR\") in Keras 2) and give that directory");
    }
    if (ProgramFile.isProgramFile(file)) {
      throw new MusketeerException(spec + " is a compiled program, not a model; give the model it was compiled from");
    }
    Path savedModel = savedModelDir(file);
    if (savedModel == null && signatureGiven) throw new UsageError("--signature applies to SavedModels; " + spec + " is not one");
    if (savedModel != null) return SavedModelImporter.load(savedModel, signature, options); // strip writes frozen graphs, not these
    GraphDef def = TfImporter.read(file);
    if (use != Use.STRUCTURE && StripCommand.isWeightFree(def)) {
      throw new MusketeerException("model " + spec + " is a weight-free copy written by 'musketeer strip' (every weight is 1); "
          + (use == Use.WEIGHTS ? "this needs" : "the server needs") + " the original model with its weights");
    }
    if (use != Use.STRUCTURE && StripCommand.looksWeightFree(def)) {
      System.err.println("musketeer: warning: every weight of model " + spec + " is 1, as in a weight-free copy; "
          + (use == Use.WEIGHTS ? "results" : "the server's results") + " will be meaningless unless that is the real model");
    }
    try {
      return TfImporter.fromGraphDef(def, options);
    } catch (ModelImportException e) {
      throw new ModelImportException(file.getFileName() + ": " + e.getMessage(), e);
    }
  }

  /** The model's file or directory, to keep outputs from overwriting it; null for a built-in model. */
  static Path file(String spec) {
    if (spec.startsWith(BUILTIN)) return null;
    Path file = Path.of(spec);
    Path savedModel = Files.exists(file) ? savedModelDir(file) : null;
    return savedModel != null ? savedModel : file;
  }

  /** The SavedModel directory {@code file} is or holds the saved_model.pb of, or null for a plain file. */
  static Path savedModelDir(Path file) {
    if (Files.isDirectory(file)) return file;
    String name = file.getFileName().toString();
    Path dir = file.toAbsolutePath().getParent();
    return (name.equals("saved_model.pb") || name.equals("saved_model.pbtxt")) && SavedModelImporter.isSavedModel(dir) ? dir : null;
  }
}
