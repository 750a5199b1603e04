package io.musketeer.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The worker pool: every task index runs exactly once, on the pool's own daemon threads, nested loops included. */
class ParallelTest {
  private static void assertEachIndexOnce(Parallel pool, int tasks) {
    AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(tasks, 1));
    pool.forEach(tasks, t -> runs.incrementAndGet(t));
    for (int t = 0; t < tasks; t++) assertEquals(1, runs.get(t), pool + ": task " + t + " of " + tasks);
    if (tasks == 0) assertEquals(0, runs.get(0));
  }

  @Test
  void everyTaskRunsExactlyOnce() {
    try (Parallel three = Parallel.withThreads(3)) {
      for (Parallel pool : new Parallel[] {Parallel.sequential(), three, Parallel.shared()}) {
        for (int tasks : new int[] {0, 1, 2, 3, 7, 64}) assertEachIndexOnce(pool, tasks);
      }
      assertEachIndexOnce(three, -1);
    }
  }

  @Test
  void tasksRunOnThePoolsNamedDaemonThreads() {
    try (Parallel two = Parallel.withThreads(2)) {
      Set<Thread> seen = ConcurrentHashMap.newKeySet();
      two.forEach(16, t -> seen.add(Thread.currentThread()));
      for (Thread th : seen) {
        assertTrue(th.isDaemon(), th.getName());
        assertTrue(th.getName().startsWith("musketeer-worker-"), th.getName());
      }
      assertTrue(!seen.contains(Thread.currentThread()), "a pool's tasks do not run on the caller");
      Set<Thread> alone = ConcurrentHashMap.newKeySet();
      Parallel.sequential().forEach(4, t -> alone.add(Thread.currentThread()));
      assertEquals(Set.of(Thread.currentThread()), alone);
    }
  }

  @Test
  void aLoopStartedInsideThePoolCompletesOnIt() {
    try (Parallel two = Parallel.withThreads(2)) {
      AtomicIntegerArray runs = new AtomicIntegerArray(6 * 5);
      two.forEach(6, outer -> two.forEach(5, inner -> runs.incrementAndGet(outer * 5 + inner)));
      for (int i = 0; i < runs.length(); i++) assertEquals(1, runs.get(i), "nested task " + i);
    }
  }

  @Test
  void threadCountsAndTheWorkThreshold() {
    assertThrows(IllegalArgumentException.class, () -> Parallel.withThreads(0));
    assertSame(Parallel.sequential(), Parallel.withThreads(1));
    assertEquals(1, Parallel.sequential().threads());
    assertEquals(Runtime.getRuntime().availableProcessors(), Parallel.shared().threads());
    try (Parallel four = Parallel.withThreads(4)) {
      assertEquals(4, four.threads());
      assertSame(Parallel.sequential(), four.forWork(Parallel.MIN_PARALLEL_WORK - 1));
      assertSame(four, four.forWork(Parallel.MIN_PARALLEL_WORK));
      assertEquals("Parallel(4 threads)", four.toString());
    }
    assertEquals("Parallel(1 thread)", Parallel.sequential().toString());
  }

  @Test
  void closingAnOwnedPoolStopsItsThreadsAndLeavesTheSharedOnesAlone() {
    Parallel two = Parallel.withThreads(2);
    two.close();
    assertThrows(java.util.concurrent.RejectedExecutionException.class, () -> two.forEach(2, t -> {}));
    Parallel.shared().close();
    Parallel.sequential().close();
    assertEachIndexOnce(Parallel.shared(), 4);
  }
}
