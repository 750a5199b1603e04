package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Liveness;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.mpc.testkit.PartyProcesses;
import io.musketeer.programfile.ProgramFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The party heap sized from the program: enough for a program's widest layer, and no more than the floor for a small one. */
class PartyHeapTest {
  private static final long MB = 1 << 20;
  @TempDir Path dir;

  /** x [1, in] -> MatMul [in, hidden] -> ReLU -> MatMul [hidden, 10]: one wide layer of in·hidden weights. */
  private static Graph dense(int in, int hidden, long seed) {
    Random r = new Random(seed);
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, in)));
    int w1 = b.add("w1", new Op.Constant(random(r, Shape.of(in, hidden), 1.0 / Math.sqrt(in)), false));
    int h = b.add("relu", new Op.Relu(), b.add("fc1", new Op.MatMul(), x, w1));
    int w2 = b.add("w2", new Op.Constant(random(r, Shape.of(hidden, 10), 1.0 / Math.sqrt(hidden)), false));
    return b.build(b.add("fc2", new Op.MatMul(), h, w2));
  }

  private static FloatTensor random(Random r, Shape s, double scale) {
    float[] v = new float[s.size()];
    for (int i = 0; i < v.length; i++) v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
    return new FloatTensor(s, v);
  }

  @Test
  void aSmallProgramGetsTheFloor() {
    Program p = Compiler.compile(dense(16, 16, 1), 12);
    Liveness live = Liveness.of(p);
    assertEquals(PartyHeap.FLOOR, PartyHeap.bytes(live, false, 1, false));
    // uncalibrated: its comparisons run at k = 63, with larger batches
    assertTrue(PartyHeap.unboundedComparisons(p));
    assertTrue(PartyHeap.bytes(live, false, 1, true) >= PartyHeap.FLOOR + 128 * MB);
    // batches of 2^18 values hold a quarter of a whole layer's k = 63 dealing
    assertEquals(PartyHeap.FLOOR + 32 * MB, PartyHeap.bytes(live, false, 1, true, 1 << 18));
    // calibrated: the bound is on each comparison node (what it reads), not on the node that feeds it
    int[] bounds = p.bounds();
    for (int i = 0; i < p.graph().size(); i++) if (p.graph().node(i).op() instanceof Op.Relu) bounds[i] = 20;
    assertTrue(!PartyHeap.unboundedComparisons(p.withBounds(bounds)));
  }

  @Test
  void theHeapGrowsWithTheWidestLayerAndWithWhatThePartiesKeep() {
    Liveness live = Liveness.of(Compiler.compile(dense(2048, 4096, 1), 12));
    long run = PartyHeap.bytes(live, false, 1, false);
    assertTrue(run >= 6 * live.widestBytes(), run + " bytes for a widest node of " + live.widestBytes());
    // (each heap is rounded up to a megabyte)
    // compiling the model in each party holds its float weights several times over
    assertTrue(PartyHeap.bytes(live, true, 1, false) >= run + 8 * live.weightBytes() - MB);
    // a second inference keeps the weight masks: 8 bytes a weight
    assertTrue(PartyHeap.bytes(live, false, 2, false) >= run + 2 * live.weightBytes() - MB);
  }

  /**
   * A program whose one layer holds 16.8 M weights (134 MB of shares, against a 256 MB floor) runs in
   * the heap it is sized to, under the launcher's collector settings, and gives the emulation's top-1.
   */
  @Test
  void aProgramWithOneWideLayerRunsInItsSizedHeap() throws Exception {
    Program p = Compiler.compile(dense(2048, 8192, 7), 12);
    long heap = PartyHeap.bytes(Liveness.of(p), false, 1, PartyHeap.unboundedComparisons(p));
    assertTrue(heap > 2 * PartyHeap.FLOOR, "the test must size above the floor: " + heap / MB + " MB");
    Path model = dir.resolve("wide.mkp"), x = dir.resolve("x.npy"), out = dir.resolve("out.npy"), log = dir.resolve("local.log");
    ProgramFile.write(model, p, ProgramFile.Part.FULL, Map.of());
    FloatTensor input = random(new Random(3), Shape.of(1, 2048), 1);
    for (int i = 0; i < input.data().length; i++) input.data()[i] = Math.abs(input.data()[i]);
    Npy.write(x, input);

    List<String> cmd = new ArrayList<>(PartyProcesses.java("local", "--model", model.toString(), "--input", x.toString(), "--output", out.toString(),
        "--plaintext"));
    // the launcher's settings, which the parties inherit (musketeer): a fixed young generation leaves the rest for the layers
    cmd.addAll(1, List.of("-Xmn128m", "-XX:-G1UseAdaptiveIHOP", "-XX:InitiatingHeapOccupancyPercent=85"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().remove(PartyHeap.VARIABLE);
    Process local = pb.start();
    assertEquals(0, PartyProcesses.waitFor(local, 300), PartyProcesses.read(log));
    FloatTensor expected = FixedPointInterpreter.execute(p, Map.of("x", input)).outputs().get(0);
    assertArrayEquals(TopK.indices(expected.data(), 1), TopK.indices(Npy.read(out).data(), 1), PartyProcesses.read(log));
  }
}
