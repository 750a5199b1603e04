package io.musketeer.mpc.net;

import io.musketeer.mpc.Party;
import java.io.IOException;

/**
 * Frames to and from one peer, in order: the part of a transport that moves bytes. A link checks
 * and counts nothing; {@link FramedTransport} numbers, checks and counts every frame the same way
 * over every link, so the in-memory and the TCP transports cannot drift apart.
 *
 * <p>Callers serialise: one sender at a time, one receiver at a time (they may be two threads).
 * Failures are {@link IOException}s, classified by {@link FramedTransport} into one message.
 */
interface Link {
  Party peer();

  /** Queues one frame of longs; returns without waiting for the peer. Fails if an earlier send failed. */
  void send(int seq, int step, long[] data, int offset, int length) throws IOException;

  void send(int seq, int step, byte[] data, int offset, int length) throws IOException;

  /** Queues the last frame (CLOSE, or ABORT with its reason); nothing may be sent after it. */
  void sendLast(int seq, byte type, byte[] reason);

  /**
   * Waits for the next frame's header (heartbeats are consumed here and never returned). The frame's
   * payload must then be read in full with {@link #read(Frame, long[], int)} or {@link #read(Frame, byte[], int)}.
   */
  Frame next() throws IOException;

  /** Reads the payload of {@code frame} (LONGS, exactly {@code frame.length()} elements) into {@code dst}. */
  void read(Frame frame, long[] dst, int offset) throws IOException;

  /** Reads the first {@code dst.length - offset} payload bytes of {@code frame}, of at most {@code frame.length()}. */
  void read(Frame frame, byte[] dst, int offset) throws IOException;

  /** Waits (until {@code deadlineNanos} at most) for the queued frames, the last one included, to be written. */
  void awaitSent(long deadlineNanos);

  /** Closes the link after reading what the peer still sends until it closes too or the deadline passes. */
  void close(long drainDeadlineNanos);

  /** Drops the connection at once; used when the link failed (a desync leaves nothing worth reading). */
  void kill();

  /** Test hook: drops the connection as a crashed process would, with a reset if asked. */
  void crash(boolean reset);
}
