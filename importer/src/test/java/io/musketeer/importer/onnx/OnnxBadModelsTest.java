package io.musketeer.importer.onnx;

import static io.musketeer.importer.onnx.OnnxModel.in;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.importer.ImportOptions;
import io.musketeer.importer.ModelImportException;
import io.musketeer.importer.tf.TfOracle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Broken or unsupported ONNX models fail with a one-line ModelImportException saying what and where. */
class OnnxBadModelsTest {
  @TempDir Path dir;
  private final SplittableRandom rng = new SplittableRandom(5);

  private static String fails(Executable e, String... fragments) {
    ModelImportException ex = assertThrows(ModelImportException.class, e);
    String m = ex.getMessage();
    assertFalse(m == null || m.isBlank(), "empty message");
    assertFalse(m.contains("\n"), "message is not one line: " + m);
    for (String f : fragments) assertTrue(m.contains(f), "message does not mention '" + f + "': " + m);
    System.out.println("OnnxBadModelsTest: " + m.substring(0, Math.min(m.length(), 220)));
    return m;
  }

  private static ImportOptions opts() {
    return ImportOptions.defaults();
  }

  /** x [1,3,8,8] -> Conv -> Relu, with the given opset. */
  private ModelProto convModel(int opset) {
    OnnxModel m = new OnnxModel(opset);
    String x = m.input("x", 1, 3, 8, 8);
    String conv = m.node("Conv", in(x, m.weight(TfOracle.gaussian(rng, 0.3, 4, 3, 3, 3))), "pads", new int[] {1, 1, 1, 1});
    m.output(m.node("Relu", in(conv)));
    return m.build();
  }

  private Path write(String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  @Test
  void unsupportedOpNamesOpNodeOpsetAndTheSupportedList() {
    OnnxModel m = new OnnxModel(13);
    m.output(m.node("Erf", in(m.input("x", 2, 3))));
    String msg = fails(() -> OnnxImporter.fromModel(m.build(), opts()), "unsupported ONNX op Erf", "erf0", "opset 13", "supported ops:", "Conv", "MaxPool");
    assertFalse(msg.contains("Erf,"), msg);
    OnnxModel ms = new OnnxModel(13);
    String x = ms.input("x", 2, 3);
    ModelProto custom = ms.build().toBuilder().setGraph(ms.build().getGraph().toBuilder()
        .addNode(NodeProto.newBuilder().setOpType("FusedGemm").setDomain("com.microsoft").setName("fused").addInput(x).addOutput("y"))
        .addOutput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName("y"))).build();
    fails(() -> OnnxImporter.fromModel(custom, opts()), "com.microsoft:FusedGemm", "'fused'", "standard");
  }

