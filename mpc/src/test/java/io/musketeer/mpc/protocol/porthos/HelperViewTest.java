package io.musketeer.mpc.protocol.porthos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.protocol.Comparison;
import io.musketeer.mpc.protocol.Session;
import io.musketeer.mpc.random.Randomness;
import io.musketeer.mpc.testkit.ThreeParty;
import io.musketeer.mpc.testkit.ThreeParty.Net;
import io.musketeer.mpc.testkit.View;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The helper's actual view (every frame its transport receives, recorded by {@link View}) inside real
 * DReLU, ShareConvert, ComputeMSB, MaxPool and PrivateCompare runs, attacked and tested as PROTOCOLS.md
 * §4.5 and §6 say it must hold up:
 *
 * <ul>
 *   <li>the ratio attack of defect D1 finds nothing: the helper dealt both parties' bit shares, so
 *       without the zero-sharing z every received pair d_0 : d_1 equals c_0 : c_1 whatever s and π are,
 *       and a search over t's bits recovers the compared value (ShareConvert: r, hence the input;
 *       ComputeMSB: c = 2a + r);
 *   <li>the position of the zero (present iff β' = 1) is uniform over the 64 positions (the permutation);
 *   <li>the other opened values d_0 + d_1 are uniform on Z_p^* (fresh multipliers s, defect D2);
 *   <li>values from two purposes are independent: ShareConvert's and ComputeMSB's comparisons of the
 *       same element, and two invocations on the same input.
 * </ul>
 *
 * <p><b>False alarms.</b> Every run uses fixed, public test seeds, so each test is deterministic. The
 * thresholds are still those of a test with false-alarm probability 10^−9 for fresh randomness
 * (chi-square upper quantiles by the Wilson–Hilferty approximation; the attack needs a full 64-level
 * path of matching ratios, which random ratios give with probability below 2^−40 per value), so a change
 * of seeds or sizes does not make them flaky.
 */
class HelperViewTest {
  private static final int P = Zp.P, SEED = 31;
  /** Values per run; not a power of two, and above a chunk (8192) so that chunked streams are exercised. */
  private static final int N = 12_000;
  /** Values the attack is tried on per comparison kind and invocation. */
  private static final int ATTACKED = 24;

  /**
   * One comparison the helper took part in: what it knows (the compared x and both parties' shares of its
   * bits, which it dealt) and received (d_0, d_1), and the public value r of the comparison, which must
   * stay hidden from it.
   */
  record Compare(long x, byte[] x0, byte[] x1, byte[] d0, byte[] d1, long hidden) {
    /** [x &gt; r]: what the helper must not learn (it learns β' = β ⊕ [x &gt; r]). */
    boolean greater() {
      return Long.compareUnsigned(x, hidden) > 0;
    }

    int zeros() {
      int z = 0;
      for (int k = 0; k < 64; k++) z += e(k) == 0 ? 1 : 0;
      return z;
    }

    int zeroAt() {
      for (int k = 0; k < 64; k++) if (e(k) == 0) return k;
      return -1;
    }

    int e(int k) {
      return Math.floorMod(d0[k] + d1[k], P);
    }
  }

  /** The comparisons of one kind (ShareConvert's or ComputeMSB's) in each of the two invocations. */
  record Views(List<List<Compare>> sc, List<List<Compare>> msb) {}

  enum Source {
    DRELU, SHARE_CONVERT, COMPUTE_MSB, MAXPOOL
  }

  private static final Map<Source, Views> CACHE = new EnumMap<>(Source.class);

  static synchronized Views views(Source source) {
    return CACHE.computeIfAbsent(source, HelperViewTest::record);
  }

  // ------------------------------------------------------------------ the tests

  @ParameterizedTest
  @EnumSource(Source.class)
  void theRatioAttackFindsNothing(Source source) {
    Views v = views(source);
    int tried = 0;
    for (String kind : List.of("ShareConvert", "ComputeMSB")) {
      for (List<Compare> run : kind.equals("ShareConvert") ? v.sc() : v.msb()) {
        for (Compare c : run.subList(0, Math.min(ATTACKED, run.size()))) {
          assertTrue(!attack(c).contains(c.hidden()), source + ": the helper's view of " + kind + "'s comparison gives away the compared value");
          tried++;
        }
      }
    }
    assertTrue(tried >= 2 * ATTACKED, "attacked " + tried + " comparisons");
  }

  @ParameterizedTest
  @EnumSource(Source.class)
  void theZerosPositionIsUniform(Source source) {
    Views v = views(source);
    for (String name : List.of("ShareConvert", "ComputeMSB")) {
      List<List<Compare>> kind = name.equals("ShareConvert") ? v.sc() : v.msb();
      if (kind.isEmpty()) continue;
      long[] hist = new long[64];
      long with = 0, all = 0;
      for (List<Compare> run : kind) {
        for (Compare c : run) {
          int z = c.zeros();
          assertTrue(z <= 1, "at most one zero per compared value, got " + z);
          if (z == 1) {
            hist[c.zeroAt()]++;
            with++;
          }
          all++;
        }
      }
      assertTrue(with > all / 4 && with < 3 * all / 4, "β' = 1 for about half the values: " + with + " of " + all);
      assertUniform(source + " " + name + "'s zero positions", hist);
    }
  }

  /** β' = β ⊕ [x &gt; r] with a uniform common bit β: whether a zero appears says nothing about [x &gt; r]. */
  @ParameterizedTest
  @EnumSource(Source.class)
  void theZerosPresenceIsIndependentOfTheComparison(Source source) {
    Views v = views(source);
    for (String name : List.of("ShareConvert", "ComputeMSB")) {
      List<List<Compare>> kind = name.equals("ShareConvert") ? v.sc() : v.msb();
      if (kind.isEmpty()) continue;
      long[][] table = new long[2][2]; // [x > r][zero present]
      for (List<Compare> run : kind) for (Compare c : run) table[c.greater() ? 1 : 0][c.zeros()]++;
      assertIndependent(source + " " + name + ": presence of a zero vs [x > r]", table);
    }
  }

  @ParameterizedTest
  @EnumSource(Source.class)
  void theOtherValuesAreUniformOnZpStar(Source source) {
    Views v = views(source);
    for (String name : List.of("ShareConvert", "ComputeMSB")) {
      List<List<Compare>> kind = name.equals("ShareConvert") ? v.sc() : v.msb();
      if (kind.isEmpty()) continue;
      long[] hist = new long[P - 1];
      for (List<Compare> run : kind) {
        for (Compare c : run) {
          for (int k = 0; k < 64; k++) if (c.e(k) != 0) hist[c.e(k) - 1]++;
        }
      }
      assertUniform(source + " " + name + "'s non-zero opened values", hist);
    }
  }

  @ParameterizedTest
  @EnumSource(Source.class)
  void valuesFromTwoPurposesAreIndependent(Source source) {
    Views v = views(source);
    List<String> checked = new ArrayList<>();
    if (!v.sc().isEmpty() && !v.msb().isEmpty()) {
      for (int run = 0; run < 2; run++) independent(source + " ShareConvert vs ComputeMSB", v.sc().get(run), v.msb().get(run));
      checked.add("purposes");
    }
    if (!v.sc().isEmpty()) independent(source + " ShareConvert, first vs second invocation", v.sc().get(0), v.sc().get(1));
    if (!v.msb().isEmpty()) independent(source + " ComputeMSB, first vs second invocation", v.msb().get(0), v.msb().get(1));
    assertTrue(!checked.isEmpty() || source == Source.SHARE_CONVERT || source == Source.COMPUTE_MSB);
  }

  /** Two lists of comparisons of the same elements: the zeros' positions and the non-zero values at each position are independent. */
  private static void independent(String what, List<Compare> a, List<Compare> b) {
    assertEquals(a.size(), b.size(), what + ": the same elements");
    long[] xor = new long[64], ratio = new long[P - 1];
    for (int i = 0; i < a.size(); i++) {
      Compare u = a.get(i), w = b.get(i);
      if (u.zeros() == 1 && w.zeros() == 1) xor[u.zeroAt() ^ w.zeroAt()]++;
      for (int k = 0; k < 64; k++) {
        int eu = u.e(k), ew = w.e(k);
        if (eu != 0 && ew != 0) ratio[(int) ((long) eu * inverse(ew) % P) - 1]++;
      }
    }
    assertUniform(what + ": XOR of the zeros' positions", xor);
    assertUniform(what + ": ratio of the opened values at each position", ratio);
  }

  @Test
  void standalonePrivateCompareResistsTheRatioAttack() {
    Random rnd = new Random(7);
    int n = 64;
    long[] x = new long[n], r = new long[n];
    byte[] beta = new byte[n];
    for (int i = 0; i < n; i++) {
      x[i] = rnd.nextLong();
      r[i] = rnd.nextLong();
      beta[i] = (byte) rnd.nextInt(2);
    }
    byte[][] bits = PorthosTest.bitShares(x, rnd); // in the protocols the helper deals these: assume it knows them
    View view = new View();
    ThreeParty.over(Net.MEMORY).seed(SEED).wrap((p, t) -> p == Party.HELPER ? view.record(t) : t).run(s -> s.isHelper()
        ? PrivateCompare.run(s, null, null, null, n)
        : PrivateCompare.run(s, bits[s.self().ordinal()], r, beta, n));
    byte[] d0 = view.received(Party.CLIENT, "private-compare/d").get(0).bytes(), d1 = view.received(Party.SERVER, "private-compare/d").get(0).bytes();
    for (int i = 0; i < n; i++) {
      Compare c = new Compare(x[i], slice(bits[0], i), slice(bits[1], i), slice(d0, i), slice(d1, i), r[i]);
      assertTrue(!attack(c).contains(r[i]), "the helper's view gives away compared value " + i);
    }
  }

  /** The attack itself works: on messages built with D1 (no z; reproduced here, in test code only) it recovers nearly every value. */
  @Test
  void theAttackRecoversValuesWhenZIsMissing() {
    Random rnd = new Random(8);
    int n = 40;
    long[] x = new long[n], r = new long[n];
    byte[] beta = new byte[n];
    for (int i = 0; i < n; i++) {
      x[i] = rnd.nextLong();
      r[i] = rnd.nextLong();
      beta[i] = (byte) rnd.nextInt(2);
    }
    byte[][] bits = PorthosTest.bitShares(x, rnd);
    var res = ThreeParty.run(SEED, s -> {
      if (s.isHelper()) return null;
      PrivateCompare.Masks m = PrivateCompare.masks(s, "d1", 0, n);
      PrivateCompare.Masks withoutZ = new PrivateCompare.Masks(m.purpose(), m.op(), n, m.rho(), m.mult(), new byte[m.mask().length]);
      return PrivateCompare.messages(s, bits[s.self().ordinal()], r, beta, n, withoutZ).clone();
    });
    int found = 0, unique = 0;
    for (int i = 0; i < n; i++) {
      List<Long> cands = attack(new Compare(x[i], slice(bits[0], i), slice(bits[1], i), slice(res.client(), i), slice(res.server(), i), r[i]));
      if (cands.contains(r[i])) found++;
      if (cands.size() <= 3) unique++;
    }
    assertEquals(n, found, "the true value is always consistent with a D1 view");
    assertTrue(unique >= n - 2, "the D1 view pins the value down to a handful of candidates (" + unique + "/" + n + ")");
  }

  @Test
  void theHelpersViewIsTheSameOverTcp() {
    long[] x = inputs(2000, new Random(3));
    long[][] xs = ThreeParty.share(x, new Random(4));
    List<View.Frame> memory = helperView(Net.MEMORY, xs), tcp = helperView(Net.TCP, xs);
    assertEquals(memory.size(), tcp.size());
    for (int i = 0; i < memory.size(); i++) {
      View.Frame a = memory.get(i), b = tcp.get(i);
      assertEquals(a.step(), b.step(), "frame " + i);
      assertTrue(Arrays.deepEquals(new Object[] {a.payload()}, new Object[] {b.payload()}), "frame " + i + " differs");
    }
  }

  private static List<View.Frame> helperView(Net net, long[][] xs) {
    View view = new View();
    ThreeParty.over(net).seed(SEED).wrap((p, t) -> p == Party.HELPER ? view.record(t) : t)
        .run(s -> Porthos.INSTANCE.drelu(s, ThreeParty.of(s, xs), xs[0].length, Comparison.UNBOUNDED));
    return view.frames();
  }

  // ------------------------------------------------------------------ recording real runs

  /** Inputs in DReLU's range: small values, large ones, edge values. */
  static long[] inputs(int n, Random rnd) {
    long[] x = new long[n];
    for (int i = 0; i < n; i++) x[i] = i % 3 == 0 ? rnd.nextInt(2001) - 1000 : i % 3 == 1 ? rnd.nextLong() >> 2 : rnd.nextLong() >> 40;
    x[0] = 0;
    x[1] = -1;
    x[2] = (1L << 62) - 1;
    x[3] = -(1L << 62);
    return x;
  }

  /** Runs the source's primitive twice on the same input, recording the helper's view, and extracts its comparisons. */
  static Views record(Source source) {
    Random rnd = new Random(source.ordinal() + 100);
    View view = new View();
    ThreeParty.Runner runner = ThreeParty.over(Net.MEMORY).seed(SEED).wrap((p, t) -> p == Party.HELPER ? view.record(t) : t);
    Randomness helper = ThreeParty.randomness(Party.HELPER, SEED);
    List<List<Compare>> sc = new ArrayList<>(), msb = new ArrayList<>();
    switch (source) {
      case DRELU -> {
        long[] x = inputs(N, rnd);
        long[][] xs = ThreeParty.share(x, rnd);
        runner.run(s -> {
          Porthos.INSTANCE.drelu(s, ThreeParty.of(s, xs), N, Comparison.UNBOUNDED);
          return Porthos.INSTANCE.drelu(s, ThreeParty.of(s, xs), N, Comparison.UNBOUNDED);
        });
        long[] a = doubled(x);
        for (int run = 0; run < 2; run++) {
          sc.add(shareConvert(view, run, a));
          msb.add(computeMsb(view, helper, run, 4L * run + 1, a));
        }
      }
      case SHARE_CONVERT -> {
        long[] a = new long[N];
        for (int i = 0; i < N; i++) {
          a[i] = i < 4 ? new long[] {0, 1, Long.MIN_VALUE, -2}[i] : i % 3 == 0 ? rnd.nextLong() : i % 3 == 1 ? rnd.nextLong() >>> rnd.nextInt(64) : rnd.nextInt(1000);
          if (a[i] == -1L) a[i] = 0; // ShareConvert's input range
        }
        long[][] as = ThreeParty.share(a, rnd);
        runner.run(s -> {
          ShareConvert.run(s, ThreeParty.of(s, as), N);
          return ShareConvert.run(s, ThreeParty.of(s, as), N);
        });
        for (int run = 0; run < 2; run++) sc.add(shareConvert(view, run, a));
      }
      case COMPUTE_MSB -> {
        long[] a = new long[N], a0 = new long[N], a1 = new long[N];
        for (int i = 0; i < N; i++) {
          a[i] = i % 2 == 0 ? rnd.nextLong() >>> 1 : rnd.nextLong();
          if (a[i] == -1L) a[i] = 0;
          do a0[i] = rnd.nextLong(); while (a0[i] == -1L);
          a1[i] = OddRing.sub(a[i], a0[i]);
        }
        runner.run(s -> {
          ComputeMsb.run(s, s.isClient() ? a0 : s.isServer() ? a1 : null, N);
          return ComputeMsb.run(s, s.isClient() ? a0 : s.isServer() ? a1 : null, N);
        });
        for (int run = 0; run < 2; run++) msb.add(computeMsb(view, helper, run, 2L * run, a));
      }
      case MAXPOOL -> {
        int slots = 9, count = 1500;
        long[] w = new long[slots * count];
        for (int i = 0; i < w.length; i++) w[i] = i % 4 == 0 ? rnd.nextInt(9) - 4 : rnd.nextLong() >> 3;
        long[][] ws = ThreeParty.share(w, rnd);
        runner.run(s -> {
          Porthos.INSTANCE.maxPool(s, ThreeParty.of(s, ws), slots, count, Comparison.UNBOUNDED);
          return Porthos.INSTANCE.maxPool(s, ThreeParty.of(s, ws), slots, count, Comparison.UNBOUNDED);
        });
        List<long[]> levels = tournamentDifferences(w, slots, count);
        for (int run = 0; run < 2; run++) {
          List<Compare> s = new ArrayList<>(), m = new ArrayList<>();
          for (int level = 0; level < levels.size(); level++) {
            int batch = run * levels.size() + level;
            long[] a = doubled(levels.get(level));
            s.addAll(shareConvert(view, batch, a));
            m.addAll(computeMsb(view, helper, batch, 4L * batch + 1, a));
          }
          sc.add(s);
          msb.add(m);
        }
      }
    }
    return new Views(sc, msb);
  }

  /** 2x: DReLU's ShareConvert input. */
  private static long[] doubled(long[] x) {
    long[] a = new long[x.length];
    for (int i = 0; i < a.length; i++) a[i] = x[i] << 1;
    return a;
  }

  /** The DReLU inputs of each tournament level (pairs (2p, 2p+1) of slot vectors; an odd last slot passes). */
  private static List<long[]> tournamentDifferences(long[] v, int k, int count) {
    List<long[]> out = new ArrayList<>();
    while (k > 1) {
      int pairs = k / 2;
      long[] d = new long[pairs * count], next = new long[(pairs + (k & 1)) * count];
      for (int e = 0; e < d.length; e++) {
        int p = e / count, i = e % count, a = 2 * p * count + i, b = a + count;
        d[e] = v[a] - v[b];
        next[e] = Math.max(v[a], v[b]);
      }
      if ((k & 1) == 1) System.arraycopy(v, (k - 1) * count, next, pairs * count, count);
      out.add(d);
      v = next;
      k = pairs + (k & 1);
    }
    return out;
  }

  /**
   * ShareConvert's comparison in the batch-th ShareConvert of the view, for opened inputs a: the helper
   * opens x = ã_0 + ã_1 and deals x's bit shares (one share of each item goes out in its dealing
   * frames, the other is bit − share); the compared public value is r − 1 with r = x − a.
   */
  private static List<Compare> shareConvert(View view, int batch, long[] a) {
    long[] m0 = view.received(Party.CLIENT, "share-convert/masked").get(batch).longs();
    long[] m1 = view.received(Party.SERVER, "share-convert/masked").get(batch).longs();
    int n = m0.length;
    assertEquals(a.length, n);
    long[] x = new long[n], hidden = new long[n];
    for (int i = 0; i < n; i++) {
      x[i] = m0[i] + m1[i];
      hidden[i] = x[i] - a[i] - 1;
    }
    return compares(view, batch, "share-convert/deal", "share-convert/pc", x, hidden);
  }

  /**
   * ComputeMSB's comparison in the batch-th ComputeMSB of the view (operation id op), for opened odd-ring
   * inputs a: the helper's r = r_0 + r_1 comes from its own streams, its bits are dealt as in
   * ShareConvert, and the compared public value is c = 2a + r in the odd ring.
   */
  private static List<Compare> computeMsb(View view, Randomness helper, int batch, long op, long[] a) {
    int n = a.length;
    long[] r = new long[n], r1 = new long[n], hidden = new long[n];
    OddRing.fill(helper.shared(Party.CLIENT, "msb/r", op), r, 0, n);
    OddRing.fill(helper.shared(Party.SERVER, "msb/r", op), r1, 0, n);
    for (int i = 0; i < n; i++) {
      r[i] = OddRing.add(r[i], r1[i]);
      hidden[i] = OddRing.add(OddRing.add(a[i], a[i]), r[i]);
    }
    return compares(view, batch, "msb/deal", "msb/pc", r, hidden);
  }

  private static List<Compare> compares(View view, int batch, String dealStep, String pcStep, long[] x, long[] hidden) {
    int n = x.length, h = n / 2;
    byte[] toC = view.sent(Party.CLIENT, dealStep).get(batch).bytes(), toS = view.sent(Party.SERVER, dealStep).get(batch).bytes();
    byte[] d0 = view.received(Party.CLIENT, pcStep).get(batch).bytes(), d1 = view.received(Party.SERVER, pcStep).get(batch).bytes();
    assertEquals(64 * n, d0.length);
    List<Compare> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      byte[] x0 = new byte[64], x1 = new byte[64];
      for (int k = 0; k < 64; k++) {
        int bit = (int) (x[i] >>> (63 - k)) & 1;
        if (i < h) {
          x1[k] = toS[i * 64 + k];
          x0[k] = (byte) Math.floorMod(bit - x1[k], P);
        } else {
          x0[k] = toC[(i - h) * 64 + k];
          x1[k] = (byte) Math.floorMod(bit - x0[k], P);
        }
      }
      out.add(new Compare(x[i], x0, x1, slice(d0, i), slice(d1, i), hidden[i]));
    }
    return out;
  }

  private static byte[] slice(byte[] a, int i) {
    return Arrays.copyOfRange(a, 64 * i, 64 * i + 64);
  }

  // ------------------------------------------------------------------ the D1 attack (PROTOCOLS.md §6)

  /**
   * The helper's search: every public value r (as t − β) consistent with the ratios d_0 : d_1 it received,
   * capped. For a guess of β and of t's leading bits it computes c_0[k] and c_1[k] from the bit shares
   * it dealt; without z each received ratio equals one c_0[k] : c_1[k], whatever s and π are.
   */
  static List<Long> attack(Compare c) {
    int[] seen = new int[P + 2];
    for (int q = 0; q < 64; q++) seen[ratio(Math.floorMod(c.d0()[q], P), Math.floorMod(c.d1()[q], P))]++;
    List<Long> out = new ArrayList<>();
    for (int beta = 0; beta < 2; beta++) dfs(c.x0(), c.x1(), beta, 0, 0, 0, 0L, seen, out);
    return out;
  }

  private static void dfs(byte[] x0, byte[] x1, int beta, int k, int s0, int s1, long tPrefix, int[] seen, List<Long> out) {
    if (out.size() > 1000) return;
    if (k == 64) {
      out.add(tPrefix - beta);
      return;
    }
    int a = x0[k], b = x1[k];
    for (int tk = 0; tk < 2; tk++) {
      int c0 = beta == 0 ? s0 - a + 1 + tk : s0 + a + 1 - tk;
      int c1 = beta == 0 ? s1 - b : s1 + b;
      int cls = ratio(Math.floorMod(c0, P), Math.floorMod(c1, P));
      if (seen[cls] == 0) continue;
      seen[cls]--;
      int w0 = tk == 0 ? a : 1 - a, w1 = tk == 0 ? b : -b;
      dfs(x0, x1, beta, k + 1, Math.floorMod(s0 + w0, P), Math.floorMod(s1 + w1, P), (tPrefix << 1) | tk, seen, out);
      seen[cls]++;
    }
  }

  /** The projective class of (u : v) over Z_p: u/v, or P for (u : 0) with u ≠ 0, or P + 1 for (0 : 0). */
  private static int ratio(int u, int v) {
    if (v != 0) return (int) ((long) u * inverse(v) % P);
    return u != 0 ? P : P + 1;
  }

  private static int inverse(int v) {
    int r = 1, b = v, e = P - 2;
    while (e > 0) {
      if ((e & 1) == 1) r = r * b % P;
      b = b * b % P;
      e >>= 1;
    }
    return r;
  }

  // ------------------------------------------------------------------ statistics

  /** Chi-square goodness of fit against the uniform distribution on the bins, at false-alarm probability 10^−9. */
  static void assertUniform(String what, long[] hist) {
    long total = 0;
    for (long h : hist) total += h;
    double expect = total / (double) hist.length;
    assertTrue(expect >= 20, what + ": too few samples (" + total + ") for " + hist.length + " bins");
    double chi2 = 0;
    for (long h : hist) chi2 += (h - expect) * (h - expect) / expect;
    double limit = chiSquareLimit(hist.length - 1);
    assertTrue(chi2 < limit, what + " are not uniform: chi-square " + Math.round(chi2) + " with " + (hist.length - 1) + " degrees of freedom (limit "
        + Math.round(limit) + " at 1e-9)");
  }

  /** Chi-square test of independence of a 2×2 table at false-alarm probability 10^−9 (1 degree of freedom: limit 37.32). */
  static void assertIndependent(String what, long[][] t) {
    long n = t[0][0] + t[0][1] + t[1][0] + t[1][1];
    double chi2 = 0;
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 2; j++) {
        double expect = (double) (t[i][0] + t[i][1]) * (t[0][j] + t[1][j]) / n;
        assertTrue(expect >= 20, what + ": too few samples in a cell " + java.util.Arrays.deepToString(t));
        chi2 += (t[i][j] - expect) * (t[i][j] - expect) / expect;
      }
    }
    assertTrue(chi2 < 37.32, what + " are dependent: chi-square " + Math.round(chi2) + " with 1 degree of freedom (limit 37.32 at 1e-9), table "
        + java.util.Arrays.deepToString(t));
  }

  /** Upper 10^−9 quantile of chi-square with df degrees of freedom (Wilson–Hilferty; z = 5.998). */
  static double chiSquareLimit(int df) {
    double a = 2.0 / (9 * df), z = 5.997807;
    double c = 1 - a + z * Math.sqrt(a);
    return df * c * c * c;
  }

  @Test
  void chiSquareLimitsAreThoseOfTables() {
    // upper 1e-9 quantiles: 155.07 for 63 and 244.22 for 125 degrees of freedom (exact, from the
    // incomplete gamma function); the approximation is within 1 % and errs on the side of fewer alarms
    assertEquals(155.07, chiSquareLimit(63), 1.5);
    assertEquals(244.22, chiSquareLimit(125), 2.5);
    assertTrue(chiSquareLimit(63) >= 155.07 && chiSquareLimit(125) >= 244.22);
    assertEquals(414.55, chiSquareLimit(255), 4); // (the share holders' byte histograms)
    assertTrue(Session.DEFAULT_BATCH > 2 * N, "each run is one batch, so frames and batches correspond");
  }
}
