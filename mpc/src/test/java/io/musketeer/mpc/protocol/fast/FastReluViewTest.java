package io.musketeer.mpc.protocol.fast;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.testkit.BothTransports;
import io.musketeer.mpc.testkit.ThreeParty;
import io.musketeer.mpc.testkit.View;
import java.util.Random;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/**
 * What the helper and the client see does not depend on the input (FASTRELU.md §8, §10): for pairs of
 * inputs, two-sample χ² tests compare features of the recorded views: the helper's zero-test vectors
 * (position of the zero, zeros of one party's half where the sum is not zero, joint values and ratios of
 * the two halves at a position) and the client's opened comparison bit h = c_k ⊕ β ⊕ g.
 *
 * <p>These tests have teeth (checked by mutation): without the zero-mask z the "d_1 = 0 where the sum
 * is not" and ratio features separate the inputs; without the rotation ρ the zero's position does;
 * without the helper's bit e the client's h equals DReLU(x).
 */
class FastReluViewTest {
  private static final int N = 1 << 15;

  /** The helper's view of one element: the two zero-test vectors of the main (and exact) instance. */
  record HelperView(int[][] d0, int[][] d1) {}

  static HelperView[] helperView(ThreeParty.Net net, Params p, long x, long seed) {
    long[] xs = new long[N];
    java.util.Arrays.fill(xs, x);
    long[][] sh = ThreeParty.share(xs, new Random(seed));
    View view = new View();
    ThreeParty.over(net).seed(seed).wrap((q, t) -> q == Party.HELPER ? view.record(t) : t).run(s -> FastRelu.run(s, p, ThreeParty.of(s, sh), N));
    long[] d0 = view.only(Party.CLIENT, "fast/zero-test").longs(), d1 = view.only(Party.SERVER, "fast/zero-test").longs();
    FastRelu.Layout lay = new FastRelu.Layout(p, N);
    HelperView[] out = new HelperView[N];
    int m = p.nb() + 1, m2 = p.nbF() + 1, positions = p.positions();
    boolean exact = p.mode() == Mode.RELU_TRUNC_EXACT;
    for (int c = 0; c < lay.chunks; c++) {
      int len = lay.len(c);
      byte[] a = new byte[positions * len], b = new byte[positions * len];
      Lanes.unpackPlanes(d0, lay.dOff[c], positions * len, p.lambda(), a, 0);
      Lanes.unpackPlanes(d1, lay.dOff[c], positions * len, p.lambda(), b, 0);
      for (int i = 0; i < len; i++) {
        int[][] va = new int[exact ? 2 : 1][], vb = new int[exact ? 2 : 1][];
        for (int inst = 0; inst < va.length; inst++) {
          int size = inst == 0 ? m : m2, first = inst == 0 ? 0 : m;
          va[inst] = new int[size];
          vb[inst] = new int[size];
          for (int q = 0; q < size; q++) {
            va[inst][q] = a[(first + q) * len + i];
            vb[inst][q] = b[(first + q) * len + i];
          }
        }
        out[lay.lo(c) + i] = new HelperView(va, vb);
      }
    }
    return out;
  }

  /** Two-sample χ² homogeneity statistic of a categorical feature, and its degrees of freedom. */
  static double[] chiSquare(int[] a, int[] b) {
    double stat = 0;
    int cats = 0;
    for (int i = 0; i < a.length; i++) {
      int n = a[i] + b[i];
      if (n == 0) continue;
      cats++;
      double d = a[i] - b[i];
      stat += d * d / n;
    }
    return new double[] {stat, Math.max(1, cats - 1)};
  }

  /** Far beyond the noise of a χ² with df degrees of freedom (mean df, standard deviation √(2df)). */
  static void assertSameDistribution(String what, int[] a, int[] b) {
    double[] r = chiSquare(a, b);
    double limit = r[1] + 8 * Math.sqrt(2 * r[1]) + 20;
    assertTrue(r[0] < limit, what + ": χ² = " + Math.round(r[0]) + " with " + (int) r[1] + " degrees of freedom: the view depends on the input");
  }

  static <T> int[] histogram(T[] views, int categories, ToIntFunction<T> feature) {
    int[] h = new int[categories];
    for (T v : views) h[feature.applyAsInt(v)]++;
    return h;
  }

  /** Features of one zero-test instance in the helper's view. */
  static void compareHelperViews(String what, HelperView[] a, HelperView[] b, int inst, int p) {
    int len = a[0].d0()[inst].length;
    // where the zero is (len = no zero)
    ToIntFunction<HelperView> zeroAt = v -> {
      for (int q = 0; q < len; q++) if ((v.d0()[inst][q] + v.d1()[inst][q]) % p == 0) return q;
      return len;
    };
    assertSameDistribution(what + ", position of the zero", histogram(a, len + 1, zeroAt), histogram(b, len + 1, zeroAt));
    // whether there is a zero, jointly with whether the server's half is 0 somewhere the sum is not
    ToIntFunction<HelperView> joint = v -> {
      int zero = 0, d1zero = 0;
      for (int q = 0; q < len; q++) {
        int e = (v.d0()[inst][q] + v.d1()[inst][q]) % p;
        if (e == 0) zero = 1;
        else if (v.d1()[inst][q] == 0) d1zero = 1;
      }
      return 2 * zero + d1zero;
    };
    assertSameDistribution(what + ", zero and server's zero halves", histogram(a, 4, joint), histogram(b, 4, joint));
    for (int q : new int[] {0, len - 1}) {
      ToIntFunction<HelperView> pair = v -> v.d0()[inst][q] * p + v.d1()[inst][q];
      // fewer categories than the pair, so more power on what s hides: the entry's value when not zero
      ToIntFunction<HelperView> sum = v -> (v.d0()[inst][q] + v.d1()[inst][q]) % p;
      assertSameDistribution(what + ", entry at position " + q, histogram(a, p, sum), histogram(b, p, sum));
      assertSameDistribution(what + ", both halves at position " + q, histogram(a, p * p, pair), histogram(b, p * p, pair));
      ToIntFunction<HelperView> ratio = v -> v.d1()[inst][q] == 0 ? 0 : (int) ((long) v.d0()[inst][q] * inverse(v.d1()[inst][q], p) % p);
      assertSameDistribution(what + ", ratio of the halves at position " + q, histogram(a, p, ratio), histogram(b, p, ratio));
    }
  }

