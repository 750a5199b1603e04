package io.musketeer.bench;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.protocol.Comparison;
import io.musketeer.mpc.runtime.Protocols;
import io.musketeer.mpc.testkit.ThreeParty;
import java.util.Random;

/**
 * Microbenchmark (not a test): n ReLUs (default 1M) over the in-memory network, three parties in one
 * JVM. Prints seconds, ReLUs per second and bytes per ReLU. After a build:
 * {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar io.musketeer.bench.ReluBench 1000000 3}.
 */
public final class ReluBench {
  private ReluBench() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Random rnd = new Random(1);
    long[] x = new long[n];
    for (int i = 0; i < n; i++) x[i] = rnd.nextLong() >> 20;
    long[][] xs = ThreeParty.share(x, rnd);
    Comparison c = Protocols.comparison("porthos");
    for (int rep = 0; rep < reps; rep++) {
      var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      long cpu0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      var r = ThreeParty.run(rep, s -> c.relu(s, ThreeParty.of(s, xs), n, Comparison.UNBOUNDED));
      double sec = (System.nanoTime() - t0) / 1e9, cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
      long bytes = 0;
      for (Party p : Party.values()) bytes += r.traffic(p).bytesSent();
      long[] y = ThreeParty.open(r.client(), r.server());
      for (int i = 0; i < n; i++) if (y[i] != Math.max(0, x[i])) throw new AssertionError("wrong ReLU at " + i);
      System.out.printf("relu n=%d: %.3f s wall, %.3f s cpu (all parties), %.0f ReLU/s, %.1f bytes/ReLU (%.1f MB in all), cores=%d%n",
          n, sec, cpu, n / sec, bytes / (double) n, bytes / 1e6, Runtime.getRuntime().availableProcessors());
    }
  }
}
