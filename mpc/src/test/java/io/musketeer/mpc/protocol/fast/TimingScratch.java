package io.musketeer.mpc.protocol.fast;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.testkit.ThreeParty;
import java.util.Random;

public class TimingScratch {
  public static void main(String[] a) {
    int n = Integer.parseInt(a[0]);
    int k = Integer.parseInt(a[1]);
    Mode mode = Mode.valueOf(a[2]);
    Params p = Params.forLayer(k, mode, mode.truncates() ? 12 : 0);
    System.out.println(p + " bits/elt " + p.totalBitsPerElement());
    long[] x = FastReluTest.randomInputs(k, n, new Random(1));
    long[][] sh = ThreeParty.share(x, new Random(2));
    java.lang.management.ThreadMXBean tb = java.lang.management.ManagementFactory.getThreadMXBean();
    for (int rep = 0; rep < Integer.parseInt(a[3]); rep++) {
      long t0 = System.nanoTime();
      long cpu0 = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
      var r = ThreeParty.over(ThreeParty.Net.MEMORY).seed(rep).run(s -> {
        long c0 = System.nanoTime();
        FastRelu.run(s, p, ThreeParty.of(s, sh), n);
        return (System.nanoTime() - c0) / 1e6;
      }).values();
      long cpu1 = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
      System.out.printf("rep %d: %.0f ms wall, %.0f ms cpu (%.0f ns/element); per party %s%n", rep, (System.nanoTime() - t0) / 1e6, (cpu1 - cpu0) / 1e6, (cpu1 - cpu0) / (double) n, r);
    }
  }
}
