package io.musketeer.mpc.protocol.fast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.TrafficStats;
import io.musketeer.mpc.testkit.BothTransports;
import io.musketeer.mpc.testkit.ThreeParty;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * FastReLU against its cleartext definition (FASTRELU.md §11, "Tests to write"): exhaustive small k
 * over every partition, two primes and every mode and shift; edge values; random 64-bit inputs; the
 * forced wrap path; out-of-range inputs; message sizes against §9.1. Every test runs over in-memory
 * queues and over loopback TCP.
 */
class FastReluTest {
  // ------------------------------------------------------------------ cleartext definition

  /** The exact output for an in-range x (RELU_TRUNC: the floor; the protocol may add one). */
  static long expected(Params p, long x) {
    return switch (p.mode()) {
      case DRELU -> x >= 0 ? 1 : 0;
      case RELU -> Math.max(x, 0);
      case RELU_TRUNC, RELU_TRUNC_EXACT -> Math.max(x >> p.f(), 0);
      case TRUNC -> x >> p.f();
    };
  }

  /** Checks one output against the definition; RELU_TRUNC may round up for x ≥ 0. */
  static void check(Params p, long x, long out, String where) {
    long want = expected(p, x);
    if (p.mode() == Mode.RELU_TRUNC && x >= 0 && out == want + 1) return;
    if (out != want) fail(p + " x=" + x + ": got " + out + ", want " + want + (where.isEmpty() ? "" : " (" + where + ")"));
  }

  static long[] runOnce(ThreeParty.Net net, long seed, Params p, long[] x) {
    long[][] sh = ThreeParty.share(x, new Random(seed));
    Map<Party, long[]> r = ThreeParty.over(net).seed(seed).run(s -> FastRelu.run(s, p, ThreeParty.of(s, sh), x.length)).values();
    return ThreeParty.open(r.get(Party.CLIENT), r.get(Party.SERVER));
  }

  // ------------------------------------------------------------------ exhaustive small k

  /** Every composition of k into parts 1..4 (least significant first). */
  static List<int[]> partitions(int k) {
    List<int[]> out = new ArrayList<>();
    partitions(k, new int[k], 0, out);
    return out;
  }

  private static void partitions(int left, int[] acc, int n, List<int[]> out) {
    if (left == 0) {
      out.add(java.util.Arrays.copyOf(acc, n));
      return;
    }
    for (int w = 1; w <= Math.min(4, left); w++) {
      acc[n] = w;
      partitions(left - w, acc, n + 1, out);
    }
  }

  /** Block boundaries of a partition in 1..k: the shifts the exact mode accepts. */
  static List<Integer> boundaries(int[] widths) {
    List<Integer> out = new ArrayList<>();
    int o = 0;
    for (int w : widths) out.add(o += w);
    return out;
  }

  @BothTransports
  void exhaustiveSmallK(ThreeParty.Net net) {
    for (int k = 1; k <= 8; k++) {
      int span = 1 << (k + 1);
      int masks = Math.max(16, Math.min(64, 8192 / span));
      long[] x = new long[span * masks];
      for (int i = 0; i < x.length; i++) x[i] = (i % span) - (1L << k);
      for (Mode mode : Mode.values()) {
        List<Params> configs = new ArrayList<>();
        for (int[] w : partitions(k)) {
          int p1 = Params.nextPrime(w.length), p2 = Params.nextPrime(p1);
          for (int prime : new int[] {p1, p2}) {
            switch (mode) {
              case DRELU, RELU -> configs.add(new Params(k, mode, 0, w, prime));
              case RELU_TRUNC -> {
                for (int f = 1; f <= k; f++) configs.add(new Params(k, mode, f, w, prime));
              }
              case RELU_TRUNC_EXACT, TRUNC -> {
                for (int f : boundaries(w)) configs.add(new Params(k, mode, f, w, prime));
              }
            }
          }
        }
        long[][] sh = ThreeParty.share(x, new Random(k * 7L + mode.ordinal()));
        Map<Party, List<long[]>> r = ThreeParty.over(net).seed(100 + k).run(s -> {
          List<long[]> outs = new ArrayList<>();
          for (Params p : configs) outs.add(FastRelu.run(s, p, ThreeParty.of(s, sh), x.length));
          return outs;
        }).values();
        for (int c = 0; c < configs.size(); c++) {
          long[] out = ThreeParty.open(r.get(Party.CLIENT).get(c), r.get(Party.SERVER).get(c));
          for (int i = 0; i < x.length; i++) check(configs.get(c), x[i], out[i], "");
        }
      }
    }
  }

