package io.musketeer.mpc.net;

import io.musketeer.mpc.Party;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The one place where traffic is counted: payload and header bytes and messages per peer and
 * direction, and flights. A flight starts with the first send after something was received, so the
 * count is the number of communication rounds on this party's side.
 */
public final class TrafficStats {
  private final AtomicLongArray bytesSent = new AtomicLongArray(3);
  private final AtomicLongArray bytesReceived = new AtomicLongArray(3);
  private final AtomicLongArray messagesSent = new AtomicLongArray(3);
  private final AtomicLongArray messagesReceived = new AtomicLongArray(3);
  private long rounds;
  private boolean receivedSinceSend = true;

  public synchronized void onSend(Party to, long bytes) {
    bytesSent.addAndGet(to.ordinal(), bytes);
    messagesSent.incrementAndGet(to.ordinal());
    if (receivedSinceSend) {
      rounds++;
      receivedSinceSend = false;
    }
  }

  public synchronized void onReceive(Party from, long bytes) {
    bytesReceived.addAndGet(from.ordinal(), bytes);
    messagesReceived.incrementAndGet(from.ordinal());
    receivedSinceSend = true;
  }

  public Snapshot snapshot() {
    long bs = 0, br = 0, ms = 0, mr = 0;
    for (int i = 0; i < 3; i++) {
      bs += bytesSent.get(i);
      br += bytesReceived.get(i);
      ms += messagesSent.get(i);
      mr += messagesReceived.get(i);
    }
    synchronized (this) {
      return new Snapshot(bs, br, ms, mr, rounds);
    }
  }

  public long bytesSentTo(Party p) {
    return bytesSent.get(p.ordinal());
  }

  public long bytesReceivedFrom(Party p) {
    return bytesReceived.get(p.ordinal());
  }

  /** Totals at one moment; subtract two snapshots to attribute traffic to a layer. */
  public record Snapshot(long bytesSent, long bytesReceived, long messagesSent, long messagesReceived, long rounds) {
    public Snapshot minus(Snapshot o) {
      return new Snapshot(bytesSent - o.bytesSent, bytesReceived - o.bytesReceived, messagesSent - o.messagesSent,
          messagesReceived - o.messagesReceived, rounds - o.rounds);
    }
  }
}
