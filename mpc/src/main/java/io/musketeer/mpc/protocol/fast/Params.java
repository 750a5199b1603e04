package io.musketeer.mpc.protocol.fast;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The public parameters of one FastReLU layer (FASTRELU.md §1–§3): the bound k (inputs in
 * [−2^k, 2^k)), the mode, the truncation shift f, the partition of the low k bits into blocks
 * (least significant first, widths 1..4) and the prime p &gt; nb of the zero test. All parties derive
 * the same Params from the program, and the program hash covers (k, mode, f), from which
 * {@link #forLayer} derives the rest.
 *
 * @param f the truncation shift (0 unless the mode truncates; in the exact mode a block boundary)
 */
public record Params(int k, Mode mode, int f, int[] widths, int p) {
  /** Largest supported prime: sums of two or three Z_p values must fit a signed byte lane. */
  static final int MAX_PRIME = 61;

  public Params {
    widths = widths.clone();
    if (k < 1 || k > 63) throw new IllegalArgumentException("bound k must be in 1..63, got " + k);
    int sum = 0;
    for (int w : widths) {
      if (w < 1 || w > 4) throw new IllegalArgumentException("block widths must be in 1..4");
      sum += w;
    }
    if (sum != k) throw new IllegalArgumentException("block widths must add up to k = " + k);
    if (!isPrime(p) || p <= widths.length || p > MAX_PRIME) throw new IllegalArgumentException("p must be a prime in (nb, " + MAX_PRIME + "], got " + p);
    if (mode.truncates()) {
      if (f < 1 || f > k) throw new IllegalArgumentException("truncation shift must be in 1..k, got " + f);
      if (mode.exactShift() && blocksBelow(widths, f) < 0) throw new IllegalArgumentException(mode + " needs f at a block boundary");
    } else if (f != 0) {
      throw new IllegalArgumentException(mode + " does not truncate; f must be 0");
    }
  }

  @Override
  public int[] widths() {
    return widths.clone();
  }

  /** Number of blocks. */
  public int nb() {
    return widths.length;
  }

  /** Blocks below f (the exact mode's second comparison), or 0 when the mode is not exact. */
  public int nbF() {
    return mode.exactShift() ? blocksBelow(widths, f) : 0;
  }

  public int width(int j) {
    return widths[j];
  }

  /** Bit offset of block j. */
  public int offset(int j) {
    int o = 0;
    for (int i = 0; i < j; i++) o += widths[i];
    return o;
  }

  /** Bits per Z_p element on the wire: the bit length of p − 1. */
  public int lambda() {
    return 32 - Integer.numberOfLeadingZeros(p - 1);
  }

  /** The smallest primitive root mod p: the zero test's multipliers are s = g^a for a uniform a ∈ Z_(p−1). */
  int generator() {
    for (int g = 1; g < p; g++) {
      int order = 1;
      for (int x = g; x != 1; x = x * g % p) order++;
      if (order == p - 1) return g;
    }
    throw new IllegalStateException("no primitive root mod " + p);
  }

  /** Dealt one-hot (thermometer) entries per element: Σ_j (2^w_j − 1). */
  public int oneHotCount() {
    int c = 0;
    for (int w : widths) c += (1 << w) - 1;
    return c;
  }

  /** Dealt Z_L items per element (E, then ER or RH, ERH, then E2, EE2; TRUNC: RH, E2). */
  int ringItems() {
    return switch (mode) {
      case DRELU -> 1;
      case RELU -> 2;
      case RELU_TRUNC -> 3;
      case RELU_TRUNC_EXACT -> 5;
      case TRUNC -> 2;
    };
  }

  /** Dealt mod-2^f items per element (OM, OME, OMRK, OMRKE). */
  int wrapItems() {
    return mode.truncates() ? 4 : 0;
  }

  /** Zero-test positions per element: (nb + 1), plus (nb_f + 1) in the exact mode. */
  int positions() {
    return nb() + 1 + (mode.exactShift() ? nbF() + 1 : 0);
  }

  /** Online bits one share holder sends per element: c_t and its zero-test vector(s) (FASTRELU.md §9.1). */
  public long holderOnlineBits() {
    return 64 + (long) positions() * lambda();
  }

  /** Online bits the helper sends per element, to both holders together: g (and g2). */
  public long helperOnlineBits() {
    return mode.exactShift() ? 4 : 2;
  }

  /** Input-independent bits the helper sends per element, split between the holders by the halving rule. */
  public long helperOfflineBits() {
    return (long) lambda() * oneHotCount() + 64L * ringItems() + (long) f * wrapItems();
  }

  public long totalBitsPerElement() {
    return 2 * holderOnlineBits() + helperOnlineBits() + helperOfflineBits();
  }

  /** forLayer's choices so far, by (k, mode, f); at most 63 · 5 · 64 of them. */
  private static final Map<Long, Params> CHOSEN = new ConcurrentHashMap<>();

  /**
   * The cheapest partition for a layer (FASTRELU.md §2): for each block count nb, widths as equal as
   * possible (in the exact mode the f low bits and the k − f high bits apart), p the smallest prime
   * above nb, and the count minimising λ·(Σ(2^w − 1) + 2(nb + 1) [+ 2(nb_f + 1)]).
   */
  public static Params forLayer(int k, Mode mode, int f) {
    if (k < 1 || k > 63) throw new IllegalArgumentException("bound k must be in 1..63, got " + k);
    int shift = mode.truncates() ? f : 0;
    // every call of a layer asks again, and the search tries thousands of partitions in the exact mode
    return CHOSEN.computeIfAbsent(((long) k << 40) | ((long) mode.ordinal() << 32) | (shift & 0xFFFFFFFFL), key -> cheapest(k, mode, shift));
  }

  private static Params cheapest(int k, Mode mode, int f) {
    Params best = null;
    long bestCost = Long.MAX_VALUE;
    if (mode.exactShift()) {
      if (f < 1 || f > k) throw new IllegalArgumentException("truncation shift must be in 1..k, got " + f);
      int high = k - f;
      for (int a = (f + 3) / 4; a <= f; a++) {
        int bMin = (high + 3) / 4, bMax = high;
        for (int b = bMin; b <= bMax && nextPrime(a + b) <= MAX_PRIME; b++) {
          int[] w = concat(even(f, a), even(high, b));
          Params cand = new Params(k, mode, f, w, nextPrime(w.length));
          long cost = cand.totalBitsPerElement();
          if (cost < bestCost) {
            best = cand;
            bestCost = cost;
          }
        }
      }
    } else {
      for (int nb = (k + 3) / 4; nb <= k && nextPrime(nb) <= MAX_PRIME; nb++) {
        Params cand = new Params(k, mode, f, even(k, nb), nextPrime(nb));
        long cost = cand.totalBitsPerElement();
        if (cost < bestCost) {
          best = cand;
          bestCost = cost;
        }
      }
    }
    return best;
  }

  /** bits split into n widths as equal as possible, the wider ones first (least significant). */
  static int[] even(int bits, int n) {
    int[] w = new int[n];
    for (int i = 0; i < n; i++) w[i] = bits / n + (i < bits % n ? 1 : 0);
    return w;
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** The number of blocks whose offsets sum to exactly bits, or −1 when bits is not a block boundary. */
  private static int blocksBelow(int[] widths, int bits) {
    int o = 0;
    for (int j = 0; j <= widths.length; j++) {
      if (o == bits) return j;
      if (j < widths.length) o += widths[j];
    }
    return -1;
  }

  static int nextPrime(int n) {
    int q = n + 1;
    while (!isPrime(q)) q++;
    return q;
  }

  static boolean isPrime(int q) {
    if (q < 2) return false;
    for (int d = 2; d * d <= q; d++) if (q % d == 0) return false;
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Params q && q.k == k && q.mode == mode && q.f == f && q.p == p && Arrays.equals(q.widths, widths);
  }

  @Override
  public int hashCode() {
    return ((k * 31 + mode.hashCode()) * 31 + f) * 31 + p * 7 + Arrays.hashCode(widths);
  }

  @Override
  public String toString() {
    return "Params(k=" + k + ", " + mode + (f > 0 ? ", f=" + f : "") + ", widths=" + Arrays.toString(widths) + ", p=" + p + ")";
  }
}
