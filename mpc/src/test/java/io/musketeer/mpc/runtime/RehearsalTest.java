package io.musketeer.mpc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.Shape;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.protocol.Comparison;
import io.musketeer.mpc.protocol.ComparisonPlan;
import io.musketeer.mpc.protocol.Session;
import io.musketeer.mpc.protocol.TruncMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RehearsalTest {
  /**
   * Every kind of comparison call: a fused ReLU/truncation, a max-pool, a ReLU read twice (not fused), an
   * average pool's division, a revealed truncation and an arg-max, with bounds as a calibrated program has.
   */
  static Program everyKindOfCall() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 40, 40, 8)));
    int relu = b.add("relu", new Op.Relu(), x);
    int t = b.add("relu/trunc", new Op.Truncate(8), relu);
    int pool = b.add("pool", new Op.MaxPool(new Op.Window(3, 3, 2, 2, 1, 1, 1, 1)), t);
    int relu2 = b.add("relu2", new Op.Relu(), pool);
    int sum = b.add("sum", new Op.Add(), relu2, relu2);
    int avg = b.add("avg", new Op.AvgPool(new Op.Window(10, 10, 10, 10, 0, 0, 0, 0), false), sum);
    int flat = b.add("flat", new Op.Reshape(Shape.of(1, 32)), avg);
    int out = b.add("out", new Op.Truncate(4), flat);
    int arg = b.add("arg", new Op.ArgMax(1), out);
    int[] scales = {16, 16, 8, 8, 8, 8, 8, 8, 4, 0};
    int[] bounds = {63, 20, 20, 12, 12, 63, 22, 63, 14, 12};
    return new Program(b.build(out, arg), scales, 8, false, bounds);
  }

  @ParameterizedTest
  @ValueSource(strings = {"fast", "fast-ahead", "porthos"})
  void everyRoleRehearsesEveryCallOfTheProgramAloneAndToTheEnd(String protocol) {
    Program p = everyKindOfCall();
    List<ComparisonPlan.Call> planned = Rehearsal.shrunk(ComparisonPlan.of(p, true).calls());
    assertEquals(6, planned.size(), "one call per kind, bound and mode: " + planned);
    for (Party role : Party.values()) {
      Counting counting = new Counting(Protocols.comparison(protocol));
      Rehearsal.run(role, p, counting); // random answers from the stand-ins must not stop it
      assertEquals(List.of("reluTruncate", "maxPool", "relu", "divide", "truncateRevealed", "argMax"), counting.calls, role.label());
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 8192, 100_000})
  void callsAreCutToAFewThousandValues(int n) {
    List<ComparisonPlan.Call> calls = Rehearsal.shrunk(List.of(new ComparisonPlan.Relu(5, n, 20), new ComparisonPlan.Relu(9, n, 20),
        new ComparisonPlan.MaxPool(7, 9, n, 21)));
    assertEquals(List.of(new ComparisonPlan.Relu(0, Math.min(n, Rehearsal.VALUES), 20),
        new ComparisonPlan.MaxPool(0, 9, Math.max(1, Math.min(n, Rehearsal.VALUES / 9)), 21)), calls, "equal calls once");
    assertTrue(calls.stream().allMatch(c -> c.node() == 0));
  }

  /** A comparison protocol that records the calls it is given and passes them on. */
  static final class Counting implements Comparison {
    final Comparison inner;
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());

    Counting(Comparison inner) {
      this.inner = inner;
    }

    @Override
    public String name() {
      return inner.name();
    }

    @Override
    public int defaultBatch() {
      return inner.defaultBatch();
    }

    @Override
    public void prepare(Session s, List<ComparisonPlan.Call> planned) {
      inner.prepare(s, planned);
    }

    @Override
    public TruncMode fusedTruncation(boolean truncateFirst) {
      return inner.fusedTruncation(truncateFirst);
    }

    @Override
    public long[] drelu(Session s, long[] x, int n, int boundBits) {
      calls.add("drelu");
      return inner.drelu(s, x, n, boundBits);
    }

    @Override
    public long[] relu(Session s, long[] x, int n, int boundBits) {
      calls.add("relu");
      return inner.relu(s, x, n, boundBits);
    }

    @Override
    public long[] reluTruncate(Session s, long[] x, int n, int truncBits, int boundBits, TruncMode mode) {
      calls.add("reluTruncate");
      return inner.reluTruncate(s, x, n, truncBits, boundBits, mode);
    }

    @Override
    public long[] truncateRevealed(Session s, long[] x, int n, int truncBits, int boundBits) {
      calls.add("truncateRevealed");
      return inner.truncateRevealed(s, x, n, truncBits, boundBits);
    }

    @Override
    public long[] truncate(Session s, long[] x, int n, int truncBits, int boundBits) {
      calls.add("truncate");
      return inner.truncate(s, x, n, truncBits, boundBits);
    }

    @Override
    public long[] divide(Session s, long[] x, long[] divisors, int n, int boundBits) {
      calls.add("divide");
      return inner.divide(s, x, divisors, n, boundBits);
    }

    @Override
    public long[] maxPool(Session s, long[] windows, int slots, int count, int boundBits) {
      calls.add("maxPool");
      return inner.maxPool(s, windows, slots, count, boundBits);
    }

    @Override
    public long[] argMax(Session s, long[] x, int rows, int len, int boundBits) {
      calls.add("argMax");
      return inner.argMax(s, x, rows, len, boundBits);
    }
  }
}
