package io.musketeer.mpc.net;

import io.musketeer.mpc.Party;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The one {@link Transport} implementation: numbers, checks and counts every frame, over one
 * {@link Link} per peer (sockets between processes, queues within a JVM).
 *
 * <p>Each direction of each link has its own sequence numbers; a receive checks sequence number,
 * step, payload type and length, so a desynchronised protocol fails at the first wrong message.
 * Bytes and messages are counted in {@link TrafficStats} here and nowhere else: header plus payload,
 * on send when the frame is queued, on receive when it has arrived and matched. Heartbeats, CLOSE and
 * ABORT frames are not counted.
 *
 * <p>A peer that falls silent, disappears, aborts or sends an unexpected frame ends the receive with
 * a {@link TransportException} naming it; a link that failed stays failed, and the same error comes
 * back from the next send or receive on it. {@link #close()} sends CLOSE so a peer still waiting
 * learns that this party ended on purpose; {@link #abort(String)} sends the reason instead.
 */
public final class FramedTransport implements Transport {
  private final Party self;
  private final Timeouts timeouts;
  private final TrafficStats stats = new TrafficStats();
  private final Link[] links = new Link[3];
  private final byte[][] bindings = new byte[3][];
  private final byte[][] peerKeys = new byte[3][];
  private final Object[] sendLocks = new Object[3];
  private final Object[] receiveLocks = new Object[3];
  private final int[] sendSeq = new int[3]; // guarded by sendLocks[peer]
  private final int[] receiveSeq = new int[3]; // guarded by receiveLocks[peer]
  private final TransportException[] failure = new TransportException[3]; // guarded by this
  private volatile boolean closed;

  FramedTransport(Party self, Timeouts timeouts, Link... peerLinks) {
    this.self = Objects.requireNonNull(self);
    this.timeouts = Objects.requireNonNull(timeouts);
    for (Link l : peerLinks) {
      int i = l.peer().ordinal();
      if (l.peer() == self || links[i] != null) throw new IllegalArgumentException("one link per peer");
      links[i] = l;
      sendLocks[i] = new Object();
      receiveLocks[i] = new Object();
      bindings[i] = new byte[0];
      peerKeys[i] = new byte[0];
    }
  }

  /** As above, with each link's channel binding and peer key (see {@link #channelBinding(Party)}, {@link #peerPublicKey(Party)}). */
  FramedTransport(Party self, Timeouts timeouts, Link[] peerLinks, byte[][] channelBindings, byte[][] peerPublicKeys) {
    this(self, timeouts, peerLinks);
    for (int k = 0; k < peerLinks.length; k++) {
      bindings[peerLinks[k].peer().ordinal()] = channelBindings[k].clone();
      peerKeys[peerLinks[k].peer().ordinal()] = peerPublicKeys[k].clone();
    }
  }

  @Override
  public Party self() {
    return self;
  }

  @Override
  public TrafficStats stats() {
    return stats;
  }

  @Override
  public byte[] channelBinding(Party peer) {
    link(peer);
    return bindings[peer.ordinal()].clone();
  }

  @Override
  public byte[] peerPublicKey(Party peer) {
    link(peer);
    return peerKeys[peer.ordinal()].clone();
  }

  // ---------------------------------------------------------------- sending

  @Override
  public void send(Party to, int step, long[] data, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, data.length);
    Link l = link(to);
    int i = to.ordinal();
    synchronized (sendLocks[i]) {
      checkUsable(i);
      stats.onSend(to, Frame.wireBytes(Frame.LONGS, length));
      try {
        l.send(sendSeq[i]++, step, data, offset, length);
      } catch (IOException e) {
        throw failed(i, sendError(to, e));
      }
    }
  }

  @Override
  public void send(Party to, int step, byte[] data, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, data.length);
    Link l = link(to);
    int i = to.ordinal();
    synchronized (sendLocks[i]) {
      checkUsable(i);
      stats.onSend(to, Frame.wireBytes(Frame.BYTES, length));
      try {
        l.send(sendSeq[i]++, step, data, offset, length);
      } catch (IOException e) {
        throw failed(i, sendError(to, e));
      }
    }
  }

  // ---------------------------------------------------------------- receiving

  @Override
  public void receive(Party from, int step, long[] dst, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, dst.length);
    Link l = link(from);
    int i = from.ordinal();
    synchronized (receiveLocks[i]) {
      checkUsable(i);
      try {
        Frame f = expect(l, step, Frame.LONGS, length);
        l.read(f, dst, offset);
      } catch (IOException e) {
        throw failed(i, receiveError(from, step, e));
      }
      stats.onReceive(from, Frame.wireBytes(Frame.LONGS, length));
    }
  }

  @Override
  public void receive(Party from, int step, byte[] dst, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, dst.length);
    Link l = link(from);
    int i = from.ordinal();
    synchronized (receiveLocks[i]) {
      checkUsable(i);
      try {
        Frame f = expect(l, step, Frame.BYTES, length);
        l.read(f, dst, offset);
      } catch (IOException e) {
        throw failed(i, receiveError(from, step, e));
      }
      stats.onReceive(from, Frame.wireBytes(Frame.BYTES, length));
    }
  }

  /** The next frame from {@code l}, which must be the expected data frame; anything else fails the link. */
  private Frame expect(Link l, int step, byte type, int length) throws IOException {
    Party from = l.peer();
    int i = from.ordinal();
    Frame f = l.next();
    if (f.type() == Frame.ABORT) {
      byte[] reason = new byte[Math.max(0, Math.min(f.length(), Frame.MAX_REASON_BYTES))];
      l.read(f, reason, 0);
      throw failed(i, Frame.aborted(from, reason));
    }
    if (f.type() == Frame.CLOSE) {
      throw failed(i, new TransportException(from.label() + " closed the connection while " + self.label()
          + " expected a message; check the " + from.label() + "'s log"));
    }
    try {
      f.check(from, receiveSeq[i]++, step, type, length);
    } catch (TransportException e) {
      throw failed(i, e);
    }
    return f;
  }

  // ---------------------------------------------------------------- failures

  private Link link(Party p) {
    if (p == self) throw new IllegalArgumentException("a party cannot send to or receive from itself");
    if (closed) throw closedError();
    Link l = links[p.ordinal()];
    if (l == null) throw new IllegalArgumentException(self.label() + " has no link to the " + p.label());
    return l;
  }

  private TransportException closedError() {
    return new TransportException(self.label() + " transport is closed");
  }

  private void checkUsable(int i) {
    if (closed) throw closedError();
    TransportException f;
    synchronized (this) {
      f = failure[i];
    }
    if (f != null) throw new TransportException(f.getMessage(), f);
  }

  /** Marks link {@code i} failed with {@code e} (the first failure wins) and drops its connection. */
  private TransportException failed(int i, TransportException e) {
    TransportException first;
    synchronized (this) {
      if (failure[i] == null) failure[i] = e;
      first = failure[i];
    }
    links[i].kill();
    return first == e ? e : new TransportException(first.getMessage(), first);
  }

  private TransportException sendError(Party to, IOException e) {
    if (closed) return closedError();
    return new TransportException("lost connection to " + to.label() + " (" + describe(e) + ")", e);
  }

  private TransportException receiveError(Party from, int step, IOException e) {
    if (closed) return new TransportException(self.label() + " transport is closed", e);
    synchronized (this) {
      TransportException earlier = failure[from.ordinal()];
      if (earlier != null) return new TransportException(earlier.getMessage(), earlier);
    }
    if (e instanceof SocketLink.MessageTimeoutException) {
      return new TransportException(from.label() + " is alive but sent no complete message for step " + Steps.name(step) + " within "
          + Timeouts.format(timeouts.messageTimeout()) + "; is it stuck? check the " + from.label() + "'s log", e);
    }
    if (e instanceof SocketTimeoutException) {
      return new TransportException(self.label() + " heard nothing from " + from.label() + " for " + Timeouts.format(timeouts.receiveTimeout())
          + ", not even a heartbeat (waiting for step " + Steps.name(step) + "); is the " + from.label()
          + " still running, and is the network between them up?", e);
    }
    if (e instanceof InterruptedIOException) {
      return new TransportException(self.label() + " was interrupted while waiting for " + from.label(), e);
    }
    if (e instanceof EOFException) {
      return new TransportException("lost connection to " + from.label()
          + " (it closed the connection without a goodbye; did it crash? check its log)", e);
    }
    return new TransportException("lost connection to " + from.label() + " (" + describe(e) + ")", e);
  }

  static String describe(IOException e) {
    if (e instanceof UnknownHostException) return "unknown host " + e.getMessage();
    if (e instanceof javax.net.ssl.SSLException && String.valueOf(e.getMessage()).matches("(?s).*(bad_record_mac|Tag mismatch|decrypt).*")) {
      return "its data failed TLS's integrity check: changed on the network, or a broken link; " + e.getMessage();
    }
    String m = e.getMessage();
    return m != null && !m.isBlank() ? m : e.getClass().getSimpleName();
  }

  // ---------------------------------------------------------------- closing

  @Override
  public void close() {
    finish(Frame.CLOSE, null);
  }

  @Override
  public void abort(String reason) {
    finish(Frame.ABORT, Frame.reasonBytes(reason));
  }

  private void finish(byte type, byte[] reason) {
    synchronized (this) {
      if (closed) return;
      closed = true;
    }
    for (Link l : links) {
      if (l == null) continue;
      int i = l.peer().ordinal();
      synchronized (sendLocks[i]) {
        l.sendLast(sendSeq[i], type, reason);
      }
    }
    long deadline = System.nanoTime() + timeouts.closeTimeout().toNanos();
    for (Link l : links) if (l != null) l.awaitSent(deadline);
    long drainDeadline = System.nanoTime() + Math.min(timeouts.closeTimeout().toNanos(), TimeUnit.SECONDS.toNanos(2));
    for (Link l : links) if (l != null) l.close(drainDeadline);
  }

  /** For fault tests: drops every connection without a CLOSE frame, as a crashed process would (with a TCP reset if asked). */
  public void crashForTest(boolean reset) {
    closed = true;
    for (Link l : links) if (l != null) l.crash(reset);
  }

  @Override
  public String toString() {
    return "FramedTransport(" + self.label() + ")";
  }
}
