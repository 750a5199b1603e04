package io.musketeer.importer.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.musketeer.importer.ModelImportException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat16;

/** Checkpoints written by TensorFlow's own SaveV2 and MergeV2Checkpoints kernels, read back and checked. */
class TensorBundleTest {
  @TempDir Path dir;

  /** Saves {@code tensors} under {@code names} with TensorFlow's SaveV2 at {@code prefix}. */
  private static void save(Path prefix, Map<String, java.util.function.Function<Ops, Operand<?>>> tensors) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      List<String> names = new ArrayList<>(tensors.keySet());
      List<Operand<?>> values = new ArrayList<>();
      for (String n : names) values.add(tensors.get(n).apply(tf));
      s.run(tf.train.save(tf.constant(prefix.toString()), SavedModels.strings(tf, names), SavedModels.strings(tf, names.stream().map(n -> "").toList()),
          values));
    }
  }

  private static ByteBuffer le(ByteString b) {
    return b.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  @Test
  void readsEveryDtypeTensorFlowWrites() {
    Path prefix = dir.resolve("ckpt");
    Map<String, java.util.function.Function<Ops, Operand<?>>> t = new java.util.LinkedHashMap<>();
    t.put("layer/kernel", tf -> tf.constant(new float[][] {{1.5f, -2f, 3.25f}, {0f, 1e-7f, -1e30f}}));
    t.put("double", tf -> tf.constant(new double[] {Math.PI, -0.5}));
    t.put("int32", tf -> tf.constant(new int[] {7, -1, Integer.MIN_VALUE, 1 << 20}));
    t.put("int64", tf -> tf.constant(new long[] {Long.MAX_VALUE, -3}));
    t.put("bool", tf -> tf.constant(new boolean[] {true, false, true}));
    t.put("uint8", tf -> tf.constant(new byte[] {0, (byte) 255, 17}));
    t.put("half", tf -> tf.dtypes.cast(tf.constant(new float[] {0.5f, -2f, 65504f}), TFloat16.class));
    t.put("scalar", tf -> tf.constant(42f));
    t.put("strings", tf -> SavedModels.strings(tf, List.of("a", "", "x".repeat(300))));
    save(prefix, t);
    TensorBundle b = TensorBundle.open(prefix, "ckpt");
    assertEquals(t.keySet(), b.keys());
    ByteBuffer k = le(b.bytes("layer/kernel"));
    assertEquals(DataType.DT_FLOAT, b.entry("layer/kernel").getDtype());
    assertEquals("[2, 3]", TensorBundle.dims(b.entry("layer/kernel").getShape()));
    float[] kernel = new float[6];
    for (int i = 0; i < 6; i++) kernel[i] = k.getFloat(4 * i);
    assertArrayEquals(new float[] {1.5f, -2f, 3.25f, 0f, 1e-7f, -1e30f}, kernel);
    assertEquals(Math.PI, le(b.bytes("double")).getDouble(0));
    assertEquals(Integer.MIN_VALUE, le(b.bytes("int32")).getInt(8));
    assertEquals(Long.MAX_VALUE, le(b.bytes("int64")).getLong(0));
    assertEquals(ByteString.copyFrom(new byte[] {1, 0, 1}), b.bytes("bool"));
    assertEquals(ByteString.copyFrom(new byte[] {0, (byte) 255, 17}), b.bytes("uint8"));
    assertEquals(65504f, Float.float16ToFloat(le(b.bytes("half")).getShort(4)));
    assertEquals(0, b.entry("scalar").getShape().getDimCount());
    assertEquals(42f, le(b.bytes("scalar")).getFloat(0));
    assertEquals(List.of("a", "", "x".repeat(300)), b.strings("strings").stream().map(ByteString::toStringUtf8).toList());
    ModelImportException e = assertThrows(ModelImportException.class, () -> b.bytes("strings"));
    assertTrue(e.getMessage().contains("not a numeric tensor"), e.getMessage());
  }

  /** TensorFlow's tables hold 256 KB per block: an index this large spans several, each with its restarts. */
  @Test
  void largeIndexSpansSeveralBlocks() throws IOException {
    Path prefix = dir.resolve("many");
    SplittableRandom rng = new SplittableRandom(7);
    Map<String, java.util.function.Function<Ops, Operand<?>>> t = new java.util.TreeMap<>();
    for (int i = 0; i < 4000; i++) {
      StringBuilder name = new StringBuilder("model/block_" + i + "/");
      for (int j = 0; j < 60; j++) name.append((char) ('a' + rng.nextInt(26)));
      float v = i;
      t.put(name.toString(), tf -> tf.constant(v));
    }
    save(prefix, t);
    assertTrue(Files.size(dir.resolve("many.index")) > 262144 + 4096, "index of " + Files.size(dir.resolve("many.index")) + " bytes");
    TensorBundle b = TensorBundle.open(prefix, "many");
    assertEquals(t.keySet(), b.keys());
    for (String key : List.of(t.keySet().iterator().next(), ((java.util.TreeMap<String, ?>) t).lastKey())) {
      int i = Integer.parseInt(key.substring("model/block_".length(), key.indexOf('/', 6)));
      assertEquals((float) i, le(b.bytes(key)).getFloat(0));
    }
  }

  @Test
  void mergedShards() {
    Path a = dir.resolve("a"), c = dir.resolve("c"), merged = dir.resolve("merged");
    save(a, Map.of("first", tf -> tf.constant(new float[] {1, 2})));
    save(c, Map.of("second", tf -> tf.constant(new float[] {3, 4, 5})));
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      s.run(tf.train.mergeV2Checkpoints(SavedModels.strings(tf, List.of(a.toString(), c.toString())), tf.constant(merged.toString())));
    }
    assertTrue(Files.exists(dir.resolve("merged.data-00001-of-00002")));
    TensorBundle b = TensorBundle.open(merged, "merged");
    assertEquals(5f, le(b.bytes("second")).getFloat(8));
    assertEquals(2f, le(b.bytes("first")).getFloat(4));
  }

  private static void fails(Executable e, String fragment) {
    ModelImportException ex = assertThrows(ModelImportException.class, e);
    assertTrue(ex.getMessage().contains(fragment), "message does not mention '" + fragment + "': " + ex.getMessage());
    assertFalse(ex.getMessage().contains("\n"));
    System.out.println("TensorBundleTest: " + ex.getMessage());
  }

  @Test
  void everyDamagedByteOfTheIndexIsNoticed() throws IOException {
    Path prefix = dir.resolve("small");
    save(prefix, Map.of("w", tf -> tf.constant(new float[] {1, 2, 3}), "b", tf -> tf.constant(0.5f)));
    byte[] good = Files.readAllBytes(dir.resolve("small.index"));
    Path index = dir.resolve("small.index");
    // any single flipped byte is caught by a block checksum, the magic number or a bounds check, or it
    // lies in the footer's padding (ignored, as TensorFlow ignores it)
    int caught = 0, padding = 0;
    for (int i = 0; i < good.length; i++) {
      byte[] bad = good.clone();
      bad[i] ^= 0x41;
      Files.write(index, bad);
      try {
        TensorBundle b = TensorBundle.open(prefix, "small");
        assertTrue(i >= good.length - SsTable.FOOTER_LENGTH && i < good.length - 8, "byte " + i + " changed silently");
        assertEquals(3f, le(b.bytes("w")).getFloat(8));
        padding++;
      } catch (ModelImportException e) {
        assertTrue(e.getMessage().startsWith("small.index is corrupt"), e.getMessage());
        caught++;
      }
    }
    assertTrue(caught > good.length - SsTable.FOOTER_LENGTH, caught + " caught, " + padding + " padding");
    Files.write(index, Arrays.copyOf(good, good.length - 3));
    fails(() -> TensorBundle.open(prefix, "small"), "no table magic number");
    Files.write(index, new byte[0]);
    fails(() -> TensorBundle.open(prefix, "small"), "shorter than a table footer");
  }

  @Test
  void damagedStringTensor() throws IOException {
    Path prefix = dir.resolve("s");
    save(prefix, Map.of("names", tf -> SavedModels.strings(tf, List.of("alpha", "beta"))));
    Path data = dir.resolve("s.data-00000-of-00001");
    byte[] b = Files.readAllBytes(data);
    int at = new String(b, StandardCharsets.ISO_8859_1).indexOf("beta");
    b[at] = 'B';
    Files.write(data, b);
    fails(() -> TensorBundle.open(prefix, "s").strings("names"), "do not match their checksum");
  }

  @Test
  void maskIsTheInverseOfUnmask() {
    for (int v : new int[] {0, 1, -1, 0x12345678, Integer.MIN_VALUE}) assertEquals(v, SsTable.unmask(SsTable.mask(v)));
  }
}
