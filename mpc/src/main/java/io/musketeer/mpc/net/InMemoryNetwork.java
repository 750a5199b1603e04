package io.musketeer.mpc.net;

import io.musketeer.mpc.Party;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Three parties in one JVM, linked by unbounded queues; for tests and in-process runs. */
public final class InMemoryNetwork {
  private final Map<Party, Map<Party, LinkedBlockingQueue<Frame>>> links = new EnumMap<>(Party.class);
  private final Duration timeout;

  public InMemoryNetwork(Duration timeout) {
    this.timeout = timeout;
    for (Party from : Party.values()) {
      Map<Party, LinkedBlockingQueue<Frame>> m = new EnumMap<>(Party.class);
      for (Party to : Party.values()) if (to != from) m.put(to, new LinkedBlockingQueue<>());
      links.put(from, m);
    }
  }

  public InMemoryNetwork() {
    this(Duration.ofMinutes(5));
  }

  public Transport transport(Party self) {
    return new Endpoint(self);
  }

  private final class Endpoint implements Transport {
    private final Party self;
    private final TrafficStats stats = new TrafficStats();
    private final int[] sendSeq = new int[3];
    private final int[] recvSeq = new int[3];
    private volatile boolean closed;
    /** A link stays failed once its peer closed, aborted or desynchronised. */
    private final TransportException[] failed = new TransportException[3];

    Endpoint(Party self) {
      this.self = self;
    }

    @Override
    public Party self() {
      return self;
    }

    @Override
    public void send(Party to, int step, long[] data, int offset, int length) {
      long[] copy = new long[length];
      System.arraycopy(data, offset, copy, 0, length);
      enqueue(to, new Frame(sendSeq[to.ordinal()]++, step, Frame.LONGS, length, copy));
    }

    @Override
    public void send(Party to, int step, byte[] data, int offset, int length) {
      byte[] copy = new byte[length];
      System.arraycopy(data, offset, copy, 0, length);
      enqueue(to, new Frame(sendSeq[to.ordinal()]++, step, Frame.BYTES, length, copy));
    }

    private void enqueue(Party to, Frame f) {
      if (to == self) throw new IllegalArgumentException("a party cannot send to itself");
      if (closed) throw new TransportException(self.label() + " transport is closed");
      stats.onSend(to, f.wireBytes());
      links.get(self).get(to).add(f);
    }

    @Override
    public void receive(Party from, int step, long[] dst, int offset, int length) {
      Frame f = take(from, step, Frame.LONGS, length);
      System.arraycopy((long[]) f.payload(), 0, dst, offset, length);
    }

    @Override
    public void receive(Party from, int step, byte[] dst, int offset, int length) {
      Frame f = take(from, step, Frame.BYTES, length);
      System.arraycopy((byte[]) f.payload(), 0, dst, offset, length);
    }

    private Frame take(Party from, int step, byte type, int length) {
      TransportException earlier = failed[from.ordinal()];
      if (earlier != null) throw new TransportException(earlier.getMessage(), earlier);
      Frame f;
      try {
        f = links.get(from).get(self).poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TransportException(self.label() + " was interrupted while waiting for " + from.label());
      }
      if (f == null) throw new TransportException(self.label() + " timed out after " + timeout.toSeconds() + " s waiting for " + from.label());
      try {
        f.check(self, from, recvSeq[from.ordinal()]++, step, type, length);
      } catch (TransportException e) {
        failed[from.ordinal()] = e;
        throw e;
      }
      stats.onReceive(from, f.wireBytes());
      return f;
    }

    @Override
    public TrafficStats stats() {
      return stats;
    }

    @Override
    public void close() {
      finish(Frame.CLOSE, null);
    }

    @Override
    public void abort(String reason) {
      finish(Frame.ABORT, Frame.reasonBytes(reason));
    }

    private void finish(byte type, byte[] reason) {
      if (closed) return;
      closed = true;
      for (Party to : Party.values()) {
        if (to != self) links.get(self).get(to).add(new Frame(sendSeq[to.ordinal()], 0, type, reason == null ? 0 : reason.length, reason));
      }
    }
  }
}
