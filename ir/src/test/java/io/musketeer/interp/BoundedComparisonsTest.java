package io.musketeer.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The cleartext comparisons at a bound k: exact inside [−2^k, 2^k) (each edge value included), what a
 * bounded comparison protocol returns outside it (the sign read off bit k), every value outside counted;
 * max pooling and argmax by the same comparisons, against plain loops.
 */
class BoundedComparisonsTest {
  @Test
  void reluIsExactInsideTheBoundAndCountsEveryValueOutside() {
    BoundedComparisons c = new BoundedComparisons();
    int k = 10;
    long lo = -(1L << k), hi = (1L << k) - 1;
    for (long x : new long[] {lo, lo + 1, -1, 0, 1, hi - 1, hi}) assertEquals(Math.max(x, 0), c.relu(x, k), "x = " + x);
    assertEquals(0, c.outOfBound, "edge values are inside");
    // outside: bit k decides, as the protocol's comparison of the low k+1 bits does
    assertEquals(0, c.relu(hi + 1, k)); // 2^k has bit k set: read as negative
    assertEquals(lo - 1, c.relu(lo - 1, k)); // -2^k - 1 has bit k clear: read as non-negative
    assertEquals(3L << (k + 1), c.relu(3L << (k + 1), k));
    assertEquals(3, c.outOfBound);
  }

  @Test
  void withoutABoundReluIsThePlainDefinitionAndNothingIsCounted() {
    BoundedComparisons c = new BoundedComparisons();
    for (long x : new long[] {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE, 1L << 62, -(1L << 62)}) {
      assertEquals(Math.max(x, 0), c.relu(x, 63), "x = " + x);
    }
    assertEquals(0, c.outOfBound);
  }

  @Test
  void maxPoolAndArgMaxMatchPlainLoopsInsideTheirBounds() {
    SplittableRandom r = new SplittableRandom(3);
    BoundedComparisons c = new BoundedComparisons();
    for (int slots : new int[] {1, 2, 3, 4, 5, 9}) {
      int count = 7;
      long[] windows = new long[slots * count];
      for (int i = 0; i < windows.length; i++) windows[i] = r.nextLong(-1000, 1000);
      long[] want = new long[count];
      for (int i = 0; i < count; i++) {
        want[i] = Long.MIN_VALUE;
        for (int s = 0; s < slots; s++) want[i] = Math.max(want[i], windows[s * count + i]);
      }
      assertArrayEquals(want, c.maxPool(windows.clone(), slots, count, 11), slots + " slots");
      assertArrayEquals(want, c.maxPool(windows.clone(), slots, count, 63), slots + " slots, unbounded");
    }
    // x[outer = 2, len = 5, inner = 3] with ties: the first index of the maximum
    long[] x = new long[2 * 5 * 3];
    for (int i = 0; i < x.length; i++) x[i] = r.nextInt(4) - 2;
    long[] want = new long[2 * 3];
    for (int o = 0; o < 2; o++)
      for (int in = 0; in < 3; in++) {
        int best = 0;
        for (int j = 1; j < 5; j++) if (x[(o * 5 + j) * 3 + in] > x[(o * 5 + best) * 3 + in]) best = j;
        want[o * 3 + in] = best;
      }
    assertArrayEquals(want, c.argMax(x, 2, 5, 3, 3));
    assertArrayEquals(want, c.argMax(x, 2, 5, 3, 63));
    assertArrayEquals(new long[] {0, 0}, c.argMax(new long[] {5, -5}, 2, 1, 1, 63), "a single candidate");
    // values near the bound: the index tags take exactly the bits the bound leaves
    long big = (1L << 50) - 1;
    assertArrayEquals(new long[] {2}, c.argMax(new long[] {-big, big - 1, big, big, -1}, 1, 5, 1, 51));
    assertEquals(0, c.outOfBound);
  }
}
