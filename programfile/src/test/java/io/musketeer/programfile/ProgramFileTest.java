package io.musketeer.programfile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.MusketeerException;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.ir.ProgramHash;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgramFileTest {
  @TempDir Path dir;

  /** Every op with attributes, public and server constants, non-trivial scales and bounds. */
  static Program program() {
    Random rnd = new Random(3);
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 6, 5, 2)));
    int w = b.add("w", new Op.Constant(random(rnd, Shape.of(3, 3, 2, 4)), false));
    int conv = b.add("conv", new Op.Conv2D(1, 2, 1, 1, 0, 1, 1), x, w);
    int bias = b.add("bias", new Op.Constant(random(rnd, Shape.of(4)), false));
    int add = b.add("add", new Op.Add(), conv, bias);
    int pool = b.add("pool", new Op.MaxPool(new Op.Window(2, 2, 2, 1, 0, 1, 0, 0)), add);
    int relu = b.add("relu", new Op.Relu(), pool);
    int trunc = b.add("relu/trunc", new Op.Truncate(12), relu);
    int avg = b.add("avg", new Op.AvgPool(new Op.Window(2, 1, 1, 1, 0, 1, 0, 0), true), trunc);
    int pad = b.add("pad", new Op.Pad(new int[] {0, 1, 0, 0}, new int[] {0, 0, 1, 0}), avg);
    int tr = b.add("tr", new Op.Transpose(new int[] {0, 3, 1, 2}), pad);
    int sl = b.add("sl", new Op.Slice(new int[] {0, 0, 0, 0}, new int[] {1, 4, 3, 2}, new int[] {1, 2, 1, 1}), tr);
    int six = b.add("six", new Op.Constant(new FloatTensor(Shape.of(), new float[] {6}), true));
    int sub = b.add("sub", new Op.Sub(), sl, six);
    int mean = b.add("mean", new Op.ReduceMean(new int[] {2, 3}, false), sub);
    int sum = b.add("sum", new Op.ReduceSum(new int[] {1}, true), mean);
    int neg = b.add("neg", new Op.Neg(), sum);
    int cat = b.add("cat", new Op.Concat(1), neg, neg);
    int flat = b.add("flat", new Op.Reshape(Shape.of(1, 2)), cat);
    int mw = b.add("mw", new Op.Constant(random(rnd, Shape.of(2, 3)), false));
    int mm = b.add("mm", new Op.MatMul(), flat, mw);
    int mul = b.add("mul", new Op.Mul(), mm, mm);
    int am = b.add("am", new Op.ArgMax(1), mul);
    Graph g = b.build(mul, am);
    int[] scales = new int[g.size()], bounds = new int[g.size()];
    for (int i = 0; i < g.size(); i++) {
      scales[i] = 12 + (i % 3) * 12;
      bounds[i] = 20 + i;
    }
    return new Program(g, scales, 12, true, bounds);
  }

  static FloatTensor random(Random rnd, Shape s) {
    float[] d = new float[s.size()];
    for (int i = 0; i < d.length; i++) d[i] = (float) rnd.nextGaussian();
    return new FloatTensor(s, d);
  }

  @Test
  void fullProgramRoundTripsExactly() {
    Program p = program();
    Path f = dir.resolve("p.mkp");
    ProgramFile.write(f, p, ProgramFile.Part.FULL, Map.of("model", "test"));
    assertTrue(ProgramFile.isProgramFile(f));
    ProgramFile.Loaded l = ProgramFile.read(f, true);
    assertTrue(l.hasWeights());
    assertEquals("test", l.info().get("model"));
    Program q = l.program();
    assertEquals(p.graph().size(), q.graph().size());
    for (int i = 0; i < p.graph().size(); i++) {
      assertEquals(p.graph().node(i), nodeWithValues(q, i, p), "node " + i);
      assertEquals(p.graph().node(i).op(), q.graph().node(i).op(), "op " + i);
    }
    assertArrayEquals(p.scales(), q.scales());
    assertArrayEquals(p.bounds(), q.bounds());
    assertArrayEquals(p.graph().outputs(), q.graph().outputs());
    assertEquals(p.softmaxOutput(), q.softmaxOutput());
    assertEquals(ProgramHash.of(p, "x"), ProgramHash.of(q, "x"));
  }

  private static io.musketeer.ir.Node nodeWithValues(Program q, int i, Program p) {
    io.musketeer.ir.Node n = q.graph().node(i);
    assertEquals(p.graph().node(i).name(), n.name());
    assertArrayEquals(p.graph().node(i).inputs(), n.inputs());
    assertEquals(p.graph().node(i).shape(), n.shape());
    return p.graph().node(i);
  }

  @Test
  void weightFreePartHasTheSameHashAndNoWeights() throws IOException {
    Program p = program();
    Path full = dir.resolve("full.mkp"), pub = dir.resolve("public.mkp");
    ProgramFile.write(full, p, ProgramFile.Part.FULL, Map.of());
    ProgramFile.write(pub, p, ProgramFile.Part.WEIGHT_FREE, Map.of());
    ProgramFile.Loaded l = ProgramFile.read(pub, false);
    assertFalse(l.hasWeights());
    assertEquals(ProgramHash.of(p, "porthos"), ProgramHash.of(l.program(), "porthos"));
    assertEquals(ProgramFile.read(full, false).hash(), l.hash());
    for (var n : l.program().graph().nodes()) {
      if (n.op() instanceof Op.Constant c && !c.isPublic()) for (float v : c.value().data()) assertEquals(0f, v);
      if (n.op() instanceof Op.Constant c && c.isPublic()) assertEquals(6f, c.value().data()[0], "public constants travel in both parts");
    }
    try (ZipInputStream z = new ZipInputStream(Files.newInputStream(pub))) {
      for (ZipEntry e; (e = z.getNextEntry()) != null; ) assertFalse(e.getName().equals("weights.bin"), "no weights in the weight-free part");
    }
    MusketeerException e = assertThrows(MusketeerException.class, () -> ProgramFile.read(pub, true));
    assertTrue(e.getMessage().contains("weight-free part"), e.getMessage());
  }

  @Test
  void changedWeightsAreRefused() throws IOException {
    Path f = dir.resolve("p.mkp");
    ProgramFile.write(f, program(), ProgramFile.Part.FULL, Map.of());
    Map<String, byte[]> entries = entries(f);
    byte[] w = entries.get("weights.bin");
    w[17] ^= 1;
    Path bad = rewrite(entries);
    MusketeerException e = assertThrows(MusketeerException.class, () -> ProgramFile.read(bad, true));
    assertTrue(e.getMessage().contains("weights.bin") && e.getMessage().contains("SHA-256"), e.getMessage());
    // the weight-free reading never looks at the weights
    ProgramFile.read(bad, false);
  }

  /** Reads every server weight of {@code p} from the stream, in node order, as a run does. */
  private static void takeAll(Program p, Program weightFree, ProgramFile.WeightStream s) {
    for (int i = 0; i < p.graph().size(); i++) {
      if (p.graph().node(i).op() instanceof Op.Constant c && !c.isPublic()) {
        Op.Constant free = (Op.Constant) weightFree.graph().node(i).op();
        assertEquals(c.value(), s.next(i, free.value().shape()), "node " + i);
      }
    }
  }

  @Test
  void streamedWeightsAreTheFullReadsAndAreCheckedBeforeTheyAreUsedForAnything() throws IOException {
    Program p = program();
    Path f = dir.resolve("p.mkp");
    ProgramFile.write(f, p, ProgramFile.Part.FULL, Map.of());
    Program weightFree = ProgramFile.read(f, false).program();
    try (ProgramFile.WeightStream s = ProgramFile.openWeights(f)) {
      takeAll(p, weightFree, s);
      s.verify();
      s.verify(); // once checked, checked
    }
    Map<String, byte[]> entries = entries(f);
    entries.get("weights.bin")[5] ^= 4;
    Path bad = rewrite(entries);
    // hashed as they are read: the damage shows when the run has taken them, before any output is opened
    try (ProgramFile.WeightStream s = ProgramFile.openWeights(bad)) {
      for (int i = 0; i < p.graph().size(); i++) {
        if (p.graph().node(i).op() instanceof Op.Constant c && !c.isPublic()) s.next(i, c.value().shape());
      }
      MusketeerException e = assertThrows(MusketeerException.class, s::verify);
      assertTrue(e.getMessage().contains("weights.bin") && e.getMessage().contains("SHA-256"), e.getMessage());
    }
    // a run that takes none of them still has the whole part checked
    try (ProgramFile.WeightStream s = ProgramFile.openWeights(bad)) {
      assertTrue(assertThrows(MusketeerException.class, s::verify).getMessage().contains("SHA-256"));
    }
    assertTrue(assertThrows(MusketeerException.class, () -> ProgramFile.checkWeights(bad)).getMessage().contains("SHA-256"));
    assertEquals(ProgramFile.openWeights(f).sha256(), ProgramFile.checkWeights(f));
    // a part longer than its manifest says fails the same check; a shorter one, the first read past its end
    Map<String, byte[]> longer = entries(f);
    longer.put("weights.bin", java.util.Arrays.copyOf(longer.get("weights.bin"), longer.get("weights.bin").length + 4));
    Path extra = rewrite(longer);
    try (ProgramFile.WeightStream s = ProgramFile.openWeights(extra)) {
      takeAll(p, weightFree, s);
      assertTrue(assertThrows(MusketeerException.class, s::verify).getMessage().contains("bytes where its manifest says"));
    }
    Map<String, byte[]> shorter = entries(f);
    shorter.put("weights.bin", java.util.Arrays.copyOf(shorter.get("weights.bin"), shorter.get("weights.bin").length - 4));
    Path cut = rewrite(shorter);
    try (ProgramFile.WeightStream s = ProgramFile.openWeights(cut)) {
      MusketeerException e = assertThrows(MusketeerException.class, () -> takeAll(p, weightFree, s));
      assertTrue(e.getMessage().contains("ends before the weights of node"), e.getMessage());
    }
    Path pub = dir.resolve("pub.mkp");
    ProgramFile.write(pub, p, ProgramFile.Part.WEIGHT_FREE, Map.of());
    assertTrue(assertThrows(MusketeerException.class, () -> ProgramFile.openWeights(pub)).getMessage().contains("weight-free part"));
  }

  @Test
  void weightsOfAnotherProgramAreRefused() throws IOException {
    Program p = program();
    Path a = dir.resolve("a.mkp");
    ProgramFile.write(a, p, ProgramFile.Part.FULL, Map.of());
    Program other = program();
    // same shapes, other values
    Graph.Builder b = new Graph.Builder();
    for (var n : other.graph().nodes()) {
      Op op = n.op() instanceof Op.Constant c && !c.isPublic() ? new Op.Constant(random(new Random(9), c.value().shape()), false) : n.op();
      b.add(n.name(), op, n.inputs());
    }
    Path o = dir.resolve("o.mkp");
    ProgramFile.write(o, new Program(b.build(other.graph().outputs()), other.scales(), 12, true, other.bounds()), ProgramFile.Part.FULL, Map.of());
    Map<String, byte[]> entries = entries(a);
    entries.put("weights.bin", entries(o).get("weights.bin"));
    Path mixed = rewrite(entries);
    MusketeerException e = assertThrows(MusketeerException.class, () -> ProgramFile.read(mixed, true));
    assertTrue(e.getMessage().contains("another program"), e.getMessage());
  }

  @Test
  void editedManifestIsRefused() throws IOException {
    Path f = dir.resolve("p.mkp");
    ProgramFile.write(f, program(), ProgramFile.Part.FULL, Map.of());
    Map<String, byte[]> entries = entries(f);
    String m = new String(entries.get("manifest.json"), StandardCharsets.UTF_8);
    String edited = m.replaceFirst("\"bound\": 20", "\"bound\": 63");
    assertFalse(edited.equals(m));
    entries.put("manifest.json", edited.getBytes(StandardCharsets.UTF_8));
    MusketeerException e = assertThrows(MusketeerException.class, () -> ProgramFile.read(rewrite(entries), true));
    assertTrue(e.getMessage().contains("program hash"), e.getMessage());
  }

  @Test
  void newerVersionUnknownEntriesAndDamageAreOneLineErrors() throws IOException {
    Path f = dir.resolve("p.mkp");
    ProgramFile.write(f, program(), ProgramFile.Part.FULL, Map.of());
    Map<String, byte[]> entries = entries(f);
    String m = new String(entries.get("manifest.json"), StandardCharsets.UTF_8);
    entries.put("manifest.json", m.replace("\"version\": 1", "\"version\": 2").getBytes(StandardCharsets.UTF_8));
    assertMessage(rewrite(entries), "newer than this musketeer reads");

    Map<String, byte[]> extra = entries(f);
    extra.put("notes.txt", new byte[] {1});
    assertMessage(rewrite(extra), "unknown entry");

    byte[] all = Files.readAllBytes(f);
    Path cut = dir.resolve("cut.mkp");
    Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
    assertMessage(cut, "damaged or truncated");
    assertFalse(ProgramFile.isProgramFile(dir.resolve("missing.mkp")));
    assertMessage(dir.resolve("missing.mkp"), "does not exist");

    Map<String, byte[]> notJson = entries(f);
    notJson.put("manifest.json", "{\"format\": \"musketeer-program\", \"version\": 1, \"nodes\": 3}".getBytes(StandardCharsets.UTF_8));
    assertMessage(rewrite(notJson), "'nodes' must be an array");
  }

  @Test
  void writingNeverLeavesAPartialFile() throws IOException {
    Path target = dir.resolve("sub").resolve("p.mkp");
    ProgramFile.write(target, program(), ProgramFile.Part.FULL, Map.of());
    try (var files = Files.list(target.getParent())) {
      assertEquals(1, files.count(), "only the program, no temporary file");
    }
    Path blocked = dir.resolve("file-not-dir");
    Files.writeString(blocked, "x");
    MusketeerException e = assertThrows(MusketeerException.class, () -> ProgramFile.write(blocked.resolve("p.mkp"), program(), ProgramFile.Part.FULL, Map.of()));
    assertFalse(e.getMessage().contains("\n"));
  }

  private static void assertMessage(Path f, String part) {
    MusketeerException e = assertThrows(MusketeerException.class, () -> ProgramFile.read(f, true));
    assertTrue(e.getMessage().contains(part), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  private static Map<String, byte[]> entries(Path f) throws IOException {
    Map<String, byte[]> m = new java.util.LinkedHashMap<>();
    try (ZipInputStream z = new ZipInputStream(Files.newInputStream(f))) {
      for (ZipEntry e; (e = z.getNextEntry()) != null; ) m.put(e.getName(), z.readAllBytes());
    }
    return m;
  }

  private Path rewrite(Map<String, byte[]> entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(bytes)) {
      for (var e : entries.entrySet()) {
        z.putNextEntry(new ZipEntry(e.getKey()));
        z.write(e.getValue());
        z.closeEntry();
      }
    }
    Path f = Files.createTempFile(dir, "rewritten", ".mkp");
    Files.write(f, bytes.toByteArray());
    return f;
  }
}
