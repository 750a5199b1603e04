package io.musketeer.mpc.protocol.fast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PipelineTest {
  private static FastRelu.Dealt batch(int j) {
    return new FastRelu.Dealt(new long[] {j}, new long[] {j}, new long[] {j});
  }

  @Test
  void theDealersBatchesArriveInOrder() {
    Pipeline.Dealer d = Pipeline.Dealer.start(4, PipelineTest::batch);
    for (int j = 0; j < 4; j++) assertEquals(j, d.take().toClient()[0]);
  }

  /** A helper whose dealing thread ran out of memory must fail at once, not wait for the batch forever. */
  @Test
  void anErrorInTheDealingThreadReachesTheHelper() {
    OutOfMemoryError oom = new OutOfMemoryError("Java heap space");
    Pipeline.Dealer d = Pipeline.Dealer.start(3, j -> {
      if (j == 1) throw oom;
      return batch(j);
    });
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      assertEquals(0, d.take().toClient()[0]);
      assertSame(oom, assertThrows(OutOfMemoryError.class, d::take));
    });
  }

  @Test
  void aFailedDealingIsThrownAsItself() {
    IllegalStateException bad = new IllegalStateException("dealing failed");
    Pipeline.Dealer d = Pipeline.Dealer.start(2, j -> {
      throw bad;
    });
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertSame(bad, assertThrows(IllegalStateException.class, d::take)));
  }
}