  static int inverse(int a, int p) {
    return java.math.BigInteger.valueOf(a).modInverse(java.math.BigInteger.valueOf(p)).intValue();
  }

  @BothTransports
  void helperSeesNothingOfTheInput(ThreeParty.Net net) {
    for (int k : new int[] {24, 32}) {
      for (Mode mode : new Mode[] {Mode.RELU, Mode.RELU_TRUNC_EXACT}) {
        Params p = Params.forLayer(k, mode, mode.truncates() ? 12 : 0);
        long two = 1L << k;
        long[][] pairs = {{0, -1}, {two - 1, -two}, {5, -(two >> 1)}, {1, -2}};
        for (long[] pair : pairs) {
          HelperView[] a = helperView(net, p, pair[0], 11 + k), b = helperView(net, p, pair[1], 23 + k);
          String what = p + ", inputs " + pair[0] + " and " + pair[1];
          compareHelperViews(what, a, b, 0, p.p());
          if (mode == Mode.RELU_TRUNC_EXACT) compareHelperViews(what + " (second comparison)", a, b, 1, p.p());
        }
        if (net == ThreeParty.Net.TCP) break; // one configuration over TCP: the view does not depend on the transport
      }
    }
  }

  /**
   * The zero test's multiplication by table index (primes above the lane count: 16- or 32-byte lanes),
   * on any machine, with a prime above 32 as such a machine would take it.
   */
  @Test
  void helperSeesNothingOfTheInputWithScalarTables() {
    FastRelu.scalarTablesForTests = true;
    try {
      int k = 40;
      Params p = new Params(k, Mode.RELU, 0, Params.even(k, 36), 37);
      long two = 1L << k;
      for (long[] pair : new long[][] {{0, -1}, {two - 1, -two}}) {
        HelperView[] a = helperView(ThreeParty.Net.MEMORY, p, pair[0], 13), b = helperView(ThreeParty.Net.MEMORY, p, pair[1], 29);
        compareHelperViews(p + " (scalar tables), inputs " + pair[0] + " and " + pair[1], a, b, 0, p.p());
      }
    } finally {
      FastRelu.scalarTablesForTests = false;
    }
  }

  /** The client's opened h = c_k ⊕ β ⊕ g for each element, rebuilt from what the client knows. */
  static int[] clientH(ThreeParty.Net net, Params p, long x, long seed) {
    long[] xs = new long[N];
    java.util.Arrays.fill(xs, x);
    long[][] sh = ThreeParty.share(xs, new Random(seed));
    View view = new View();
    ThreeParty.over(net).seed(seed).wrap((q, t) -> q == Party.CLIENT ? view.record(t) : t).run(s -> FastRelu.run(s, p, ThreeParty.of(s, sh), N));
    long[] c1 = view.only(Party.SERVER, "fast/open-c").longs();
    long[] g = view.only(Party.HELPER, "fast/g").longs();
    FastRelu.Layout lay = new FastRelu.Layout(p, N);
    int[] hist = new int[4];
    var rnd = ThreeParty.randomness(Party.CLIENT, seed);
    int words = FastRelu.gWords(p);
    for (int c = 0; c < lay.chunks; c++) {
      int len = lay.len(c), lo = lay.lo(c);
      long[] r0 = rnd.sharedChunk(Party.HELPER, "fast/r", 0, c).longs(len);
      long[] beta = rnd.sharedChunk(Party.SERVER, "fast/beta", 0, c).longs(2 * (len / 64));
      for (int i = 0; i < len; i++) {
        int e = lo + i;
        long cv = sh[0][e] + (1L << p.k()) + r0[i] + c1[e];
        int gi = (int) ((g[(e >>> 6) * words] >>> e) & 1);
        int h = (int) ((cv >>> p.k()) & 1) ^ (int) ((beta[i >>> 6] >>> i) & 1) ^ gi;
        hist[2 * h + (int) ((c1[e] >>> 63) & 1)]++;
      }
    }
    return hist;
  }

  @BothTransports
  void clientSeesNothingOfTheSign(ThreeParty.Net net) {
    for (int k : new int[] {24, 32}) {
      Params p = Params.forLayer(k, Mode.RELU_TRUNC_EXACT, 12);
      for (long[] pair : new long[][] {{5, -5}, {0, -1}, {(1L << k) - 1, -(1L << k)}}) {
        assertSameDistribution(p + ", client's h for inputs " + pair[0] + " and " + pair[1], clientH(net, p, pair[0], 31 + k),
            clientH(net, p, pair[1], 47 + k));
      }
    }
  }
}
