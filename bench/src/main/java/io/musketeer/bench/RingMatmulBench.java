package io.musketeer.bench;

import io.musketeer.core.ConvGeometry;
import io.musketeer.core.Parallel;
import io.musketeer.core.RingKernels;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Ring (Z_2^64) kernels: a 512x512x512 matrix product and ResNet-50-like convolutions, on one thread
 * and on every core. GMAC/s = MACs / (ms/op) / 1e6; the MAC counts are in the method comments.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class RingMatmulBench {
  /** 1 = the calling thread only; 0 = every available processor. */
  @Param({"1", "0"})
  public int threads;

  static final int N = 512;
  long[] a, b;
  /** 3x3 conv, 56x56x64 -> 56x56x64, pad 1 (ResNet-50 conv2_x): 115.6 M MACs. */
  final ConvGeometry conv3x3 = new ConvGeometry(1, 56, 56, 64, 3, 3, 64, 1, 1, 1, 1, 1, 1, 1);
  /** 7x7 stride-2 conv, 224x224x3 -> 112x112x64, pad 3/2 (ResNet-50 conv1): 118.0 M MACs. */
  final ConvGeometry conv7x7 = new ConvGeometry(1, 224, 224, 3, 7, 7, 64, 2, 2, 3, 2, 3, 2, 1);
  long[] x3, f3, x7, f7;

  @Setup
  public void setup() {
    SplittableRandom r = new SplittableRandom(42);
    a = r.longs((long) N * N).toArray();
    b = r.longs((long) N * N).toArray();
    x3 = r.longs(conv3x3.inputShape().size()).toArray();
    f3 = r.longs(conv3x3.filterShape().size()).toArray();
    x7 = r.longs(conv7x7.inputShape().size()).toArray();
    f7 = r.longs(conv7x7.filterShape().size()).toArray();
  }

  private Parallel pool() {
    return threads == 0 ? Parallel.shared() : threads == 1 ? Parallel.sequential() : pools.computeIfAbsent(threads, Parallel::withThreads);
  }

  private final java.util.Map<Integer, Parallel> pools = new java.util.HashMap<>();

  /** 512^3 = 134.2 M MACs. */
  @Benchmark
  public long[] matmul512() {
    return RingKernels.matmul(a, b, N, N, N, pool());
  }

  @Benchmark
  public long[] conv3x3_56x56x64() {
    return RingKernels.conv2d(x3, f3, conv3x3, pool());
  }

  @Benchmark
  public long[] conv7x7s2_224x224x3() {
    return RingKernels.conv2d(x7, f7, conv7x7, pool());
  }
}
