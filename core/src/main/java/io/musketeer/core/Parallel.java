package io.musketeer.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.function.IntConsumer;

/**
 * A worker pool for the kernels and the protocols: a {@link ForkJoinPool} of daemon threads, or the
 * calling thread alone. A secure session is given one pool and runs every parallel loop of its
 * protocols and kernels on it; {@link #shared()} is the machine-sized default that several sessions
 * (the three parties of an in-process run, say) share. A task started from inside the pool helps with
 * the work it waits for instead of blocking.
 */
public final class Parallel implements AutoCloseable {
  /** Below this many multiply-accumulates a kernel stays on the calling thread. */
  static final long MIN_PARALLEL_WORK = 1L << 20;

  private static final Parallel SEQUENTIAL = new Parallel(null, 1, false);

  private static final class Shared {
    static final Parallel POOL = new Parallel(newPool(Runtime.getRuntime().availableProcessors()), Runtime.getRuntime().availableProcessors(), false);
  }

  private final ForkJoinPool pool;
  private final int threads;
  private final boolean owned;

  private Parallel(ForkJoinPool pool, int threads, boolean owned) {
    this.pool = pool;
    this.threads = threads;
    this.owned = owned;
  }

  /** The process-wide pool, one thread per core, created on first use and never closed. */
  public static Parallel shared() {
    return Shared.POOL;
  }

  /** The calling thread only. */
  public static Parallel sequential() {
    return SEQUENTIAL;
  }

  /** A new pool of {@code threads} daemon threads (1: the calling thread only); {@link #close} it when done. */
  public static Parallel withThreads(int threads) {
    if (threads < 1) throw new IllegalArgumentException("threads must be positive: " + threads);
    return threads == 1 ? SEQUENTIAL : new Parallel(newPool(threads), threads, true);
  }

  private static ForkJoinPool newPool(int threads) {
    return new ForkJoinPool(Math.max(1, threads), p -> {
      var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
      t.setDaemon(true);
      t.setName("musketeer-worker-" + t.getPoolIndex());
      return t;
    }, null, false);
  }

  public int threads() {
    return threads;
  }

  /** Runs {@code body} for each task index in [0, tasks), on this pool's threads. */
  public void forEach(int tasks, IntConsumer body) {
    if (tasks <= 0) return;
    if (pool == null || tasks == 1) {
      for (int t = 0; t < tasks; t++) body.accept(t);
      return;
    }
    List<ForkJoinTask<?>> list = new ArrayList<>(tasks);
    for (int t = 0; t < tasks; t++) {
      int task = t;
      list.add(ForkJoinTask.adapt(() -> body.accept(task)));
    }
    if (ForkJoinTask.getPool() == pool) {
      ForkJoinTask.invokeAll(list);
    } else {
      pool.invoke(ForkJoinTask.adapt(() -> ForkJoinTask.invokeAll(list)));
    }
  }

  /** The pool a kernel of {@code work} multiply-accumulates should use: this one, or the calling thread when small. */
  Parallel forWork(long work) {
    return work < MIN_PARALLEL_WORK ? SEQUENTIAL : this;
  }

  /** Stops the threads of a pool from {@link #withThreads}; the shared and sequential pools are never closed. */
  @Override
  public void close() {
    if (owned) pool.shutdown();
  }

  @Override
  public String toString() {
    return "Parallel(" + threads + (pool == null ? " thread)" : " threads)");
  }
}
