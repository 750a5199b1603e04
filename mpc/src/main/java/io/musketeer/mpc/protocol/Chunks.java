package io.musketeer.mpc.protocol;

import java.util.function.IntConsumer;

/**
 * Chunked loops over elements on the session's worker pool. The chunk size is a protocol constant
 * (never the thread count), so a correlated stream derived per chunk is the same at both of its holders
 * however many cores each has.
 */
public final class Chunks {
  /** Elements per chunk; also the granularity of the per-chunk correlated streams. */
  public static final int SIZE = 8192;

  private Chunks() {}

  public static int count(int n) {
    return (n + SIZE - 1) / SIZE;
  }

  /** Runs body(chunk) for every chunk of n elements, on the session's workers when there is more than one chunk. */
  public static void forEach(Session s, int n, IntConsumer body) {
    s.workers().forEach(count(n), body);
  }
}
