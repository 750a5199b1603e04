package io.musketeer.mpc.protocol;

import java.util.EnumSet;
import java.util.Set;

/**
 * A secure comparison protocol: everything the executor needs that is not a Beaver product. The runtime
 * chooses one by name per run, so that a cheaper protocol can sit beside Porthos's.
 *
 * <p>All methods are called by all three parties with the same public sizes; the helper passes
 * {@code null} for share arrays and gets {@code null} back. The bound k of an input (1 ≤ k ≤ 63) promises
 * −2^k ≤ x &lt; 2^k; {@link #UNBOUNDED} promises nothing, and a protocol that needs no bound ignores it.
 * Porthos's comparisons need inputs (and, in MaxPool and ArgMax, pairwise differences) in [−2^62, 2^62)
 * whatever the bound.
 *
 * <p>FastReLU's modes (FASTRELU.md §2) map onto these calls: DRELU is {@link #drelu}, RELU is
 * {@link #relu}, RELU_TRUNC and RELU_TRUNC_EXACT are {@link #reluTruncate} with
 * {@link TruncMode#STOCHASTIC} and {@link TruncMode#EXACT}.
 */
public interface Comparison {
  /** The bound that promises nothing about the input. */
  int UNBOUNDED = 63;

  /** The name that selects this protocol. */
  String name();

  /**
   * Called by every party before a program's first comparison with the calls it will make, in order
   * ({@link ComparisonPlan}): a protocol may deal its input-independent material for them ahead of
   * time. The default does nothing.
   */
  default void prepare(Session s, java.util.List<ComparisonPlan.Call> calls) {}

  /**
   * Bytes of input-independent material the busiest party holds at once for the calls, beyond what
   * one batch in flight holds: a protocol that deals the whole program before the first comparison
   * holds all of it (its parties' heaps are sized with this). The default deals nothing ahead: 0.
   */
  default long heldAhead(java.util.List<ComparisonPlan.Call> calls, int batch) {
    return 0;
  }

  /** Shares of [x ≥ 0] in {0, 1} (unscaled) for n elements within {@code boundBits}. */
  long[] drelu(Session s, long[] x, int n, int boundBits);

  /** Shares of max(x, 0) for n elements within {@code boundBits}, exact (no truncation). */
  long[] relu(Session s, long[] x, int n, int boundBits);

  /**
   * Shares of max(x, 0) / 2^truncBits for n elements whose inputs are within {@code boundBits}, rounded as
   * {@code mode} says. The default offers the two local modes, the ReLU with local truncation of its input
   * or output; a protocol that offers another mode overrides this, {@link #truncModes} and
   * {@link #fusedTruncation}.
   *
   * @throws UnsupportedOperationException for a mode this protocol does not offer
   */
  default long[] reluTruncate(Session s, long[] x, int n, int truncBits, int boundBits, TruncMode mode) {
    checkBound(boundBits);
    return switch (mode) {
      case LOCAL_BEFORE_RELU -> {
        int bound = boundBits == UNBOUNDED ? UNBOUNDED : Math.max(1, boundBits - truncBits);
        yield relu(s, truncBits == 0 || s.isHelper() ? x : Truncation.truncate(s, x, truncBits), n, bound);
      }
      case LOCAL_AFTER_RELU -> {
        long[] y = relu(s, x, n, boundBits);
        yield truncBits == 0 || s.isHelper() ? y : Truncation.truncate(s, y, truncBits);
      }
      case STOCHASTIC, EXACT -> throw new UnsupportedOperationException(name() + " does not offer " + mode + " truncation");
    };
  }

  /** The rounding modes {@link #reluTruncate} offers. */
  default Set<TruncMode> truncModes() {
    return EnumSet.of(TruncMode.LOCAL_BEFORE_RELU, TruncMode.LOCAL_AFTER_RELU);
  }

