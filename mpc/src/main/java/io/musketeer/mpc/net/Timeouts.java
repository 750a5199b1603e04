package io.musketeer.mpc.net;

import java.time.Duration;

/**
 * How long a party waits for its peers.
 *
 * <p>Idle links send a heartbeat every {@link #heartbeatInterval()}, so a peer that is busy computing
 * stays alive however long it computes, while one that is stopped, crashed or cut off by the network
 * falls silent and is given up after {@code receiveTimeout}. A heartbeat does not finish a message:
 * one receive takes at most {@link #messageTimeout()} in all, so a peer that trickles bytes (or only
 * heartbeats) cannot hold a party forever.
 *
 * @param connectTimeout how long set-up may take in all, waiting for peers that start later
 * @param receiveTimeout how long a receive waits without any byte (data or heartbeat) from the peer
 * @param closeTimeout how long closing lets queued frames drain before closing anyway
 */
public record Timeouts(Duration connectTimeout, Duration receiveTimeout, Duration closeTimeout) {
  /** How many receive timeouts one message may take in all. */
  static final int MESSAGE_TIMEOUT_FACTOR = 10;

  public Timeouts {
    for (Duration d : new Duration[] {connectTimeout, receiveTimeout, closeTimeout}) {
      if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException("timeouts must be positive");
    }
  }

  /** 60 s to connect, 30 s of silence before a receive gives up, 10 s to drain on close. */
  public static Timeouts defaults() {
    return new Timeouts(Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(10));
  }

  public Timeouts withConnectTimeout(Duration d) {
    return new Timeouts(d, receiveTimeout, closeTimeout);
  }

  public Timeouts withReceiveTimeout(Duration d) {
    return new Timeouts(connectTimeout, d, closeTimeout);
  }

  public Timeouts withCloseTimeout(Duration d) {
    return new Timeouts(connectTimeout, receiveTimeout, d);
  }

  /**
   * Every second (a third of the receive timeout if that is shorter). Silence is judged by the peer,
   * with its own receive timeout: a fixed, short beat keeps this party alive for a peer with a shorter
   * timeout than its own (a peer waiting 3 s or more sees at least two beats). 16 bytes a second on
   * an idle link.
   */
  public Duration heartbeatInterval() {
    if (receiveTimeout.compareTo(Duration.ofSeconds(3)) >= 0) return Duration.ofSeconds(1);
    // not Duration.dividedBy: its first call initialises BigDecimal, 40 ms of a cold party's connecting
    Duration third = Duration.ofNanos(receiveTimeout.toNanos() / 3);
    return third.isZero() ? Duration.ofMillis(1) : third;
  }

  /** The most one receive may take, heartbeats or not: {@value #MESSAGE_TIMEOUT_FACTOR} receive timeouts. */
  public Duration messageTimeout() {
    // not Duration.multipliedBy, for the reason above
    return Duration.ofSeconds(Math.multiplyExact(receiveTimeout.getSeconds(), MESSAGE_TIMEOUT_FACTOR), (long) receiveTimeout.getNano() * MESSAGE_TIMEOUT_FACTOR);
  }

  static String format(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