  /**
   * Primes above the lane count (up to the largest allowed): the zero test multiplies by table lookups
   * element by element there (machines with 16 or 32 byte lanes), not with a vector shuffle.
   */
  @Test
  void primesAboveTheLaneCount() {
    int k = 6;
    int[] w = {2, 2, 2};
    long[] x = new long[(1 << (k + 1)) * 64];
    for (int i = 0; i < x.length; i++) x[i] = (i % (1 << (k + 1))) - (1L << k);
    List<Params> configs = new ArrayList<>();
    for (int prime : new int[] {17, 37, Params.MAX_PRIME}) {
      for (Mode mode : Mode.values()) configs.add(new Params(k, mode, mode.truncates() ? 2 : 0, w, prime));
    }
    long[][] sh = ThreeParty.share(x, new Random(61));
    Map<Party, List<long[]>> r = ThreeParty.over(ThreeParty.Net.MEMORY).seed(61).run(s -> {
      List<long[]> outs = new ArrayList<>();
      for (Params p : configs) outs.add(FastRelu.run(s, p, ThreeParty.of(s, sh), x.length));
      return outs;
    }).values();
    for (int c = 0; c < configs.size(); c++) {
      long[] out = ThreeParty.open(r.get(Party.CLIENT).get(c), r.get(Party.SERVER).get(c));
      for (int i = 0; i < x.length; i++) check(configs.get(c), x[i], out[i], "");
    }
  }

  // ------------------------------------------------------------------ edge values and random inputs at l = 64

  static long[] edgeValues(int k, int f) {
    List<Long> v = new ArrayList<>();
    long two = 1L << k; // Long.MIN_VALUE for k = 63
    for (long a : new long[] {0, 1, -1, 2, -2, -two, two - 1, 1L << (k - 1), -(1L << (k - 1)), two - 2, -two + 1}) v.add(a);
    if (f > 0) {
      for (long a : new long[] {1L << f, -(1L << f), (1L << f) + 1, (1L << f) - 1, -(1L << f) + 1, -(1L << f) - 1, two - (1L << f)}) v.add(a);
    }
    if (k == 63) {
      v.add(Long.MIN_VALUE);
      v.add(Long.MAX_VALUE);
      v.add(Long.MIN_VALUE + 1);
    }
    long[] out = new long[v.size() * 64];
    for (int i = 0; i < out.length; i++) {
      long a = v.get(i % v.size());
      out[i] = Math.max(-two, Math.min(two - 1, a)); // clamp the few that fall outside for tiny k (k = 63: no-op)
      if (k == 63) out[i] = a;
    }
    return out;
  }

  @BothTransports
  void edgeValuesEveryModeAndBound(ThreeParty.Net net) {
    for (int k : new int[] {1, 2, 3, 12, 13, 24, 31, 32, 33, 40, 62, 63}) {
      for (Mode mode : Mode.values()) {
        int f = mode.truncates() ? Math.min(12, k) : 0;
        Params p = Params.forLayer(k, mode, f);
        long[] x = edgeValues(k, f);
        long[] out = runOnce(net, k * 4L + mode.ordinal(), p, x);
        for (int i = 0; i < x.length; i++) check(p, x[i], out[i], "edge value");
      }
    }
  }

  /** Uniform, log-uniform, small and near-bound inputs in [−2^k, 2^k). */
  static long[] randomInputs(int k, int n, Random rnd) {
    long two = 1L << k;
    long[] x = new long[n];
    for (int i = 0; i < n; i++) {
      long v = switch (i % 4) {
        case 0 -> k == 63 ? rnd.nextLong() : rnd.nextLong() >> (63 - k);
        case 1 -> {
          int bits = rnd.nextInt(k + 1);
          long m = bits == 0 ? 0 : rnd.nextLong() >>> (64 - bits);
          yield rnd.nextBoolean() ? m : -m - 1;
        }
        case 2 -> rnd.nextInt(65536) - 32768L;
        default -> rnd.nextBoolean() ? two - 1 - rnd.nextInt(1 << 10) : -two + rnd.nextInt(1 << 10);
      };
      x[i] = k == 63 ? v : Math.max(-two, Math.min(two - 1, v));
    }
    return x;
  }

  @BothTransports
  void randomInputsAtFullWidth(ThreeParty.Net net) {
    for (int k : new int[] {24, 32, 40, 62, 63}) {
      for (Mode mode : Mode.values()) {
        Params p = Params.forLayer(k, mode, mode.truncates() ? 12 : 0);
        int n = 3 * FastRelu.CHUNK + 1237; // several chunks and a ragged one
        long[] x = randomInputs(k, n, new Random(k + 17L * mode.ordinal()));
        long[] out = runOnce(net, 1000 + k + mode.ordinal(), p, x);
        long up = 0, nonNeg = 0;
        double bias = 0;
        for (int i = 0; i < n; i++) {
          check(p, x[i], out[i], "random");
          if (x[i] >= 0) {
            nonNeg++;
            up += out[i] - expected(p, x[i]);
            if (p.mode() == Mode.RELU_TRUNC) bias += out[i] - Math.scalb((double) x[i], -p.f());
          }
        }
        if (mode == Mode.RELU_TRUNC) {
          assertTrue(up > 0 && up < nonNeg, "stochastic rounding should round some values up and some down");
          // unbiased: the mean error is close to 0 (each error is in (−1, 1); 2^13 samples)
          assertTrue(Math.abs(bias / nonNeg) < 0.05, "mean rounding error " + bias / nonNeg);
        }
      }
    }
  }

  // ------------------------------------------------------------------ the forced wrap path

