package io.musketeer.mpc.protocol.fast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.mpc.random.Prg;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LanesTest {
  /** Both sampler paths (vector compress, and eight bytes per Long.compress) against a byte-by-byte rejection loop. */
  @Test
  void bothSamplerPathsYieldExactlyTheAcceptedLowBitsInOrder() {
    for (int q : new int[] {2, 3, 5, 17, 31, 32, 33, 64, 67, 127}) {
      for (boolean nonZero : new boolean[] {false, true}) {
        int mask = (1 << (32 - Integer.numberOfLeadingZeros(q - 1))) - 1;
        byte[] key = new byte[16];
        key[0] = (byte) q;
        key[1] = (byte) (nonZero ? 1 : 0);
        int n = 20_000;
        byte[] want = new byte[n];
        Prg ref = new Prg(key);
        for (int i = 0; i < n; ) {
          int b = ref.nextByte() & mask;
          if (b < q && (!nonZero || b != 0)) want[i++] = (byte) b;
        }
        for (boolean vector : new boolean[] {false, true}) {
          Lanes.Sampler s = new Lanes.Sampler(new Prg(key), q, nonZero, vector);
          byte[] got = new byte[n];
          // uneven takes cross the sampler's buffer at odd places
          for (int off = 0, step = 1; off < n; off += step, step = step * 3 % 1000 + 1) s.take(got, off, Math.min(step, n - off));
          assertArrayEquals(want, got, "q " + q + (nonZero ? " non-zero" : "") + (vector ? " vector" : " eights"));
        }
        int[] hist = new int[q];
        for (byte v : want) hist[v]++;
        double e = (double) n / (nonZero ? q - 1 : q), chi2 = 0;
        for (int v = nonZero ? 1 : 0; v < q; v++) chi2 += (hist[v] - e) * (hist[v] - e) / e;
        assertTrue(chi2 < 3 * q + 30, "q " + q + ": chi-square " + chi2);
        if (nonZero) assertEquals(0, hist[0]);
      }
    }
  }

  @Test
  void bitPlanesRoundTrip() {
    Random r = new Random(7);
    for (int bits = 1; bits <= 7; bits++) {
      byte[] v = new byte[256], back = new byte[256];
      for (int i = 0; i < v.length; i++) v[i] = (byte) r.nextInt(1 << bits);
      long[] planes = new long[Lanes.planeLongs(v.length, bits)];
      assertEquals(planes.length, Lanes.packPlanes(v, 0, v.length, bits, planes, 0));
      assertEquals(planes.length, Lanes.unpackPlanes(planes, 0, v.length, bits, back, 0));
      assertArrayEquals(v, back);
      assertEquals(v[5] & 1, planes[0] >>> 5 & 1);
    }
  }
}
