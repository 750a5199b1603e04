package io.musketeer.mpc.protocol.fast;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.musketeer.mpc.testkit.ThreeParty;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FastReluQuickTest {
  @Test
  void allModesRandomInRange() {
    for (Mode mode : Mode.values()) {
      for (int k : new int[] {5, 24, 32, 40, 63}) {
        int f = mode.truncates() ? 4 : 0;
        Params p = Params.forLayer(k, mode, f);
        int n = 10_000;
        Random rnd = new Random(k * 31 + mode.ordinal());
        long[] x = new long[n];
        for (int i = 0; i < n; i++) x[i] = k == 63 ? rnd.nextLong() : (rnd.nextLong() >> (63 - k));
        long[][] sh = ThreeParty.share(x, rnd);
        var res = ThreeParty.run(s -> FastRelu.run(s, p, ThreeParty.of(s, sh), n));
        long[] out = ThreeParty.open(res.client(), res.server());
        for (int i = 0; i < n; i++) {
          long v = x[i];
          long want = switch (mode) {
            case DRELU -> v >= 0 ? 1 : 0;
            case RELU -> Math.max(v, 0);
            case RELU_TRUNC, RELU_TRUNC_EXACT -> Math.max(v >> f, 0);
          };
          if (mode == Mode.RELU_TRUNC && out[i] == want + 1 && v >= 0) continue;
          assertEquals(want, out[i], p + " x=" + v + " i=" + i);
        }
      }
    }
  }
}