  @BothTransports
  void forcedWrapPath(ThreeParty.Net net) {
    FastRelu.forceWrapForTests = true;
    try {
      for (int k : new int[] {24, 32, 40, 62}) {
        for (Mode mode : new Mode[] {Mode.RELU_TRUNC, Mode.RELU_TRUNC_EXACT, Mode.TRUNC}) {
          Params p = Params.forLayer(k, mode, 12);
          int n = 2 * FastRelu.CHUNK;
          Random rnd = new Random(k);
          long[] x = new long[n];
          // positive (the ReLU modes' wrap matters only where b = 1); the bare truncation also negative
          for (int i = 0; i < n; i++) x[i] = mode == Mode.TRUNC && i % 4 == 3 ? -1 - (rnd.nextLong() >>> (64 - k)) : rnd.nextLong() >>> (64 - k);
          long seed = 5000 + k + mode.ordinal();
          long[] out = runOnce(net, seed, p, x);
          for (int i = 0; i < n; i++) check(p, x[i], out[i], "forced wrap");
          // the path is really taken: y + r wraps for many elements (r rebuilt from the test seeds, op id 0)
          int wraps = 0;
          for (int c = 0; c * FastRelu.CHUNK < n; c++) {
            long[] r0 = ThreeParty.randomness(Party.CLIENT, seed).sharedChunk(Party.HELPER, "fast/r", 0, c).longs(FastRelu.CHUNK);
            long[] r1 = ThreeParty.randomness(Party.SERVER, seed).sharedChunk(Party.HELPER, "fast/r", 0, c).longs(FastRelu.CHUNK);
            for (int i = 0; i < FastRelu.CHUNK; i++) {
              int e = c * FastRelu.CHUNK + i;
              if ((e & 1) != 0) continue;
              long low = (1L << k) - 1;
              long r = (r0[i] & low) + ((r1[i] & low) | ~((1L << (k + 1)) - 1));
              long y = x[e] + (1L << k);
              if (Long.compareUnsigned(y + r, r) < 0) wraps++;
            }
          }
          assertTrue(wraps > n / 16, "only " + wraps + " wrapping elements");
        }
      }
    } finally {
      FastRelu.forceWrapForTests = false;
    }
  }

  // ------------------------------------------------------------------ out of range

  @BothTransports
  void outOfRangeGivesXOrZeroNeverGarbage(ThreeParty.Net net) {
    for (int k : new int[] {8, 24, 40}) {
      for (Mode mode : new Mode[] {Mode.DRELU, Mode.RELU, Mode.RELU_TRUNC_EXACT}) {
        Params p = Params.forLayer(k, mode, mode.truncates() ? 4 : 0);
        int n = 8192;
        Random rnd = new Random(k);
        long[] x = new long[n];
        for (int i = 0; i < n; i++) {
          long m = (1L << k) + (rnd.nextLong() >>> (64 - k - 4)); // 2^k ≤ |x| < 2^(k+4) + 2^k
          x[i] = rnd.nextBoolean() ? m : -m - 1;
        }
        long[] out = runOnce(net, 9000 + k, p, x);
        for (int i = 0; i < n; i++) {
          long bPrime = 1 - ((x[i] >>> k) & 1); // the emulated comparison bit: 1 − bit(x, k)
          long want = switch (mode) {
            case DRELU -> bPrime;
            case RELU -> x[i] * bPrime;
            default -> (x[i] >> p.f()) * bPrime;
          };
          assertEquals(want, out[i], p + " out-of-range x=" + x[i]);
        }
      }
    }
  }

  // ------------------------------------------------------------------ traffic against FASTRELU.md §9.1

  @BothTransports
  void messageSizesMatchTheCostFormulas(ThreeParty.Net net) {
    for (int k : new int[] {24, 32, 40, 63}) {
      for (Mode mode : Mode.values()) {
        Params p = Params.forLayer(k, mode, mode.truncates() ? 12 : 0);
        int n = 16 * FastRelu.CHUNK;
        long[] x = randomInputs(k, n, new Random(k));
        long[][] sh = ThreeParty.share(x, new Random(1));
        Map<Party, TrafficStats.Snapshot> t = ThreeParty.over(net).seed(3).run(s -> FastRelu.run(s, p, ThreeParty.of(s, sh), n)).traffic();
        // payload bits per element, frame headers (16 bytes per message) and chunk padding aside
        double client = (t.get(Party.CLIENT).bytesSent() - 2 * 16) * 8.0 / n;
        double server = (t.get(Party.SERVER).bytesSent() - 2 * 16) * 8.0 / n;
        double helper = (t.get(Party.HELPER).bytesSent() - 4 * 16) * 8.0 / n;
        assertEquals(p.holderOnlineBits(), client, 0.05, p + " client bits per element");
        assertEquals(p.holderOnlineBits(), server, 0.05, p + " server bits per element");
        assertEquals(p.helperOnlineBits() + p.helperOfflineBits(), helper, 0.1, p + " helper bits per element");
        assertEquals(2, t.get(Party.CLIENT).rounds(), "client flights (c, zero test)");
        assertEquals(2, t.get(Party.HELPER).rounds(), "helper flights (dealing, g)");
      }
    }
  }
}