  /**
   * The mode the executor asks for when it fuses a ReLU and a truncation; {@code truncateFirst} says the
   * program truncates the ReLU's input rather than its output. The default keeps the program's order
   * with local truncation, so fusing changes nothing.
   */
  default TruncMode fusedTruncation(boolean truncateFirst) {
    return truncateFirst ? TruncMode.LOCAL_BEFORE_RELU : TruncMode.LOCAL_AFTER_RELU;
  }

  /**
   * Shares of ⌊x/2^truncBits⌋ for n elements within {@code boundBits}, for a truncation whose result is
   * revealed (an output, or what reaches one through local ops). The default truncates locally: off by
   * one either way, and which way depends on the server's share, so an opened output tells the client a
   * bit of it per value (the known leak of probabilistic truncation); a protocol with an exact
   * truncation overrides this.
   */
  default long[] truncateRevealed(Session s, long[] x, int n, int truncBits, int boundBits) {
    checkBound(boundBits);
    return Truncation.truncate(s, x, truncBits);
  }

  /**
   * Shares of ⌊x/2^truncBits⌋ for n elements within {@code boundBits}, for a truncation neither fused
   * into a comparison nor revealed. The default truncates locally (now and then one unit off); a
   * protocol with an exact truncation may override this.
   */
  default long[] truncate(Session s, long[] x, int n, int truncBits, int boundBits) {
    checkBound(boundBits);
    return Truncation.truncate(s, x, truncBits);
  }

  /**
   * Shares of ⌊x_j / divisors_j⌋ for the n window sums of an AvgPool or ReduceMean, public positive
   * divisors, |x_j| &lt; 2^boundBits (UNBOUNDED when unknown); the helper passes x = null. The default
   * divides locally ({@link Truncation#divide}): now and then one unit off, which way depending on the
   * shares; a protocol with an exact truncation overrides this.
   */
  default long[] divide(Session s, long[] x, long[] divisors, int n, int boundBits) {
    checkBound(boundBits);
    return s.isHelper() ? null : Truncation.divide(s, x, divisors);
  }

  /**
   * Comparisons per batch when the run does not choose: each batch of a layer is one pass of the
   * protocol's flights, so fewer, larger batches mean fewer flights and more memory.
   */
  default int defaultBatch() {
    return Session.DEFAULT_BATCH;
  }

  /** The batch size for {@code program} when the run does not choose; by default the same for every program. */
  default int defaultBatch(io.musketeer.ir.Program program) {
    return defaultBatch();
  }

  /**
   * Max over each window of slot-major gathered windows ({@code windows[slot * count + i]}, the layout of
   * {@code RingKernels.gatherWindows}), whose values are within {@code boundBits}: shares of count maxima.
   */
  long[] maxPool(Session s, long[] windows, int slots, int count, int boundBits);

  /**
   * Shares of the index (unscaled, first index on ties) of the maximum of each row of x[rows, len], whose
   * values are within {@code boundBits}.
   */
  long[] argMax(Session s, long[] x, int rows, int len, int boundBits);

  /** Shares of bit ? a : b, that is b + bit·(a − b), for shared bits in {0, 1}: one Beaver product. */
  default long[] select(Session s, long[] bit, long[] a, long[] b, int n) {
    long[] d = null;
    if (!s.isHelper()) {
      Beaver.checkLength(a, n);
      Beaver.checkLength(b, n);
      d = new long[n];
      for (int i = 0; i < n; i++) d[i] = a[i] - b[i];
    }
    long[] z = Beaver.multiply(s, bit, d, n);
    if (s.isHelper()) return null;
    for (int i = 0; i < n; i++) z[i] += b[i];
    return z;
  }

  /** Rejects a bound outside 1..63. */
  static void checkBound(int boundBits) {
    if (boundBits < 1 || boundBits > UNBOUNDED) throw new IllegalArgumentException("input bound must be in 1..63 bits, got " + boundBits);
  }
}
