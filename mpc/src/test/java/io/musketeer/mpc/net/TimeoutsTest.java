package io.musketeer.mpc.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TimeoutsTest {
  private static Duration beat(Duration receive) {
    return Timeouts.defaults().withReceiveTimeout(receive).heartbeatInterval();
  }

  @Test
  void beatsEverySecondOrAThirdOfAShorterReceiveTimeout() {
    assertEquals(Duration.ofSeconds(1), beat(Duration.ofSeconds(30)));
    assertEquals(Duration.ofSeconds(1), beat(Duration.ofSeconds(3)));
    assertEquals(Duration.ofSeconds(1), beat(Duration.ofSeconds(Long.MAX_VALUE)));
    assertEquals(Duration.ofNanos(999_999_999), beat(Duration.ofSeconds(3).minusNanos(1)));
    assertEquals(Duration.ofMillis(500), beat(Duration.ofMillis(1500)));
    assertEquals(Duration.ofMillis(1), beat(Duration.ofNanos(2)));
  }

  @Test
  void aMessageMayTakeTenReceiveTimeouts() {
    assertEquals(Duration.ofSeconds(300), Timeouts.defaults().messageTimeout());
    assertEquals(Duration.ofMillis(15_000), Timeouts.defaults().withReceiveTimeout(Duration.ofMillis(1500)).messageTimeout());
    assertEquals(Duration.ofNanos(10_000_000_010L), Timeouts.defaults().withReceiveTimeout(Duration.ofSeconds(1, 1)).messageTimeout());
  }
}
