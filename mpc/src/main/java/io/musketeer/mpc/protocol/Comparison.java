package io.musketeer.mpc.protocol;

import java.util.List;
import java.util.Locale;

/**
 * A secure comparison protocol: everything the executor needs that is not a Beaver product. Chosen by
 * name per run ({@link #byName}), so that a cheaper protocol can sit beside Porthos's.
 *
 * <p>All methods are called by all three parties with the same public sizes; the helper passes
 * {@code null} for share arrays and gets {@code null} back. Comparisons are correct for inputs (and, in
 * MaxPool and ArgMax, pairwise differences) in [−2^62, 2^62).
 */
public interface Comparison {
  /** The name that selects this protocol. */
  String name();

  /** Shares of [x ≥ 0] in {0, 1} (unscaled) for n elements. */
  long[] drelu(Session s, long[] x, int n);

  /** Shares of max(x, 0) for n elements, exact (no truncation). */
  long[] relu(Session s, long[] x, int n);

  /**
   * Max over each window of slot-major gathered windows ({@code windows[slot * count + i]}, the layout of
   * {@code RingKernels.gatherWindows}): shares of count maxima.
   */
  long[] maxPool(Session s, long[] windows, int slots, int count);

  /** Shares of the index (unscaled, first index on ties) of the maximum of each row of x[rows, len]. */
  long[] argMax(Session s, long[] x, int rows, int len);

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

  /** The known protocol names. */
  static List<String> names() {
    return List.of(Porthos.NAME);
  }

  /** The protocol called {@code name} (case-insensitive). */
  static Comparison byName(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case Porthos.NAME -> Porthos.INSTANCE;
      default -> throw new IllegalArgumentException("unknown comparison protocol '" + name + "' (known: " + String.join(", ", names()) + ")");
    };
  }
}
