package io.musketeer.mpc.protocol.fast;

import io.musketeer.mpc.protocol.Beaver;
import io.musketeer.mpc.protocol.Comparison;
import io.musketeer.mpc.protocol.ComparisonPlan;
import io.musketeer.mpc.protocol.Session;
import io.musketeer.mpc.protocol.TruncMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The FastReLU comparison protocol (FASTRELU.md), selected by the name {@value #NAME}: every comparison
 * is a batched {@link FastRelu} call whose block partition and prime follow from the input bound
 * (FASTRELU.md §2), ReLU/truncation pairs are fused in the exact mode, and Max, MaxPool and ArgMax are
 * tournaments of batched RELU calls (§6).
 *
 * <p>Bounds: a comparison is correct for inputs within its bound (a program without bounds uses 63,
 * which holds for every 64-bit value); out of range, a ReLU returns x or 0, never garbage (§7), and the
 * cleartext interpreter emulates exactly that. A revealed truncation always uses k = 63, whatever the
 * bound: it is cheap (outputs are few) and an out-of-range value there would be garbage. An AvgPool's or
 * ReduceMean's division, and a truncation neither fused nor revealed, are exact when the program bounds
 * their inputs ({@link #divide}, {@link #truncate}).
 *
 * <p>Batches: a layer's comparisons are one call, split only when larger than the session's batch
 * size ({@link #defaultBatch}: the whole layer), so each layer costs 3 online flights.
 *
 * <p>Offline/online: {@link #prepare} lists every batch the program will run ({@link Pipeline}); the
 * helper then deals them in the background, in order, and sends each batch's dealing in the flight of
 * the previous batch's g (streamed), or all of them before the first comparison (ahead of time).
 */
public final class Fast implements Comparison {
  public static final String NAME = "fast";
  /** The variant whose helper sends the whole program's dealing before the first comparison. */
  public static final String AHEAD_NAME = "fast-ahead";
  /** Dealing streamed a batch ahead, in the flights of the calls before. */
  public static final Fast INSTANCE = new Fast(false);
  /** Dealing for the whole program ahead of time (the offline phase), before the first comparison. */
  public static final Fast AHEAD = new Fast(true);

  private final boolean ahead;

  private Fast(boolean ahead) {
    this.ahead = ahead;
  }

  @Override
  public String name() {
    return ahead ? AHEAD_NAME : NAME;
  }

  @Override
  public int defaultBatch() {
    return Integer.MAX_VALUE;
  }

  /**
   * A program's comparisons without a bound run at k = 63, whose dealing is about twice a calibrated
   * layer's per value: batches of this many keep a party's memory where a calibrated program's is, for
   * a few more flights (builtin:resnet50: 201 instead of 165, within a 256 MB heap instead of 384).
   */
  static final int UNBOUNDED_BATCH = 1 << 18;

  /** A whole layer, or {@link #UNBOUNDED_BATCH} when some comparison of the program has no bound. */
  @Override
  public int defaultBatch(io.musketeer.ir.Program program) {
    return io.musketeer.ir.GraphStats.hasUnboundedComparison(program) ? UNBOUNDED_BATCH : defaultBatch();
  }

  /** How an operation's FastReLU batches are carried out: run at a party, or only listed (planning). */
  interface Batches {
    /** Runs (or lists) one comparison of n elements; x is the holder's share, null at the helper and when planning. */
    long[] run(long[] x, int n, Params p);

    /** Whether this party holds shares (false at the helper and when planning). */
    boolean holder();

    boolean client();
  }

  /** The batches of a real party. */
  private Batches at(Session s) {
    return new Batches() {
      @Override
      public long[] run(long[] x, int n, Params p) {
        return call(s, x, n, p);
      }

      @Override
      public boolean holder() {
        return !s.isHelper();
      }

      @Override
      public boolean client() {
        return s.isClient();
      }
    };
  }

  @Override
  public long[] drelu(Session s, long[] x, int n, int boundBits) {
    Comparison.checkBound(boundBits);
    return at(s).run(x, n, Params.forLayer(boundBits, Mode.DRELU, 0));
  }

  @Override
  public long[] relu(Session s, long[] x, int n, int boundBits) {
    Comparison.checkBound(boundBits);
    return at(s).run(x, n, Params.forLayer(boundBits, Mode.RELU, 0));
  }

  @Override
  public long[] reluTruncate(Session s, long[] x, int n, int truncBits, int boundBits, TruncMode mode) {
    Comparison.checkBound(boundBits);
    if (mode == TruncMode.LOCAL_BEFORE_RELU || mode == TruncMode.LOCAL_AFTER_RELU) {
      return Comparison.super.reluTruncate(s, x, n, truncBits, boundBits, mode);
    }
    return at(s).run(x, n, fused(truncBits, boundBits, mode));
  }

  /** The parameters of a fused ReLU and truncation (a looser bound is still a bound, and f ≤ k is needed). */
  private static Params fused(int truncBits, int boundBits, TruncMode mode) {
    checkShift(truncBits);
    if (truncBits == 0) return Params.forLayer(boundBits, Mode.RELU, 0);
    int k = Math.max(boundBits, truncBits);
    return Params.forLayer(k, mode == TruncMode.STOCHASTIC ? Mode.RELU_TRUNC : Mode.RELU_TRUNC_EXACT, truncBits);
  }

  @Override
  public Set<TruncMode> truncModes() {
    return EnumSet.allOf(TruncMode.class);
  }

  /** Exact (FASTRELU.md §2's recommended default): the secure result is the cleartext interpreter's, bit for bit. */
  @Override
  public TruncMode fusedTruncation(boolean truncateFirst) {
    return TruncMode.EXACT;
  }

  @Override
  public long[] truncateRevealed(Session s, long[] x, int n, int truncBits, int boundBits) {
    Comparison.checkBound(boundBits);
    checkShift(truncBits);
    if (truncBits == 0) return s.isHelper() ? null : x;
    return at(s).run(x, n, Params.forLayer(UNBOUNDED, Mode.TRUNC, truncBits));
  }

  /**
   * Exact: one TRUNC call at the program's bound (what a calibrated program pays for bit-exact results);
   * without a bound, where TRUNC at k = 63 would cost every value about 1,400 bits, the local truncation
   * corrected by {@link #floorOfLocal}.
   */
  @Override
  public long[] truncate(Session s, long[] x, int n, int truncBits, int boundBits) {
    Params p = exactTruncation(truncBits, boundBits);
    if (p != null) return at(s).run(x, n, p);
    long[] q = Comparison.super.truncate(s, x, n, truncBits, boundBits);
    return truncBits == 0 ? q : floorOfLocal(at(s), x, q, j -> 1L << truncBits, 1L << truncBits, n);
  }

  /**
   * ⌊x_j/d_j⌋ from the local quotients q_j ({@link Truncation}): each is the floor or the ceiling, so the
   * remainder x_j − d_j·q_j is in (−d_j, d_j), and negative exactly when q_j is one too many. One DRELU
   * of that remainder, at the bound of the largest divisor ({@link #remainderSign}), takes that one off:
   * about 400 bits a value instead of a call at k = 63. It fails where the local quotient does (shares
   * that overflow when added, Truncation's class comment), and only there.
   */
  private static long[] floorOfLocal(Batches b, long[] x, long[] q, java.util.function.IntToLongFunction divisor, long maxDivisor, int n) {
    long[] remainder = null;
    if (b.holder()) {
      remainder = new long[n];
      for (int j = 0; j < n; j++) remainder[j] = x[j] - divisor.applyAsLong(j) * q[j];
    }
    long[] nonNegative = b.run(remainder, n, remainderSign(maxDivisor));
    if (b.holder()) for (int j = 0; j < n; j++) q[j] += nonNegative[j] - (b.client() ? 1 : 0);
    return q;
  }

  /** The DRELU of {@link #floorOfLocal}: its remainders are in (−d, d), within the bound ⌈log2 d⌉. */
  private static Params remainderSign(long maxDivisor) {
    return Params.forLayer(Math.max(1, Division.ceilLog2(maxDivisor)), Mode.DRELU, 0);
  }

  private static void checkShift(int truncBits) {
    if (truncBits < 0 || truncBits > 62) throw new IllegalArgumentException("truncation shift must be in 0..62, got " + truncBits);
  }

  private static Params exactTruncation(int truncBits, int boundBits) {
    Comparison.checkBound(boundBits);
    checkShift(truncBits);
    return boundBits >= UNBOUNDED || truncBits == 0 ? null : Params.forLayer(Math.max(boundBits, truncBits), Mode.TRUNC, truncBits);
  }

  /**
   * Exact ⌊x_j/d_j⌋ for window sums within the bound b, by multiplication (Granlund and Montgomery,
   * "Division by invariant integers using multiplication", PLDI 1994, theorem 4.2): n = x + d·2^b is
   * in [0, 2^N), N = b + ⌈log2(d_max + 1)⌉, and a multiple of d away from x; with t = N + ⌈log2 d_max⌉
   * and m = ⌈2^t/d⌉ (so m·d − 2^t &lt; d ≤ 2^(t−N)), ⌊n·m/2^t⌋ = ⌊n/d⌋ = ⌊x/d⌋ + 2^b. The offset and
   * m are public, so n·m is local; the shift is one exact TRUNC call. Without a bound, or when n·m may
   * pass 2^63, the local division corrected by {@link #floorOfLocal}.
   */
  @Override
  public long[] divide(Session s, long[] x, long[] divisors, int n, int boundBits) {
    Comparison.checkBound(boundBits);
    if (divisors.length != n) throw new IllegalArgumentException("divisors and values differ in number");
    long min = Long.MAX_VALUE, max = 1;
    for (long d : divisors) {
      if (d <= 0) throw new IllegalArgumentException("divisors must be positive");
      min = Math.min(min, d);
      max = Math.max(max, d);
    }
    Division v = Division.of(min, max, boundBits);
    if (v == null) {
      long[] q = Comparison.super.divide(s, x, divisors, n, boundBits);
      return max == 1 ? q : floorOfLocal(at(s), x, q, j -> divisors[j], max, n);
    }
    long offset = 1L << boundBits;
    long[] z = null;
    if (!s.isHelper()) {
      Beaver.checkLength(x, n);
      z = new long[n];
      for (int j = 0; j < n; j++) z[j] = (s.isClient() ? x[j] + divisors[j] * offset : x[j]) * Math.ceilDiv(1L << v.shift(), divisors[j]);
    }
    long[] q = at(s).run(z, n, v.params());
    if (s.isClient()) for (int j = 0; j < n; j++) q[j] -= offset;
    return q;
  }

  /**
   * An exact division's shift t and the bound of the products n·m it truncates; {@link #of} is null
   * when they may not fit, and when there is nothing to divide by (no values, or every divisor 1: the
   * local division is then exact).
   */
  record Division(int shift, int bound) {
    static Division of(long minDivisor, long maxDivisor, int boundBits) {
      if (boundBits >= UNBOUNDED || minDivisor < 1 || maxDivisor < minDivisor || maxDivisor == 1) return null;
      int n = boundBits + ceilLog2(maxDivisor + 1), t = n + ceilLog2(maxDivisor);
      if (t > 62) return null;
      long m = Math.ceilDiv(1L << t, minDivisor), nMax = (1L << n) - 1; // the largest m and n
      if (Math.multiplyHigh(nMax, m) != 0 || nMax * m < 0) return null;
      return new Division(t, Math.max(t, 64 - Long.numberOfLeadingZeros(nMax * m)));
    }

    Params params() {
      return Params.forLayer(bound, Mode.TRUNC, shift);
    }

    static int ceilLog2(long v) {
      return 64 - Long.numberOfLeadingZeros(v - 1);
    }
  }

  @Override
  public long[] maxPool(Session s, long[] windows, int slots, int count, int boundBits) {
    Comparison.checkBound(boundBits);
    if (slots < 1 || count < 0) throw new IllegalArgumentException("bad window shape");
    if (!s.isHelper()) Beaver.checkLength(windows, Math.multiplyExact(slots, count));
    return tournament(at(s), windows, slots, count, boundBits);
  }

  @Override
  public long[] argMax(Session s, long[] x, int rows, int len, int boundBits) {
    Comparison.checkBound(boundBits);
    if (len < 1 || rows < 0) throw new IllegalArgumentException("bad argmax shape");
    if (!s.isHelper()) Beaver.checkLength(x, Math.multiplyExact(rows, len));
    return argMax(at(s), x, rows, len, boundBits);
  }

  /**
   * ArgMax (FASTRELU.md §6): element i of a row is encoded as a_i·2^τ + (2^τ − 1 − i), τ = ⌈log2 len⌉,
   * so the encoded values are distinct and the first index wins ties; the tournament maximum m then
   * holds the index in its low τ bits, i* = 2^τ − 1 − (m mod 2^τ). The note opens those bits to the
   * client; to return shares instead, m mod 2^τ = low(m_0) + low(m_1) − 2^τ·[low(m_0) + low(m_1) ≥ 2^τ],
   * and the carry is one DRELU of bound τ on local values.
   */
  static long[] argMax(Batches b, long[] x, int rows, int len, int boundBits) {
    int tau = 32 - Integer.numberOfLeadingZeros(len - 1);
    if (tau == 0) return b.holder() ? new long[rows] : null;
    long tags = (1L << tau) - 1, two = 1L << tau;
    long[] enc = null;
    if (b.holder()) {
      enc = new long[rows * len]; // slot-major
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < len; j++) enc[j * rows + r] = (x[r * len + j] << tau) + (b.client() ? tags - j : 0);
      }
    }
    long[] m = tournament(b, enc, len, rows, Math.min(UNBOUNDED, boundBits + tau));
    long[] v = null;
    if (b.holder()) {
      v = new long[rows];
      for (int r = 0; r < rows; r++) v[r] = (m[r] & tags) - (b.client() ? two : 0);
    }
    long[] carry = b.run(v, rows, Params.forLayer(tau, Mode.DRELU, 0));
    if (!b.holder()) return null;
    long[] idx = new long[rows];
    for (int r = 0; r < rows; r++) idx[r] = (b.client() ? tags : 0) - (m[r] & tags) + two * carry[r];
    return idx;
  }

  /**
   * Max over k slot vectors of count elements within {@code boundBits}: at each level pairs (2p, 2p+1)
   * give max = right + ReLU(left − right), one RELU call over all the level's pairs at bound + 1 (a
   * difference of two values within the bound is within bound + 1); an odd last slot passes through.
   */
  static long[] tournament(Batches b, long[] v, int k, int count, int boundBits) {
    boolean holder = b.holder();
    Params level = Params.forLayer(Math.min(UNBOUNDED, boundBits + 1), Mode.RELU, 0);
    while (k > 1) {
      int pairs = k / 2, m = pairs * count, next = pairs + (k & 1);
      long[] d = null;
      if (holder) {
        d = new long[m];
        for (int p = 0; p < pairs; p++) {
          int a = 2 * p * count, c = a + count;
          for (int i = 0; i < count; i++) d[p * count + i] = v[a + i] - v[c + i];
        }
      }
      long[] r = b.run(d, m, level);
      long[] nv = null;
      if (holder) {
        nv = new long[next * count];
        for (int p = 0; p < pairs; p++) {
          int c = (2 * p + 1) * count;
          for (int i = 0; i < count; i++) nv[p * count + i] = v[c + i] + r[p * count + i];
        }
        if ((k & 1) == 1) System.arraycopy(v, (k - 1) * count, nv, pairs * count, count);
      }
      v = nv;
      k = next;
    }
    return holder ? Arrays.copyOf(v, count) : null;
  }

  // ------------------------------------------------------------------ planning and the dealing pipeline

  /** Lists every FastReLU batch of the calls, in order, and starts dealing them (see {@link Pipeline}). */
  @Override
  public void prepare(Session s, List<ComparisonPlan.Call> calls) {
    pipeline(s).plan(batches(calls, s.batchSize()));
  }

  /**
   * Ahead of time, the helper keeps every batch's masks and may still hold its dealing to both holders
   * in its send queue on a slow link, and each holder keeps the corrections it was dealt.
   */
  @Override
  public long heldAhead(List<ComparisonPlan.Call> calls, int batch) {
    if (!ahead) return 0;
    long client = 0, server = 0, helper = 0;
    for (Batch b : batches(calls, batch)) {
      FastRelu.Layout lay = new FastRelu.Layout(b.p(), b.n());
      client += lay.dealLen[0];
      server += lay.dealLen[1];
      helper += (long) lay.dealLen[0] + lay.dealLen[1] + lay.gLen;
    }
    return 8 * Math.max(helper, Math.max(client, server));
  }

  /** The FastReLU batches of the calls, in order, at most {@code batch} values each. */
  private List<Batch> batches(List<ComparisonPlan.Call> calls, int batch) {
    List<Batch> batches = new ArrayList<>();
    Batches planner = new Batches() {
      @Override
      public long[] run(long[] x, int n, Params p) {
        for (int lo = 0; lo < n; lo += batch) batches.add(new Batch(p, Math.min(batch, n - lo)));
        return null;
      }

      @Override
      public boolean holder() {
        return false;
      }

      @Override
      public boolean client() {
        return false;
      }
    };
    for (ComparisonPlan.Call c : calls) {
      switch (c) {
        case ComparisonPlan.Relu r -> planner.run(null, r.n(), Params.forLayer(r.bound(), Mode.RELU, 0));
        case ComparisonPlan.ReluTruncate r -> planner.run(null, r.n(), fused(r.bits(), r.bound(), fusedTruncation(r.truncateFirst())));
        case ComparisonPlan.ReluTruncateAdd r -> planner.run(null, r.n(), fused(r.bits(), r.bound(), TruncMode.EXACT));
        case ComparisonPlan.MaxPool m -> tournament(planner, null, m.slots(), m.count(), m.bound());
        case ComparisonPlan.ArgMax a -> argMax(planner, null, a.rows(), a.len(), a.bound());
        case ComparisonPlan.TruncateRevealed t -> {
          if (t.bits() > 0) planner.run(null, t.n(), Params.forLayer(UNBOUNDED, Mode.TRUNC, t.bits()));
        }
        case ComparisonPlan.Shift t -> {
          Params p = exactTruncation(t.bits(), t.bound());
          if (p != null) planner.run(null, t.n(), p);
          else if (t.bits() > 0) planner.run(null, t.n(), remainderSign(1L << t.bits()));
        }
        case ComparisonPlan.Divide d -> {
          Division v = Division.of(d.minDivisor(), d.maxDivisor(), d.bound());
          if (v != null) planner.run(null, d.n(), v.params());
          else if (d.maxDivisor() > 1) planner.run(null, d.n(), remainderSign(d.maxDivisor()));
        }
      }
    }
    batches.removeIf(b -> b.n() == 0);
    return batches;
  }

  /** One FastReLU batch of a plan. */
  record Batch(Params p, int n) {}

  private Pipeline pipeline(Session s) {
    return s.state(Pipeline.class, () -> new Pipeline(s, ahead));
  }

  /** One comparison of n elements, in batches of at most the session's batch size. */
  long[] call(Session s, long[] x, int n, Params p) {
    if (!s.isHelper()) Beaver.checkLength(x, n);
    if (n == 0) return s.isHelper() ? null : new long[0];
    int batch = s.batchSize();
    Pipeline pipe = pipeline(s);
    if (n <= batch) return pipe.run(p, x, n);
    long[] out = s.isHelper() ? null : new long[n];
    for (int lo = 0; lo < n; lo += batch) {
      int len = Math.min(batch, n - lo);
      long[] part = s.isHelper() ? null : Arrays.copyOfRange(x, lo, lo + len);
      long[] r = pipe.run(p, part, len);
      if (out != null) System.arraycopy(r, 0, out, lo, len);
    }
    return out;
  }
}
