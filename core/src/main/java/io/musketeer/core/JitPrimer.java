package io.musketeer.core;

/**
 * Runs the ring's vector kernels on tiny matrices so that the JIT compiles them before a party's first
 * real layer. Until C2 intrinsifies the Vector API, each lane-wise operation is a call into its Java
 * fallback: the interpreted and C1 tiers of {@link RingGemm}'s micro-kernel are about a hundred times
 * slower than its compiled code, and reaching C2's thresholds on a convolution's real sizes costs a cold
 * party seconds. On tiny sizes the same thresholds cost milliseconds.
 */
public final class JitPrimer {
  private JitPrimer() {}

  private static final java.util.concurrent.atomic.AtomicBoolean STARTED = new java.util.concurrent.atomic.AtomicBoolean();
  /** Where the products go, so that no compiler can prove them unused. */
  static volatile long sink;

  /**
   * Heaps below this get no warm-up: it would compete for the little there is, and its own failures would
   * take the JVM's few preallocated out-of-memory errors (those with a stack trace) from the run's.
   */
  public static final long MIN_HEAP = 64L << 20;

  /** Starts the priming on a daemon thread, once per JVM, and returns at once. */
  public static void startInBackground() {
    if (Runtime.getRuntime().maxMemory() < MIN_HEAP || !STARTED.compareAndSet(false, true)) return;
    Thread t = new Thread(() -> {
      try {
        prime();
      } catch (RuntimeException | Error e) {
        // a warm-up only; the run itself reports what goes wrong
      }
    }, "jit-primer");
    t.setDaemon(true);
    t.start();
  }

  /**
   * 5 x 8 times 8 x (NR + 3): the 4-row and the 1-row micro-kernel, a full panel and a ragged one. Enough
   * rounds to pass C2's thresholds, then a round now and then until one runs at compiled speed (or ten
   * seconds pass): running on while the compile waits in the queue would only burn the slow tiers' time.
   */
  static void prime() {
    int k = 8, n = RingGemm.NR + 3;
    long[] a = new long[5 * k], b = new long[k * n];
    for (int i = 0; i < a.length; i++) a[i] = i * 0x9E3779B97F4A7C15L;
    for (int i = 0; i < b.length; i++) b[i] = i * 0xC2B2AE3D27D4EB4FL;
    long sum = 0;
    for (int round = 0; round < THRESHOLD_ROUNDS; round++) sum += round(a, b, k, n);
    long until = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < until) {
      long t0 = System.nanoTime();
      sum += round(a, b, k, n);
      if (System.nanoTime() - t0 < COMPILED_ROUND_NANOS) break;
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    sink = sum;
  }

  /** Rounds after which every kernel has passed C2's invocation and loop thresholds (5,000 and 15,000 with 8 loop trips a call). */
  static final int THRESHOLD_ROUNDS = 2500;
  /** A round of compiled code takes about a microsecond; of C1's, with the Vector API not intrinsified, hundreds. */
  static final long COMPILED_ROUND_NANOS = 20_000;

  private static long round(long[] a, long[] b, int k, int n) {
    return RingKernels.matmul(a, b, 5, k, n, Parallel.sequential())[n + 1];
  }
}
