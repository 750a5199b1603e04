package io.musketeer.mpc.net;

import io.musketeer.mpc.Party;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One message: header (sequence number, step id, payload type, element count) and, between parties
 * in one JVM, the payload itself. The wire form is a 16-byte little-endian header followed by the
 * payload (longs little-endian).
 */
record Frame(int seq, int step, byte type, int length, Object payload) {
  static final int HEADER_BYTES = 16;
  static final byte LONGS = 1;
  static final byte BYTES = 2;
  /** Sent once by a party that closes cleanly, so the peer can tell a clean end from a crash. */
  static final byte CLOSE = 3;
  /** Sent by a party that gives up; the payload is its one-line reason (never secret: error messages hold none). */
  static final byte ABORT = 4;
  /** Sent by an idle link so the peer knows this party is alive; never counted, never seen by protocol code. */
  static final byte HEARTBEAT = 5;
  static final int MAX_REASON_BYTES = 1024;

  static TransportException aborted(Party from, byte[] reason) {
    String text = new String(reason, StandardCharsets.UTF_8).replace('\n', ' ');
    return new TransportException(from.label() + " stopped: " + text);
  }

  static byte[] reasonBytes(String reason) {
    byte[] b = (reason == null ? "unknown error" : reason).getBytes(StandardCharsets.UTF_8);
    return b.length <= MAX_REASON_BYTES ? b : Arrays.copyOf(b, MAX_REASON_BYTES);
  }

  static int elementBytes(byte type) {
    return type == LONGS ? 8 : 1;
  }

  /** Header plus payload: what a frame of this type and length costs on the wire, and what is counted. */
  static long wireBytes(byte type, int length) {
    return HEADER_BYTES + (long) length * elementBytes(type);
  }

  long wireBytes() {
    return wireBytes(type, length);
  }

  static void writeHeader(byte[] b, int at, int seq, int step, byte type, int length) {
    ByteBuffer.wrap(b, at, HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(seq).putInt(step).putInt(type).putInt(length);
  }

  /**
   * Decodes a header. The type is the whole third int (an unknown value stays unknown rather than
   * being truncated into a known one), so a corrupted header is reported as such.
   */
  static Frame readHeader(byte[] b, int at) {
    ByteBuffer bb = ByteBuffer.wrap(b, at, HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    int seq = bb.getInt(), step = bb.getInt(), type = bb.getInt(), length = bb.getInt();
    byte t = type >= LONGS && type <= HEARTBEAT ? (byte) type : 0;
    return new Frame(seq, step, t, length, null);
  }

  static byte[] heartbeat() {
    byte[] b = new byte[HEADER_BYTES];
    writeHeader(b, 0, 0, 0, HEARTBEAT, 0);
    return b;
  }

  private static String describe(byte type, int length) {
    return switch (type) {
      case LONGS -> length + " longs";
      case BYTES -> length + " bytes";
      default -> "a frame of unknown type";
    };
  }

  /** Checks a data frame against what the receiver expects; the message names no payload content. */
  void check(Party from, int expectedSeq, int expectedStep, byte expectedType, int expectedLength) {
    if (seq != expectedSeq || step != expectedStep || type != expectedType || length != expectedLength) {
      throw new TransportException("protocol desync with " + from.label() + ": expected message #" + expectedSeq + " step "
          + Steps.name(expectedStep) + " (" + describe(expectedType, expectedLength) + "), got #" + seq + " step " + Steps.name(step)
          + " (" + describe(type, length) + "); are both parties running the same program and version?");
    }
  }
}
