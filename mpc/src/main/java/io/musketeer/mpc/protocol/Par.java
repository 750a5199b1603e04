package io.musketeer.mpc.protocol;

import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Chunked loops over elements. The chunk size is a protocol constant (never the thread count), so a
 * correlated stream derived per chunk is the same at both of its holders however many cores each has.
 */
final class Par {
  /** Elements per chunk; also the granularity of the per-chunk correlated streams. */
  static final int CHUNK = 8192;

  private Par() {}

  static int chunks(int n) {
    return (n + CHUNK - 1) / CHUNK;
  }

  /** Runs body(chunk) for every chunk of n elements, on all cores when there is more than one chunk. */
  static void forEachChunk(int n, IntConsumer body) {
    int c = chunks(n);
    if (c <= 1) {
      if (c == 1) body.accept(0);
      return;
    }
    IntStream.range(0, c).parallel().forEach(body);
  }
}
