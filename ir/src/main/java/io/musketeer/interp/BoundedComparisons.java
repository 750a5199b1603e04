package io.musketeer.interp;

/**
 * What a comparison protocol with input bounds (FastReLU, FASTRELU.md §7) computes, in the clear, so
 * that the interpreter predicts the secure result exactly, out-of-range values included. A comparison
 * at bound k sees bit k of its input in two's complement: b' = 1 − bit(x, k), which is [x ≥ 0] for
 * every x in [−2^k, 2^k) and for k = 63 (no bound) for every x; a ReLU returns x·b'. MaxPool and ArgMax
 * are the protocol's tournaments (pairs (0,1), (2,3), ..., an odd last passing through; max(a, b) =
 * b + ReLU(a − b) at bound k + 1; ArgMax on values a·2^τ + 2^τ − 1 − index at bound k + τ).
 */
final class BoundedComparisons {
  /** Values seen outside their bound, counted as the protocol meets them. */
  long outOfBound;

  /** x, counted if outside bound k (where a comparison, an exact truncation or division goes wrong). */
  long within(long x, int k) {
    if (k < 63 && (x < -(1L << k) || x >= (1L << k))) outOfBound++;
    return x;
  }

  /** max(x, 0) as a comparison at bound k computes it. */
  long relu(long x, int k) {
    return ((within(x, k) >>> k) & 1) == 0 ? x : 0;
  }

  /** The maximum of v[0], v[stride], ... (k values), by the protocol's tournament at bound k + 1. */
  long tournament(long[] v, int slots, int bound) {
    int level = Math.min(63, bound + 1);
    while (slots > 1) {
      int pairs = slots / 2;
      for (int p = 0; p < pairs; p++) v[p] = v[2 * p + 1] + relu(v[2 * p] - v[2 * p + 1], level);
      if ((slots & 1) == 1) v[pairs] = v[slots - 1];
      slots = pairs + (slots & 1);
    }
    return v[0];
  }

  /** Max over slot-major windows, windows[slot * count + i]. */
  long[] maxPool(long[] windows, int slots, int count, int bound) {
    long[] out = new long[count], v = new long[slots];
    for (int i = 0; i < count; i++) {
      for (int s = 0; s < slots; s++) v[s] = windows[s * count + i];
      out[i] = tournament(v, slots, bound);
    }
    return out;
  }

  /** Index of the maximum along the middle axis of x[outer, len, inner], first on ties. */
  long[] argMax(long[] x, int outer, int len, int inner, int bound) {
    int tau = 32 - Integer.numberOfLeadingZeros(len - 1);
    long tags = (1L << tau) - 1;
    long[] out = new long[outer * inner], v = new long[len];
    for (int o = 0; o < outer; o++) {
      for (int in = 0; in < inner; in++) {
        for (int j = 0; j < len; j++) v[j] = (x[(o * len + j) * inner + in] << tau) + tags - j;
        long m = tournament(v, len, Math.min(63, bound + tau));
        out[o * inner + in] = tags - (m & tags);
      }
    }
    return out;
  }
}
