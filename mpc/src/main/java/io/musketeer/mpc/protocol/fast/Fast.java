package io.musketeer.mpc.protocol.fast;

import io.musketeer.mpc.protocol.Beaver;
import io.musketeer.mpc.protocol.Comparison;
import io.musketeer.mpc.protocol.Session;
import io.musketeer.mpc.protocol.TruncMode;
import java.util.Arrays;
import java.util.EnumSet;
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
 * bound: it is cheap (outputs are few) and an out-of-range value there would be garbage.
 *
 * <p>Batches: a layer's comparisons are one call, split only when larger than the session's batch
 * size ({@link #defaultBatch}: the whole layer), so each layer costs 3 online flights.
 */
public final class Fast implements Comparison {
  public static final String NAME = "fast";
  public static final Fast INSTANCE = new Fast();

  private Fast() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int defaultBatch() {
    return Integer.MAX_VALUE;
  }

  @Override
  public long[] drelu(Session s, long[] x, int n, int boundBits) {
    Comparison.checkBound(boundBits);
    return call(s, x, n, Params.forLayer(boundBits, Mode.DRELU, 0));
  }

  @Override
  public long[] relu(Session s, long[] x, int n, int boundBits) {
    Comparison.checkBound(boundBits);
    return call(s, x, n, Params.forLayer(boundBits, Mode.RELU, 0));
  }

  @Override
  public long[] reluTruncate(Session s, long[] x, int n, int truncBits, int boundBits, TruncMode mode) {
    Comparison.checkBound(boundBits);
    if (truncBits == 0) return relu(s, x, n, boundBits);
    if (truncBits < 0 || truncBits > 62) throw new IllegalArgumentException("truncation shift must be in 0..62, got " + truncBits);
    int k = Math.max(boundBits, truncBits); // a looser bound is still a bound, and f ≤ k is needed
    return switch (mode) {
      case STOCHASTIC -> call(s, x, n, Params.forLayer(k, Mode.RELU_TRUNC, truncBits));
      case EXACT -> call(s, x, n, Params.forLayer(k, Mode.RELU_TRUNC_EXACT, truncBits));
      case LOCAL_BEFORE_RELU, LOCAL_AFTER_RELU -> Comparison.super.reluTruncate(s, x, n, truncBits, boundBits, mode);
    };
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
    if (truncBits == 0) return s.isHelper() ? null : x;
    if (truncBits < 0 || truncBits > 62) throw new IllegalArgumentException("truncation shift must be in 0..62, got " + truncBits);
    return call(s, x, n, Params.forLayer(UNBOUNDED, Mode.TRUNC, truncBits));
  }

  @Override
  public long[] maxPool(Session s, long[] windows, int slots, int count, int boundBits) {
    Comparison.checkBound(boundBits);
    if (slots < 1 || count < 0) throw new IllegalArgumentException("bad window shape");
    if (!s.isHelper()) Beaver.checkLength(windows, Math.multiplyExact(slots, count));
    return tournament(s, windows, slots, count, boundBits);
  }

  /**
   * ArgMax (FASTRELU.md §6): element i of a row is encoded as a_i·2^τ + (2^τ − 1 − i), τ = ⌈log2 len⌉,
   * so the encoded values are distinct and the first index wins ties; the tournament maximum m then
   * holds the index in its low τ bits, i* = 2^τ − 1 − (m mod 2^τ). The note opens those bits to the
   * client; to return shares instead, m mod 2^τ = low(m_0) + low(m_1) − 2^τ·[low(m_0) + low(m_1) ≥ 2^τ],
   * and the carry is one DRELU of bound τ on local values.
   */
  @Override
  public long[] argMax(Session s, long[] x, int rows, int len, int boundBits) {
    Comparison.checkBound(boundBits);
    if (len < 1 || rows < 0) throw new IllegalArgumentException("bad argmax shape");
    boolean holder = !s.isHelper();
    int tau = 32 - Integer.numberOfLeadingZeros(len - 1);
    if (tau == 0) return holder ? new long[rows] : null;
    long[] enc = null;
    if (holder) {
      Beaver.checkLength(x, Math.multiplyExact(rows, len));
      enc = new long[rows * len]; // slot-major
      long tags = (1L << tau) - 1;
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < len; j++) enc[j * rows + r] = (x[r * len + j] << tau) + (s.isClient() ? tags - j : 0);
      }
    }
    long[] m = tournament(s, enc, len, rows, Math.min(UNBOUNDED, boundBits + tau));
    long low = (1L << tau) - 1, two = 1L << tau;
    long[] v = null;
    if (holder) {
      v = new long[rows];
      for (int r = 0; r < rows; r++) v[r] = (m[r] & low) - (s.isClient() ? two : 0);
    }
    long[] carry = call(s, v, rows, Params.forLayer(tau, Mode.DRELU, 0));
    if (!holder) return null;
    long[] idx = new long[rows];
    for (int r = 0; r < rows; r++) idx[r] = (s.isClient() ? low : 0) - (m[r] & low) + two * carry[r];
    return idx;
  }

  /**
   * Max over k slot vectors of count elements within {@code boundBits}: at each level pairs (2p, 2p+1)
   * give max = right + ReLU(left − right), one RELU call over all the level's pairs at bound + 1 (a
   * difference of two values within the bound is within bound + 1); an odd last slot passes through.
   */
  static long[] tournament(Session s, long[] v, int k, int count, int boundBits) {
    boolean holder = !s.isHelper();
    int bound = Math.min(UNBOUNDED, boundBits + 1);
    while (k > 1) {
      int pairs = k / 2, m = pairs * count, next = pairs + (k & 1);
      long[] d = null;
      if (holder) {
        d = new long[m];
        for (int p = 0; p < pairs; p++) {
          int a = 2 * p * count, b = a + count;
          for (int i = 0; i < count; i++) d[p * count + i] = v[a + i] - v[b + i];
        }
      }
      long[] r = call(s, d, m, Params.forLayer(bound, Mode.RELU, 0));
      long[] nv = null;
      if (holder) {
        nv = new long[next * count];
        for (int p = 0; p < pairs; p++) {
          int b = (2 * p + 1) * count;
          for (int i = 0; i < count; i++) nv[p * count + i] = v[b + i] + r[p * count + i];
        }
        if ((k & 1) == 1) System.arraycopy(v, (k - 1) * count, nv, pairs * count, count);
      }
      v = nv;
      k = next;
    }
    return holder ? Arrays.copyOf(v, count) : null;
  }

  /** One comparison of n elements, in batches of at most the session's batch size. */
  static long[] call(Session s, long[] x, int n, Params p) {
    if (!s.isHelper()) Beaver.checkLength(x, n);
    int batch = s.batchSize();
    if (n <= batch) return FastRelu.run(s, p, x, n);
    long[] out = s.isHelper() ? null : new long[n];
    for (int lo = 0; lo < n; lo += batch) {
      int len = Math.min(batch, n - lo);
      long[] part = s.isHelper() ? null : Arrays.copyOfRange(x, lo, lo + len);
      long[] r = FastRelu.run(s, p, part, len);
      if (out != null) System.arraycopy(r, 0, out, lo, len);
    }
    return out;
  }
}
