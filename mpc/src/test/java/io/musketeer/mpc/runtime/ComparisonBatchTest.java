package io.musketeer.mpc.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Parallel;
import io.musketeer.core.Shape;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.attest.SessionSecurity;
import io.musketeer.mpc.net.InMemoryNetwork;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

/** The comparison batch: a session parameter that trades flights for memory, and that all three parties must share. */
class ComparisonBatchTest {
  /** A ReLU/truncation pair over 10,000 values and a max-pool of 10,000 pairs: ten batches of 1,024 each. */
  static Program program() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 50, 100, 2)));
    int relu = b.add("relu", new Op.Relu(), x);
    int t = b.add("relu/trunc", new Op.Truncate(8), relu);
    int pool = b.add("pool", new Op.MaxPool(new Op.Window(1, 2, 1, 1, 0, 0, 0, 1)), t);
    return new Program(b.build(pool), new int[] {16, 16, 8, 8}, 8, false, new int[] {63, 20, 20, 14});
  }

  static FloatTensor input() {
    Random r = new Random(5);
    float[] d = new float[10_000];
    for (int i = 0; i < d.length; i++) d[i] = (float) (r.nextGaussian() * 3);
    return new FloatTensor(Shape.of(1, 50, 100, 2), d);
  }

  /** On the calling threads only: the shared pool's workers would outlive the test (TcpTransportTest counts what is left running). */
  private static Map<Party, SecureParty.Result> run(IntUnaryOperator batchOf) {
    InMemoryNetwork net = new InMemoryNetwork(Duration.ofSeconds(20));
    return InProcessRun.onThreads(net::transport, (p, t) -> SecureParty.run(p, program(), ServerWeights.IN_PROGRAM, "fast", batchOf.applyAsInt(p.ordinal()), t,
        p == Party.CLIENT ? Map.of("x", input()) : Map.of(), LayerListener.NONE, Parallel.sequential(), SessionSecurity.semiHonest(), 1));
  }

  @Test
  void smallerBatchesGiveTheSameOutputInMoreFlights() {
    Map<Party, SecureParty.Result> whole = run(p -> SecureParty.defaultBatch("fast", program())), small = run(p -> 1024);
    assertArrayEquals(whole.get(Party.CLIENT).outputs().get(0).data(), small.get(Party.CLIENT).outputs().get(0).data());
    long before = whole.get(Party.CLIENT).report().rounds(), after = small.get(Party.CLIENT).report().rounds();
    // each of the two calls in 10 batches where it was one: at least two more flights for each extra batch
    assertTrue(after >= before + 2 * 9 * 2, "flights " + before + " with whole layers, " + after + " with batches of 1,024");
  }

  @Test
  void partiesThatDisagreeOnTheBatchRefuseEachOtherBeforeAnyShare() {
    RuntimeException e = assertThrows(RuntimeException.class, () -> run(p -> p == Party.CLIENT.ordinal() ? 1024 : SecureParty.defaultBatch("fast", program())));
    assertTrue(e.getMessage().contains("program mismatch") && e.getMessage().contains("comparison batch"), e.getMessage());
  }

  @Test
  void fastsDefaultIsAWholeLayerUnlessAComparisonHasNoBound() {
    Program bounded = program();
    assertEquals(Integer.MAX_VALUE, SecureParty.defaultBatch("fast", bounded));
    int[] bounds = bounded.bounds();
    bounds[3] = Program.UNBOUNDED; // the max-pool's input
    assertEquals(1 << 18, SecureParty.defaultBatch("fast", bounded.withBounds(bounds)));
    assertEquals(SecureParty.defaultBatch("porthos", bounded), SecureParty.defaultBatch("porthos", bounded.withBounds(bounds)), "porthos's cost has no bound in it");
  }

  @Test
  void theBatchIsPartOfWhatMaliciousPartiesAttest() {
    Program p = program();
    assertEquals(SecureParty.measurement(Party.SERVER, p, "fast").digest(), SecureParty.measurement(Party.SERVER, p, "fast", SecureParty.defaultBatch("fast", p)).digest());
    assertTrue(!SecureParty.measurement(Party.SERVER, p, "fast").digest().equals(SecureParty.measurement(Party.SERVER, p, "fast", 1024).digest()));
  }
}