  @Test
  void opsetOutOfRange() {
    for (int opset : new int[] {1, 6, 22, 100}) {
      fails(() -> OnnxImporter.fromModel(convModel(opset), opts()), "opset " + opset, "7 to 21");
    }
    ModelProto none = convModel(13).toBuilder().clearOpsetImport().addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("ai.onnx.ml").setVersion(3)).build();
    fails(() -> OnnxImporter.fromModel(none, opts()), "declares no ONNX opset", "7 to 21");
  }

  @Test
  void openDimensionsWithoutAnInputToSizeThem() {
    OnnxModel m = new OnnxModel(13);
    m.output(m.node("Relu", in(m.input("image", -1, 3, -1, -1))));
    fails(() -> OnnxImporter.fromModel(m.build(), opts()), "model input 'image'", "[?, 3, ?, ?]", "open dimension 2", "give an input");
    // the batch alone is open: it defaults to 1; a given shape sizes everything
    OnnxImporter.fromModel(m.build(), opts().withInputShape("image", Shape.of(2, 3, 5, 7)));
    OnnxImporter.fromModel(m.build(), opts().withSingleInputShape(Shape.of(2, 3, 5, 7)));
    fails(() -> OnnxImporter.fromModel(m.build(), opts().withInputShape("image", Shape.of(2, 4, 5, 7))), "'image'", "expects");
    fails(() -> OnnxImporter.fromModel(m.build(), opts().withInputShape("image", Shape.of(2, 3, 5))), "'image'", "[2, 3, 5]");
    fails(() -> OnnxImporter.fromModel(m.build(), opts().withInputShape("image", Shape.of(5))), "'image'", "rank 4");
    OnnxModel b = new OnnxModel(13);
    b.output(b.node("Relu", in(b.input("x", -1, 10))));
    OnnxImporter.fromModel(b.build(), opts());
  }

  @Test
  void corruptAndTruncatedFiles() throws IOException {
    byte[] good = convModel(13).toByteArray();
    for (int cut : new int[] {1, 7, good.length / 3, good.length / 2, good.length - 9, good.length - 1}) {
      Path p = write("cut-" + cut + ".onnx", java.util.Arrays.copyOf(good, cut));
      fails(() -> OnnxImporter.load(p, opts()), "cut-" + cut + ".onnx");
    }
    Random r = new Random(3);
    for (int i = 0; i < 20; i++) {
      byte[] noise = new byte[1 + r.nextInt(3000)];
      r.nextBytes(noise);
      Path p = write("noise-" + i + ".onnx", noise);
      fails(() -> OnnxImporter.load(p, opts()), "noise-" + i + ".onnx");
    }
    Path text = write("notes.onnx", "this is not a model\n".getBytes());
    fails(() -> OnnxImporter.load(text, opts()), "notes.onnx");
    fails(() -> OnnxImporter.load(dir.resolve("missing.onnx"), opts()), "missing.onnx", "does not exist");
    // one flipped byte anywhere: an error or a model, never another exception
    for (int i = 0; i < good.length; i += 7) {
      byte[] flipped = good.clone();
      flipped[i] ^= 0x5a;
      Path p = write("flip.onnx", flipped);
      try {
        OnnxImporter.load(p, opts());
      } catch (ModelImportException e) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
      }
    }
  }

  @Test
  void brokenInitializers() {
    ModelProto good = convModel(13);
    TensorProto w = good.getGraph().getInitializer(0);
    ModelProto shortRaw = withInitializer(good, w.toBuilder().setRawData(w.getRawData().substring(0, 12)).build());
    fails(() -> OnnxImporter.fromModel(shortRaw, opts()), "initializer '" + w.getName() + "'", "12 bytes", "corrupt");
    ModelProto typed = withInitializer(good, w.toBuilder().clearRawData().addFloatData(1f).build());
    fails(() -> OnnxImporter.fromModel(typed, opts()), "1 values", "corrupt");
    ModelProto nan = withInitializer(good, OnnxModel.tensor(w.getName(), nanFilled(w), OnnxModel.Storage.RAW_FLOAT));
    fails(() -> OnnxImporter.fromModel(nan, opts()), "NaN");
    ModelProto strings = withInitializer(good, w.toBuilder().clearRawData().setDataType(TensorProto.DataType.STRING_VALUE).build());
    fails(() -> OnnxImporter.fromModel(strings, opts()), "unsupported element type STRING");
    ModelProto external = withInitializer(good, w.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin")).build());
    fails(() -> OnnxImporter.fromModel(external, opts()), "weights.bin", "load the model from its file");
  }

  @Test
  void externalDataBesideTheModel() throws IOException {
    ModelProto good = convModel(13);
    TensorProto w = good.getGraph().getInitializer(0);
    Files.write(dir.resolve("weights.bin"), w.getRawData().toByteArray());
    ModelProto external = withInitializer(good, w.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin")).build());
    Path p = write("external.onnx", external.toByteArray());
    OnnxImporter.load(p, opts());
    ModelProto escape = withInitializer(good, w.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("../weights.bin")).build());
    Path q = write("escape.onnx", escape.toByteArray());
    fails(() -> OnnxImporter.load(q, opts()), "outside the model's directory");
  }

  private static FloatTensor nanFilled(TensorProto w) {
    int n = w.getRawData().size() / 4;
    float[] v = new float[n];
    v[n / 2] = Float.NaN;
    int[] dims = w.getDimsList().stream().mapToInt(Long::intValue).toArray();
    return new FloatTensor(new Shape(dims), v);
  }

  private static ModelProto withInitializer(ModelProto m, TensorProto t) {
    return m.toBuilder().setGraph(m.getGraph().toBuilder().setInitializer(0, t)).build();
  }

  @Test
  void structuralProblems() {
    OnnxModel dangling = new OnnxModel(13);
    dangling.output(dangling.node("Add", in(dangling.input("x", 2, 3), "ghost")));
    fails(() -> OnnxImporter.fromModel(dangling.build(), opts()), "'ghost'", "no node, input or initializer");
    OnnxModel noOut = new OnnxModel(13);
    noOut.node("Relu", in(noOut.input("x", 2, 3)));
    noOut.output("nothing");
    fails(() -> OnnxImporter.fromModel(noOut.build(), opts()), "output 'nothing'");
    OnnxModel ints = new OnnxModel(13);
    ints.output(ints.node("Relu", in(ints.typedInput("tokens", TensorProto.DataType.INT64_VALUE, 1, 16))));
    fails(() -> OnnxImporter.fromModel(ints.build(), opts()), "'tokens'", "INT64", "floating-point");
    OnnxModel constOut = new OnnxModel(13);
    constOut.input("x", 2, 3);
    constOut.output(constOut.node("Relu", in(constOut.scalar(2f))));
    fails(() -> OnnxImporter.fromModel(constOut.build(), opts()), "does not depend on any input");
    fails(() -> OnnxImporter.fromModel(ModelProto.newBuilder().setIrVersion(7).build(), opts()), "no ONNX graph");
  }

  @Test
  void unsupportedForms() {
    OnnxModel bn = new OnnxModel(15);
    String x = bn.input("x", 1, 2, 3, 3);
    bn.output(bn.node("BatchNormalization", in(x, bn.scalar(1f), bn.scalar(0f), bn.scalar(0f), bn.scalar(1f)), "training_mode", 1));
    fails(() -> OnnxImporter.fromModel(bn.build(), opts()), "BatchNormalization", "training mode");
    OnnxModel pool = new OnnxModel(11);
    pool.output(pool.node("MaxPool", in(pool.input("x", 1, 1, 9, 9)), "kernel_shape", new int[] {2, 2}, "strides", new int[] {2, 2},
        "pads", new int[] {1, 1, 1, 1}, "ceil_mode", 1));
    fails(() -> OnnxImporter.fromModel(pool.build(), opts()), "MaxPool", "ceil_mode", "wholly in the padding");
    OnnxModel pad = new OnnxModel(13);
    String px = pad.input("x", 2, 3);
    pad.output(pad.node("Pad", in(px, pad.ints(1, 0, 0, 1)), "mode", "reflect"));
    fails(() -> OnnxImporter.fromModel(pad.build(), opts()), "Pad", "reflect");
    OnnxModel div = new OnnxModel(13);
    String dx = div.input("x", 2, 3);
    div.output(div.node("Div", in(dx, div.node("Relu", in(dx)))));
    fails(() -> OnnxImporter.fromModel(div.build(), opts()), "Div", "constant divisor");
    OnnxModel conv1d = new OnnxModel(13);
    conv1d.output(conv1d.node("Conv", in(conv1d.input("x", 1, 2, 9), conv1d.weight(TfOracle.gaussian(rng, 1, 3, 2, 3)))));
    fails(() -> OnnxImporter.fromModel(conv1d.build(), opts()), "Conv", "2-D");
  }
}
