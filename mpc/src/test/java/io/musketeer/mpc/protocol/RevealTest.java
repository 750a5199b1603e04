package io.musketeer.mpc.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.testkit.BothTransports;
import io.musketeer.mpc.testkit.ThreeParty;
import io.musketeer.mpc.testkit.ThreeParty.Net;
import org.junit.jupiter.api.Test;

class RevealTest {
  @BothTransports
  void inputsConstantsAndOpeningToTheClient(Net net) {
    long[] x = {0, -1, Long.MIN_VALUE, 42, Long.MAX_VALUE, 7, -9};
    long[] w = {3, 1, 2, -5, 1, 0, 1};
    long[] k = {1, 2, 3, 4, 5, 6, 7};
    int n = x.length;
    var r = ThreeParty.over(net).run(s -> {
      long[] xs = Reveal.rerandomize(s, Reveal.clientInput(s, s.isClient() ? x : null, n), n);
      long[] ws = Reveal.serverInput(s, s.isServer() ? w : null, n);
      long[] ks = Reveal.constant(s, k);
      long[] sum = null;
      if (!s.isHelper()) {
        sum = new long[n];
        for (int i = 0; i < n; i++) sum[i] = xs[i] + ws[i] + ks[i];
        if (s.isServer()) assertNotEquals(0L, xs[3]); // re-randomised: the server's share of x is no longer 0
      }
      return Reveal.toClient(s, sum);
    });
    long[] want = new long[n];
    for (int i = 0; i < n; i++) want[i] = x[i] + w[i] + k[i];
    assertArrayEquals(want, r.client());
    assertNull(r.server());
    assertNull(r.helper());
    // Output: 64 bits per element from the server, one message, one flight; nothing else is sent.
    assertEquals(8L * n + 16, r.traffic(Party.SERVER).bytesSent());
    assertEquals(1, r.traffic(Party.SERVER).rounds());
    assertEquals(0, r.traffic(Party.CLIENT).bytesSent());
    assertEquals(0, r.traffic(Party.HELPER).bytesSent());
  }
}
