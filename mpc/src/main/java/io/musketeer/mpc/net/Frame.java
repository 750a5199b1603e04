package io.musketeer.mpc.net;

import io.musketeer.mpc.Party;

/**
 * One message: header (sequence number, step id, payload type, element count) plus a payload copy.
 * The wire form is a 16-byte header followed by the payload, little-endian.
 */
record Frame(int seq, int step, byte type, int length, Object payload) {
  static final int HEADER_BYTES = 16;
  static final byte LONGS = 1;
  static final byte BYTES = 2;
  /** Sent once by a party that closes cleanly, so the peer can tell a clean end from a crash. */
  static final byte CLOSE = 3;
  /** Sent by a party that gives up; the payload is its one-line reason (never secret: error messages hold none). */
  static final byte ABORT = 4;
  static final int MAX_REASON_BYTES = 1024;

  static TransportException aborted(Party from, byte[] reason) {
    String text = new String(reason, java.nio.charset.StandardCharsets.UTF_8).replace('\n', ' ');
    return new TransportException(from.label() + " stopped: " + text);
  }

  static byte[] reasonBytes(String reason) {
    byte[] b = (reason == null ? "unknown error" : reason).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return b.length <= MAX_REASON_BYTES ? b : java.util.Arrays.copyOf(b, MAX_REASON_BYTES);
  }

  long wireBytes() {
    return HEADER_BYTES + (long) length * (type == LONGS ? 8 : 1);
  }

  /** Checks this frame against what the receiver expects; the message names no payload content. */
  void check(Party self, Party from, int expectedSeq, int expectedStep, byte expectedType, int expectedLength) {
    if (type == ABORT) throw aborted(from, payload instanceof byte[] b ? b : new byte[0]);
    if (type == CLOSE) {
      throw new TransportException(from.label() + " closed the connection while " + self.label() + " expected a message; check the " + from.label() + "'s log");
    }
    if (seq != expectedSeq || step != expectedStep || type != expectedType || length != expectedLength) {
      throw new TransportException("protocol desync with " + from.label() + ": expected message #" + expectedSeq + " step "
          + Steps.name(expectedStep) + " (" + expectedLength + (expectedType == LONGS ? " longs" : " bytes") + "), got #" + seq
          + " step " + Steps.name(step) + " (" + length + (type == LONGS ? " longs" : " bytes") + "); are both parties running the same program and version?");
    }
  }
}
