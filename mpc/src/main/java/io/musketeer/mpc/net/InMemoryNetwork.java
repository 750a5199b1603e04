package io.musketeer.mpc.net;

import io.musketeer.mpc.Party;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

/** Three parties in one JVM, linked by unbounded queues; for tests and in-process runs. */
public final class InMemoryNetwork {
  @SuppressWarnings("unchecked")
  private final LinkedBlockingQueue<Frame>[][] queues = new LinkedBlockingQueue[3][3]; // [from][to]
  private final Timeouts timeouts;

  /** @param timeout how long a receive waits for its frame */
  public InMemoryNetwork(Duration timeout) {
    this.timeouts = Timeouts.defaults().withReceiveTimeout(timeout);
    for (Party from : Party.values()) {
      for (Party to : Party.values()) if (to != from) queues[from.ordinal()][to.ordinal()] = new LinkedBlockingQueue<>();
    }
  }

  public InMemoryNetwork() {
    this(Duration.ofMinutes(5));
  }

  public Transport transport(Party self) {
    List<Link> links = new ArrayList<>();
    for (Party peer : Party.values()) {
      if (peer == self) continue;
      links.add(new MemoryLink(peer, queues[self.ordinal()][peer.ordinal()], queues[peer.ordinal()][self.ordinal()], timeouts));
    }
    return new FramedTransport(self, timeouts, links.toArray(Link[]::new));
  }
}
