package io.musketeer.mpc.protocol.porthos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.mpc.testkit.ThreeParty;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The common randomness behind the fixes of D1 and D2 (PROTOCOLS.md §4.5), drawn directly: for every
 * compared value and position the two share holders must hold the same multiplier s ∈ Z_p^*, zero-sharing
 * z ∈ Z_p and position mask ρ, drawn afresh for every operation and purpose and over every chunk. A
 * position mask left at zero (no permutation), a z never drawn (D1) or multipliers reused from another
 * operation (D2) all give correct comparisons, so only a test of the draws themselves (or of the helper's
 * view, HelperViewTest) sees them. A fast check beside HelperViewTest, which PIT does not run.
 */
class PrivateCompareMasksTest {
  /** Values drawn: more than one chunk (8192), the second one ragged. */
  private static final int N = 9000;

  /** One draw, copied out of the scratch buffers it lives in. */
  record Drawn(byte[] rho, byte[] mult, byte[] mask) {
    static Drawn of(PrivateCompare.Masks m) {
      return new Drawn(Arrays.copyOf(m.rho(), N), Arrays.copyOf(m.mult(), 64 * N), Arrays.copyOf(m.mask(), 64 * N));
    }
  }

  @Test
  void bothHoldersDrawTheSameFreshMasksForEveryValueAndPosition() {
    var r = ThreeParty.run(s -> {
      if (s.isHelper()) return null;
      long op = s.nextOpId(), next = s.nextOpId();
      Drawn first = Drawn.of(PrivateCompare.masks(s, "sc", op, N));
      Drawn nextOp = Drawn.of(PrivateCompare.masks(s, "sc", next, N));
      Drawn otherPurpose = Drawn.of(PrivateCompare.masks(s, "msb", op, N));
      return new Drawn[] {first, nextOp, otherPurpose};
    });
    Drawn[] c = r.client(), sv = r.server();
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(c[i].rho(), sv[i].rho(), "ρ common to the holders");
      assertArrayEquals(c[i].mult(), sv[i].mult(), "s common to the holders");
      assertArrayEquals(c[i].mask(), sv[i].mask(), "z common to the holders");
      spread(c[i]);
    }
    for (int i = 1; i < 3; i++) {
      String what = i == 1 ? "another operation" : "another purpose";
      assertFalse(Arrays.equals(c[0].rho(), c[i].rho()), "ρ of " + what);
      assertFalse(Arrays.equals(c[0].mult(), c[i].mult()), "s of " + what);
      assertFalse(Arrays.equals(c[0].mask(), c[i].mask()), "z of " + what);
      assertTrue(agreement(c[0].mult(), c[i].mult()) < 2.0 / 126, "s of " + what + " independent");
      assertTrue(agreement(c[0].mask(), c[i].mask()) < 2.0 / 127, "z of " + what + " independent");
    }
  }

  /** Every ρ in 0..63 and every element of Z_p^* (s) and Z_p (z) occurs in each chunk, nothing outside them. */
  private static void spread(Drawn d) {
    for (int[] range : new int[][] {{0, 8192}, {8192, N}}) {
      int lo = range[0], hi = range[1];
      long[] rho = new long[64], mult = new long[Zp.P], mask = new long[Zp.P];
      for (int i = lo; i < hi; i++) rho[d.rho()[i] & 63]++;
      for (int j = 64 * lo; j < 64 * hi; j++) {
        int s = d.mult()[j], z = d.mask()[j];
        assertTrue(s >= 1 && s < Zp.P, "s outside Z_p^*: " + s);
        assertTrue(z >= 0 && z < Zp.P, "z outside Z_p: " + z);
        mult[s]++;
        mask[z]++;
      }
      String chunk = "values " + lo + ".." + hi;
      for (int v = 0; v < 64; v++) assertTrue(rho[v] > 0, chunk + ": ρ never " + v);
      assertEquals(0, mult[0], chunk);
      double expected = 64.0 * (hi - lo) / Zp.P;
      for (int v = 0; v < Zp.P; v++) {
        if (v > 0) assertTrue(mult[v] > expected / 2, chunk + ": s = " + v + " drawn " + mult[v] + " times");
        assertTrue(mask[v] > expected / 2 && mask[v] < 2 * expected, chunk + ": z = " + v + " drawn " + mask[v] + " times");
      }
    }
  }

  private static double agreement(byte[] a, byte[] b) {
    int same = 0;
    for (int i = 0; i < a.length; i++) same += a[i] == b[i] ? 1 : 0;
    return (double) same / a.length;
  }
}
