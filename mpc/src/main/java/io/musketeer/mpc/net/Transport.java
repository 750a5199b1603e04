package io.musketeer.mpc.net;

import io.musketeer.mpc.Party;

/**
 * Point-to-point messages between the three parties. Every frame carries a per-direction sequence
 * number, the sender's protocol step id and the payload length, and {@code receive} checks all three,
 * so a desynchronised protocol fails at the first wrong message instead of computing garbage.
 *
 * <p>Sends never block on the peer (each link has a sender thread or an unbounded queue), so the two
 * share holders can exchange in both directions at once. Payload arrays are copied before the call
 * returns; callers may reuse them. All bytes, messages and flights are counted by {@link #stats()}.
 */
public interface Transport extends AutoCloseable {
  Party self();

  void send(Party to, int step, long[] data, int offset, int length);

  void send(Party to, int step, byte[] data, int offset, int length);

  default void send(Party to, int step, long[] data) {
    send(to, step, data, 0, data.length);
  }

  default void send(Party to, int step, byte[] data) {
    send(to, step, data, 0, data.length);
  }

  /** Fills dst[offset, offset+length) with the next frame from {@code from}, which must match step and length. */
  void receive(Party from, int step, long[] dst, int offset, int length);

  void receive(Party from, int step, byte[] dst, int offset, int length);

  default long[] receiveLongs(Party from, int step, int length) {
    long[] out = new long[length];
    receive(from, step, out, 0, length);
    return out;
  }

  default byte[] receiveBytes(Party from, int step, int length) {
    byte[] out = new byte[length];
    receive(from, step, out, 0, length);
    return out;
  }

  TrafficStats stats();

  /**
   * A value both ends of the link to {@code peer} derive from the channel's own keys and that nobody
   * else can know (the TLS exporter, RFC 8446 section 7.5); empty where the link is not cryptographic
   * (in-memory, plaintext). Keys agreed over the link mix it in, so they are bound to this channel.
   */
  default byte[] channelBinding(Party peer) {
    return new byte[0];
  }

  /**
   * The public key (X.509 SubjectPublicKeyInfo, DER) the peer authenticated this link with: its TLS
   * certificate's key; empty where the link has none. An attested session checks that the peer's
   * evidence names this key.
   */
  default byte[] peerPublicKey(Party peer) {
    return new byte[0];
  }

  /**
   * Gives up: tells every reachable peer why in one line (so an operator reading any party's log sees
   * the root cause, not just "connection closed"), then closes. The reason must hold no secrets.
   */
  void abort(String reason);

  @Override
  void close();
}
