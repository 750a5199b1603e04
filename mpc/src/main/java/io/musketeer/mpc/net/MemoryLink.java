package io.musketeer.mpc.net;

import io.musketeer.mpc.Party;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A {@link Link} between two parties in one JVM: frames with payload copies in an unbounded queue each way. */
final class MemoryLink implements Link {
  /** Put in a queue when its writer crashed (compared by identity). */
  static final Frame GONE = new Frame(0, 0, (byte) 0, 0, null);

  private final Party peer;
  private final LinkedBlockingQueue<Frame> outgoing;
  private final LinkedBlockingQueue<Frame> incoming;
  private final long timeoutNanos;
  private volatile boolean dead;

  MemoryLink(Party peer, LinkedBlockingQueue<Frame> outgoing, LinkedBlockingQueue<Frame> incoming, Timeouts timeouts) {
    this.peer = peer;
    this.outgoing = outgoing;
    this.incoming = incoming;
    this.timeoutNanos = timeouts.receiveTimeout().toNanos();
  }

  @Override
  public Party peer() {
    return peer;
  }

  @Override
  public void send(int seq, int step, long[] data, int offset, int length) throws IOException {
    long[] copy = new long[length];
    System.arraycopy(data, offset, copy, 0, length);
    put(new Frame(seq, step, Frame.LONGS, length, copy));
  }

  @Override
  public void send(int seq, int step, byte[] data, int offset, int length) throws IOException {
    byte[] copy = new byte[length];
    System.arraycopy(data, offset, copy, 0, length);
    put(new Frame(seq, step, Frame.BYTES, length, copy));
  }

  private void put(Frame f) throws IOException {
    if (dead) throw new IOException("connection closed");
    outgoing.add(f);
  }

  @Override
  public void sendLast(int seq, byte type, byte[] reason) {
    if (!dead) outgoing.add(new Frame(seq, 0, type, reason == null ? 0 : reason.length, reason));
  }

  @Override
  public Frame next() throws IOException {
    if (dead) throw new EOFException();
    Frame f;
    try {
      f = incoming.poll(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    }
    if (f == null) throw new SocketTimeoutException();
    if (f == GONE) {
      incoming.add(GONE);
      throw new EOFException();
    }
    return f;
  }

  @Override
  public void read(Frame frame, long[] dst, int offset) {
    System.arraycopy((long[]) frame.payload(), 0, dst, offset, frame.length());
  }

  @Override
  public void read(Frame frame, byte[] dst, int offset) {
    byte[] p = frame.payload() instanceof byte[] b ? b : new byte[0];
    System.arraycopy(p, 0, dst, offset, Math.min(dst.length - offset, p.length));
  }

  @Override
  public void awaitSent(long deadlineNanos) {}

  @Override
  public void close(long drainDeadlineNanos) {}

  @Override
  public void kill() {
    dead = true;
  }

  @Override
  public void crash(boolean reset) {
    dead = true;
    outgoing.add(GONE);
  }
}
