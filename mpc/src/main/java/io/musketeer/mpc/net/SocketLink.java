package io.musketeer.mpc.net;

import io.musketeer.mpc.Party;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Link} over one connected socket (plain or TLS): frames in their wire form, a sender
 * thread, a pool of send chunks, heartbeats and receive deadlines.
 *
 * <p>Sending serialises the payload at once, in 1 MiB chunks with bulk buffer copies (so the caller
 * may reuse its array and memory grows by one copy of the payload at most), and queues each chunk for
 * the sender thread as soon as it is filled, so a send never waits for the peer and two parties may
 * send to each other at the same time. When nothing was queued for a heartbeat interval, the sender
 * writes a heartbeat frame (never in the middle of a frame).
 *
 * <p>Receiving reads straight from the socket into the destination array (through a 1 MiB scratch
 * buffer for longs). Each socket read waits at most the receive timeout (silence: not even a
 * heartbeat came) and at most until the message deadline, set when {@link #next()} starts waiting.
 */
final class SocketLink implements Link {
  static final int SOCKET_BUFFER = 4 << 20;
  static final int CHUNK = 1 << 20;
  /** Written chunks kept for reuse (at most this many MiB): a run sends gigabytes, so fresh chunks would all be zeroed and collected. */
  private static final int SPARE_CHUNKS = 8;
  private static final byte[] HEARTBEAT = Frame.heartbeat();

  /** Part of a frame, in wire form; {@code last} marks the end of a frame, the only place a heartbeat may go. */
  private record Chunk(byte[] bytes, int length, boolean last) {}

  /** Tells the sender thread to stop (compared by identity). */
  private static final Chunk END = new Chunk(new byte[0], 0, true);

  private final Party peer;
  private final Socket socket;
  /** The TCP socket under {@code socket} (the same one for plaintext): closing it drops the connection at once. */
  private final Socket raw;
  private final InputStream in;
  private final OutputStream out;
  private final LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
  private final ArrayBlockingQueue<byte[]> spare = new ArrayBlockingQueue<>(SPARE_CHUNKS);
  private final Thread sender;
  private final long heartbeatNanos;
  private final long silenceNanos;
  private final long messageNanos;
  private final byte[] headerBuf = new byte[Frame.HEADER_BYTES];
  private byte[] scratch; // receiver only
  private long deadline; // receiver only: end of the current message's allowance
  private volatile IOException sendFailure;

  SocketLink(Party self, Party peer, Socket socket, Socket raw, Timeouts timeouts) throws IOException {
    this.peer = peer;
    this.socket = socket;
    this.raw = raw;
    this.in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
    this.out = socket.getOutputStream();
    this.heartbeatNanos = timeouts.heartbeatInterval().toNanos();
    this.silenceNanos = timeouts.receiveTimeout().toNanos();
    this.messageNanos = timeouts.messageTimeout().toNanos();
    this.sender = new Thread(this::sendLoop, "musketeer-" + self.label() + "-to-" + peer.label());
    sender.setDaemon(true);
    sender.start();
  }

  @Override
  public Party peer() {
    return peer;
  }

  // ---------------------------------------------------------------- sending

  /** Copies payload elements {@code [src, src+n)} into {@code chunk} from byte {@code at} on. */
  private interface ChunkFiller {
    void fill(byte[] chunk, int at, int n, int src);
  }

  @Override
  public void send(int seq, int step, long[] data, int offset, int length) throws IOException {
    enqueue(seq, step, Frame.LONGS, length, (chunk, at, n, src) ->
        ByteBuffer.wrap(chunk, at, 8 * n).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().put(data, offset + src, n));
  }

  @Override
  public void send(int seq, int step, byte[] data, int offset, int length) throws IOException {
    enqueue(seq, step, Frame.BYTES, length, (chunk, at, n, src) -> System.arraycopy(data, offset + src, chunk, at, n));
  }

  /**
   * Serialises one frame in chunks of {@link #CHUNK} bytes and queues each chunk as soon as it is
   * made, so the sender thread starts writing a large frame while the rest is still being copied.
   */
  private void enqueue(int seq, int step, byte type, int length, ChunkFiller filler) throws IOException {
    checkSender();
    int elementBytes = Frame.elementBytes(type);
    long total = Frame.wireBytes(type, length);
    long done = 0;
    int src = 0; // elements copied so far
    while (done < total) {
      int size = (int) Math.min(CHUNK, total - done);
      byte[] chunk = size == CHUNK ? spareChunk() : new byte[size];
      int at = 0;
      if (done == 0) {
        Frame.writeHeader(chunk, 0, seq, step, type, length);
        at = Frame.HEADER_BYTES;
      }
      int n = (size - at) / elementBytes;
      filler.fill(chunk, at, n, src);
      src += n;
      done += size;
      if (sendFailure != null) break; // the sender is gone; the check below reports why
      queue.add(new Chunk(chunk, size, done == total));
    }
    checkSender();
  }

  private byte[] spareChunk() {
    byte[] c = spare.poll();
    return c != null ? c : new byte[CHUNK];
  }

  private void checkSender() throws IOException {
    IOException f = sendFailure;
    if (f != null) throw f;
  }

  @Override
  public void sendLast(int seq, byte type, byte[] reason) {
    if (sendFailure == null) {
      int n = reason == null ? 0 : reason.length;
      byte[] frame = new byte[Frame.HEADER_BYTES + n];
      Frame.writeHeader(frame, 0, seq, 0, type, n);
      if (n > 0) System.arraycopy(reason, 0, frame, Frame.HEADER_BYTES, n);
      queue.add(new Chunk(frame, frame.length, true));
    }
    queue.add(END);
  }

  private void sendLoop() {
    boolean inFrame = false;
    try {
      while (true) {
        Chunk c = inFrame ? queue.take() : queue.poll(heartbeatNanos, TimeUnit.NANOSECONDS);
        if (c == null) {
          out.write(HEARTBEAT);
          continue;
        }
        if (c == END) return;
        out.write(c.bytes(), 0, c.length());
        inFrame = !c.last();
        if (c.bytes().length == CHUNK) spare.offer(c.bytes());
      }
    } catch (IOException e) {
      sendFailed(e);
    } catch (InterruptedException e) {
      sendFailed(new IOException("the sender to " + peer.label() + " was interrupted"));
    }
  }

  /**
   * Records why sending stopped, and leaves the socket open: a write fails once the peer is gone, and
   * what the peer sent before it went (its last data, its CLOSE or ABORT) may still wait unread in the
   * receive buffer. The receiver reads it and then the connection's end, so it is not left waiting.
   */
  private void sendFailed(IOException e) {
    synchronized (this) {
      if (sendFailure == null) sendFailure = e;
    }
    queue.clear();
  }

  // ---------------------------------------------------------------- receiving

  /** The peer is alive (heartbeats come) but no whole message came within the message timeout. */
  static final class MessageTimeoutException extends IOException {
    MessageTimeoutException() {
      super("message deadline passed");
    }
  }

  @Override
  public Frame next() throws IOException {
    deadline = System.nanoTime() + messageNanos;
    while (true) {
      readFully(headerBuf, 0, Frame.HEADER_BYTES);
      Frame f = Frame.readHeader(headerBuf, 0);
      if (f.type() != Frame.HEARTBEAT) return f;
    }
  }

  @Override
  public void read(Frame frame, long[] dst, int offset) throws IOException {
    if (scratch == null) scratch = new byte[CHUNK];
    int pos = offset, end = offset + frame.length();
    while (pos < end) {
      int n = Math.min(end - pos, CHUNK / 8);
      readFully(scratch, 0, 8 * n);
      ByteBuffer.wrap(scratch, 0, 8 * n).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(dst, pos, n);
      pos += n;
    }
  }

  @Override
  public void read(Frame frame, byte[] dst, int offset) throws IOException {
    readFully(dst, offset, Math.min(dst.length - offset, frame.length()));
  }

  /** Reads exactly {@code len} bytes, each socket read bounded by the silence timeout and the message deadline. */
  private void readFully(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      long now = System.nanoTime();
      long left = deadline - now;
      if (left <= 0) throw new MessageTimeoutException();
      boolean bySilence = silenceNanos <= left;
      socket.setSoTimeout(millis(bySilence ? silenceNanos : left));
      int n;
      try {
        n = in.read(b, off, Math.min(len, CHUNK));
      } catch (SocketTimeoutException e) {
        if (bySilence) throw e;
        throw new MessageTimeoutException();
      }
      if (n < 0) throw new EOFException();
      off += n;
      len -= n;
    }
  }

  private static int millis(long nanos) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(nanos)));
  }

  // ---------------------------------------------------------------- closing

  @Override
  public void awaitSent(long deadlineNanos) {
    join(sender, deadlineNanos);
  }

  @Override
  public void close(long drainDeadlineNanos) {
    if (sender.isAlive()) {
      // still writing to a peer that does not read: a goodbye could not get through, and a TLS
      // close_notify would wait for the writer; drop the connection
      kill();
      return;
    }
    try {
      if (!socket.isClosed()) socket.shutdownOutput();
    } catch (IOException | UnsupportedOperationException ignored) {
      // the peer is already gone; closing below is all that is left
    }
    // Read what the peer still sends (a heartbeat, its own CLOSE) until it closes too: closing a socket
    // with unread input resets the connection, and the reset discards what this side has not yet got
    // onto the wire (its last data and CLOSE, on a slow link) and what waits unread in the peer's receive
    // buffer (an ABORT frame before the peer reads the reason).
    drain(drainDeadlineNanos);
    closeQuietly(raw);
    closeQuietly(socket);
    join(sender, System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
  }

  private void drain(long deadlineNanos) {
    byte[] discard = new byte[1 << 16];
    try {
      while (true) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0 || socket.isClosed()) return;
        socket.setSoTimeout(millis(left));
        if (in.read(discard) < 0) return;
      }
    } catch (IOException e) {
      // timed out, or the peer is gone: nothing left to read
    }
  }

  @Override
  public void kill() {
    queue.clear();
    queue.add(END);
    closeQuietly(raw);
    closeQuietly(socket);
  }

  @Override
  public void crash(boolean reset) {
    try {
      if (reset) raw.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // closing anyway
    }
    closeQuietly(raw);
    queue.clear();
    queue.add(END);
  }

  private static void join(Thread t, long deadlineNanos) {
    long ms = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    if (ms <= 0) return;
    try {
      t.join(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void closeQuietly(AutoCloseable c) {
    if (c == null) return;
    try {
      c.close();
    } catch (Exception ignored) {
      // nothing useful to do
    }
  }
}
