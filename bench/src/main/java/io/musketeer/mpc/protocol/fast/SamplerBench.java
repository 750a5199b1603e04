package io.musketeer.mpc.protocol.fast;

import io.musketeer.mpc.random.Prg;
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
 * FastReLU's Z_q sampler, both paths (in this package because the sampler is package-private): the
 * Vector API's byte compress, and eight bytes per {@code Long.compress}. {@code Lanes.BYTE_COMPRESS}
 * picks one per CPU; this says whether the pick is right on another machine. 4,096 values per call, the
 * AES-CTR stream included.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class SamplerBench {
  /** A prime of a small block (acceptance 17/32) and of a large one (67/128). */
  @Param({"17", "67"})
  public int q;

  @Param({"true", "false"})
  public boolean vector;

  private Lanes.Sampler sampler;
  private final byte[] out = new byte[4096];

  @Setup
  public void setUp() {
    sampler = new Lanes.Sampler(new Prg(new byte[16]), q, false, vector);
  }

  @Benchmark
  public byte[] take4096() {
    sampler.take(out, 0, out.length);
    return out;
  }
}
