package io.musketeer.mpc.protocol.porthos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.mpc.protocol.Session;
import io.musketeer.mpc.testkit.ThreeParty;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Defect D1 (PROTOCOLS.md §6): without the common zero-sharing z[k], the helper's view of PrivateCompare
 * determines the compared value t = r + β; with z, it does not.
 *
 * <p>The helper dealt the bit shares x_0[k], x_1[k], so for a guess of β and of t's leading bits it can
 * compute c_0[k] and c_1[k]. Without z, d_j[π(k)] = s[k]·c_j[k], so the projective ratio d_0 : d_1 of
 * every received position equals c_0[k] : c_1[k] whatever s and π are. A depth-first search over t's
 * bits, consuming one matching ratio per level, recovers t.
 */
class PrivateCompareLeakTest {
  private static final int P = 127, N = 40;

  @Test
  void withoutZeroSharingTheHelperRecoversTheComparedValue() {
    Trial t = trial(false, 21);
    int found = 0, small = 0;
    for (int i = 0; i < N; i++) {
      List<long[]> cands = attack(t, i);
      boolean hit = contains(cands, t.beta[i], t.t(i));
      if (hit) found++;
      if (cands.size() <= 3) small++; // in practice exactly one
    }
    assertEquals(N, found, "the true value is always consistent with the view");
    assertTrue(small >= N - 2, "the view pins t down to a handful of candidates (" + small + "/" + N + ")");
  }

  @Test
  void withZeroSharingTheViewDoesNotDetermineIt() {
    Trial t = trial(true, 22);
    int found = 0;
    for (int i = 0; i < N; i++) {
      List<long[]> cands = attack(t, i);
      if (contains(cands, t.beta[i], t.t(i))) found++;
    }
    assertTrue(found <= 1, "the attack finds the true t in " + found + "/" + N + " trials");

    // Each party's message alone is uniform on Z_p (it is masked by z), whatever x, r and β are.
    int[] hist = new int[P];
    for (byte d : t.d0) hist[d]++;
    double expect = t.d0.length / (double) P, chi2 = 0;
    for (int h : hist) chi2 += (h - expect) * (h - expect) / expect;
    assertTrue(chi2 < 200, "chi-square " + chi2 + " with 126 degrees of freedom");
  }

  @Test
  void openedSumsStillGiveTheRightAnswer() {
    for (boolean z : new boolean[] {false, true}) {
      Trial t = trial(z, 23);
      byte[] bp = ThreeParty.run(s -> PrivateCompare.open(s, t.d0, t.d1, N)).helper();
      for (int i = 0; i < N; i++) assertEquals(t.beta[i] ^ (Long.compareUnsigned(t.x[i], t.r[i]) > 0 ? 1 : 0), bp[i]);
    }
  }

  private static boolean contains(List<long[]> cands, long beta, long t) {
    for (long[] c : cands) if (c[0] == beta && c[1] == t) return true;
    return false;
  }

  record Trial(long[] x, long[] r, byte[] beta, byte[][] bits, byte[] d0, byte[] d1) {
    long t(int i) {
      return beta[i] == 0 ? r[i] : r[i] + 1;
    }
  }

  private static Trial trial(boolean zeroSharing, long seed) {
    Random rnd = new Random(seed);
    long[] x = new long[N], r = new long[N];
    byte[] beta = new byte[N];
    for (int i = 0; i < N; i++) {
      x[i] = rnd.nextLong();
      r[i] = rnd.nextLong();
      beta[i] = (byte) rnd.nextInt(2);
    }
    byte[][] bits = PorthosTest.bitShares(x, rnd);
    var res = ThreeParty.run(seed, s -> s.isHelper() ? null
        : PrivateCompare.messages(s, bits[s.self().ordinal()], r, beta, N, masks(s, zeroSharing)));
    return new Trial(x, r, beta, bits, res.client(), res.server());
  }

  /** The real masks, or (defect D1, reproduced here only) the same with the zero-sharing z removed. */
  static PrivateCompare.Masks masks(Session s, boolean zeroSharing) {
    PrivateCompare.Masks m = PrivateCompare.masks(s, "leak", 0, N);
    return zeroSharing ? m : new PrivateCompare.Masks(m.purpose(), m.op(), m.n(), m.rho(), m.mult(), new byte[m.mask().length]);
  }

  /** The helper's search: all (β, t) consistent with the ratios it received for value i (capped). */
  private static List<long[]> attack(Trial t, int i) {
    int[] seen = new int[P + 2];
    for (int q = 0; q < 64; q++) seen[ratio(t.d0[i * 64 + q], t.d1[i * 64 + q])]++;
    List<long[]> out = new ArrayList<>();
    for (int beta = 0; beta < 2; beta++) dfs(t.bits[0], t.bits[1], i * 64, beta, 0, 0, 0, 0L, seen, out);
    return out;
  }

  private static void dfs(byte[] x0, byte[] x1, int off, int beta, int k, int s0, int s1, long tPrefix, int[] seen, List<long[]> out) {
    if (out.size() > 1000) return;
    if (k == 64) {
      out.add(new long[] {beta, tPrefix});
      return;
    }
    int a = x0[off + k], b = x1[off + k];
    for (int tk = 0; tk < 2; tk++) {
      int c0 = beta == 0 ? s0 - a + 1 + tk : s0 + a + 1 - tk;
      int c1 = beta == 0 ? s1 - b : s1 + b;
      int cls = ratio(Math.floorMod(c0, P), Math.floorMod(c1, P));
      if (seen[cls] == 0) continue;
      seen[cls]--;
      int w0 = tk == 0 ? a : 1 - a, w1 = tk == 0 ? b : -b;
      dfs(x0, x1, off, beta, k + 1, Math.floorMod(s0 + w0, P), Math.floorMod(s1 + w1, P), (tPrefix << 1) | tk, seen, out);
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
}
