package io.musketeer.programfile;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.musketeer.MusketeerException;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.ir.Graph;
import io.musketeer.ir.IrException;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipFile;

/** Rebuilding a program from its manifest and parts, checking each against the other. */
final class Manifest {
  private Manifest() {}

  static void checkFormat(JsonObject m, String file) {
    Json top = new Json(m, file, "manifest");
    if (!top.has("format") || !ProgramFile.FORMAT.equals(top.string("format"))) throw ProgramFile.bad(file, "its manifest is not a musketeer program's");
    int version = top.integer("version");
    if (version > ProgramFile.VERSION) {
      throw new MusketeerException(file + " is a program of format version " + version + ", newer than this musketeer reads (" + ProgramFile.VERSION
          + "); upgrade musketeer or compile the model with this one");
    }
    if (version < 1) throw ProgramFile.bad(file, "its format version " + version + " is not one musketeer ever wrote");
  }

  static ProgramFile.Loaded load(JsonObject m, String file, ZipFile zip, boolean readWeights, boolean hasWeights) throws IOException {
    Json top = new Json(m, file, "manifest");
    JsonArray nodes = top.array("nodes");
    int size = nodes.size();
    int[] scales = new int[size], bounds = new int[size];
    List<Json> nodeJson = new ArrayList<>(size);
    // constants by part, in node order: the order the writer laid them out
    List<int[]> publicConsts = new ArrayList<>(), weightConsts = new ArrayList<>();
    long publicAt = 0, weightAt = 0;
    for (int i = 0; i < size; i++) {
      Json n = top.element(nodes, i, "node");
      nodeJson.add(n);
      scales[i] = n.integer("scale");
      bounds[i] = n.integer("bound");
      Json op = n.object("op");
      if (!"Constant".equals(op.string("kind"))) continue;
      String part = n.string("part");
      long offset = n.number("offset");
      boolean isPublic = op.bool("public");
      if (part.equals(ProgramFile.PUBLIC) != isPublic || !(part.equals(ProgramFile.PUBLIC) || part.equals(ProgramFile.WEIGHTS))) {
        throw n.error("a " + (isPublic ? "public" : "server") + " constant cannot live in part '" + part + "'");
      }
      long expected = isPublic ? publicAt : weightAt;
      if (offset != expected) throw n.error("constant offset " + offset + " where " + expected + " was expected");
      long count = Shape.of(n.ints("shape")).size();
      if (isPublic) {
        publicConsts.add(new int[] {i});
        publicAt += count;
      } else {
        weightConsts.add(new int[] {i});
        weightAt += count;
      }
    }
    Json parts = top.object("parts");
    Json pub = parts.object(ProgramFile.PUBLIC), weights = parts.object(ProgramFile.WEIGHTS);
    if (pub.number("floats") != publicAt) throw pub.error("says " + pub.number("floats") + " numbers where the constants need " + publicAt);
    if (weights.number("floats") != weightAt) throw weights.error("says " + weights.number("floats") + " numbers where the constants need " + weightAt);

    float[][] publicData = allocate(publicConsts, nodeJson);
    ProgramFile.readPart(zip, ProgramFile.PUBLIC, publicAt, publicAt == 0 && !pub.has("sha256") ? null : pub.string("sha256"), publicConsts, publicData, file);
    // without its weights, a program's server constants are zeros nobody reads: one shared array per size
    float[][] weightData = readWeights ? allocate(weightConsts, nodeJson) : sharedZeros(weightConsts, nodeJson);
    if (readWeights) ProgramFile.readPart(zip, ProgramFile.WEIGHTS, weightAt, weights.string("sha256"), weightConsts, weightData, file);

    List<Node> built = new ArrayList<>(size);
    int pi = 0, wi = 0;
    try {
      for (int i = 0; i < size; i++) {
        Json n = nodeJson.get(i);
        Json opJson = n.object("op");
        Shape shape = Shape.of(n.ints("shape"));
        Op op;
        if ("Constant".equals(opJson.string("kind"))) {
          boolean isPublic = opJson.bool("public");
          op = Ops.constant(opJson, new FloatTensor(shape, isPublic ? publicData[pi++] : weightData[wi++]));
        } else {
          op = Ops.fromJson(opJson);
        }
        built.add(new Node(n.string("name"), op, n.ints("inputs"), shape));
      }
      Graph g = new Graph(built, top.ints("outputs"));
      Program program = new Program(g, scales, top.integer("fracBits"), top.bool("softmaxOutput"), bounds);
      String hash = top.string("hash");
      if (!ProgramFile.hash(program).equals(hash)) {
        throw new MusketeerException(file + ": its manifest does not give the program hash it records (it was changed after compiling); "
            + "refusing it: compile the program again with 'musketeer compile'");
      }
      return new ProgramFile.Loaded(program, hasWeights, hash, ProgramFile.info(m));
    } catch (IrException | IllegalArgumentException e) {
      throw ProgramFile.bad(file, "its program does not check (" + e.getMessage() + ")");
    }
  }

  private static float[][] sharedZeros(List<int[]> consts, List<Json> nodes) {
    java.util.Map<Integer, float[]> bySize = new java.util.HashMap<>();
    float[][] data = new float[consts.size()][];
    for (int k = 0; k < data.length; k++) data[k] = bySize.computeIfAbsent(Shape.of(nodes.get(consts.get(k)[0]).ints("shape")).size(), float[]::new);
    return data;
  }

  private static float[][] allocate(List<int[]> consts, List<Json> nodes) {
    float[][] data = new float[consts.size()][];
    for (int k = 0; k < data.length; k++) data[k] = new float[Shape.of(nodes.get(consts.get(k)[0]).ints("shape")).size()];
    return data;
  }
}
