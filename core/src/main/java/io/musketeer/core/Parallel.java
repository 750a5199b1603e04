package io.musketeer.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.function.IntConsumer;

/**
 * The one worker pool of the kernels: a {@link ForkJoinPool} of daemon threads sized to the machine,
 * created on first use. Several callers (the three parties of an in-process run, say) share it; a task
 * started from inside the pool helps with the work it waits for instead of blocking.
 */
final class Parallel {
  private Parallel() {}

  /** Below this many multiply-accumulates a kernel stays on the calling thread. */
  static final long MIN_PARALLEL_WORK = 1L << 20;

  static int defaultThreads() {
    return Runtime.getRuntime().availableProcessors();
  }

  private static final class Holder {
    static final ForkJoinPool POOL = new ForkJoinPool(Math.max(1, defaultThreads()));
  }

  /** Runs {@code body} for each task index in [0, tasks), on up to {@code threads} threads. */
  static void forEach(int tasks, int threads, IntConsumer body) {
    if (tasks <= 0) return;
    if (threads <= 1 || tasks == 1) {
      for (int t = 0; t < tasks; t++) body.accept(t);
      return;
    }
    List<ForkJoinTask<?>> list = new ArrayList<>(tasks);
    for (int t = 0; t < tasks; t++) {
      int task = t;
      list.add(ForkJoinTask.adapt(() -> body.accept(task)));
    }
    if (ForkJoinTask.inForkJoinPool()) {
      ForkJoinTask.invokeAll(list);
    } else {
      Holder.POOL.invoke(ForkJoinTask.adapt(() -> ForkJoinTask.invokeAll(list)));
    }
  }

  /** How many threads a kernel of {@code work} multiply-accumulates should use, given a cap. */
  static int threadsFor(long work, int maxThreads) {
    if (maxThreads < 1) throw new IllegalArgumentException("threads must be positive: " + maxThreads);
    return work < MIN_PARALLEL_WORK ? 1 : maxThreads;
  }
}
