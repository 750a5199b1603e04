package io.musketeer.mpc.attest;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.TrafficStats;
import io.musketeer.mpc.net.Transport;
import java.security.MessageDigest;

/**
 * A transport that keeps, for each link and direction, a running SHA-256 over the headers of every
 * frame (step, payload type, length, in order) and a count, so that the end-of-session confirmation
 * can check that both ends of each link saw the same sequence of messages. Payload bytes are not
 * digested: over TLS their integrity is the record layer's (see {@link AttestedSession}), and hashing
 * gigabytes again would cost a fifth of a ResNet-50 run. Everything else is passed on unchanged.
 */
final class TranscriptTransport implements Transport {
  private final Transport inner;
  private final MessageDigest[] sent = new MessageDigest[3], received = new MessageDigest[3];
  private final long[] sentCount = new long[3], receivedCount = new long[3];

  TranscriptTransport(Transport inner) {
    this.inner = inner;
    for (Party p : Party.values()) {
      sent[p.ordinal()] = CodeMeasurement.sha256();
      received[p.ordinal()] = CodeMeasurement.sha256();
    }
  }

  /** A snapshot of one link's transcript: what this party sent to and received from {@code peer}. */
  record Digest(byte[] sent, long sentCount, byte[] received, long receivedCount) {}

  Digest digest(Party peer) {
    int i = peer.ordinal();
    byte[] s, r;
    long sc, rc;
    synchronized (sent[i]) {
      s = clone(sent[i]);
      sc = sentCount[i];
    }
    synchronized (received[i]) {
      r = clone(received[i]);
      rc = receivedCount[i];
    }
    return new Digest(s, sc, r, rc);
  }

  /** Adds {@code bytes} (the evidence, the channel binding) to the transcript of one direction. */
  void mix(Party peer, boolean outgoing, byte[] bytes) {
    MessageDigest d = (outgoing ? sent : received)[peer.ordinal()];
    synchronized (d) {
      d.update(bytes);
    }
  }

  private static byte[] clone(MessageDigest d) {
    try {
      return ((MessageDigest) d.clone()).digest();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("SHA-256 digest cannot be cloned", e);
    }
  }

  private void record(MessageDigest[] digests, long[] counts, Party peer, int step, byte type, int length) {
    MessageDigest d = digests[peer.ordinal()];
    d.update(new byte[] {type, (byte) (step >>> 24), (byte) (step >>> 16), (byte) (step >>> 8), (byte) step,
        (byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length});
    counts[peer.ordinal()]++;
  }

  @Override
  public Party self() {
    return inner.self();
  }

  // the lock spans the call so that concurrent senders to one peer are recorded in the order they were sent
  @Override
  public void send(Party to, int step, long[] data, int offset, int length) {
    MessageDigest d = sent[to.ordinal()];
    synchronized (d) {
      inner.send(to, step, data, offset, length);
      record(sent, sentCount, to, step, (byte) 1, length);
    }
  }

  @Override
  public void send(Party to, int step, byte[] data, int offset, int length) {
    MessageDigest d = sent[to.ordinal()];
    synchronized (d) {
      inner.send(to, step, data, offset, length);
      record(sent, sentCount, to, step, (byte) 2, length);
    }
  }

  @Override
  public void receive(Party from, int step, long[] dst, int offset, int length) {
    MessageDigest d = received[from.ordinal()];
    synchronized (d) {
      inner.receive(from, step, dst, offset, length);
      record(received, receivedCount, from, step, (byte) 1, length);
    }
  }

  @Override
  public void receive(Party from, int step, byte[] dst, int offset, int length) {
    MessageDigest d = received[from.ordinal()];
    synchronized (d) {
      inner.receive(from, step, dst, offset, length);
      record(received, receivedCount, from, step, (byte) 2, length);
    }
  }

  @Override
  public TrafficStats stats() {
    return inner.stats();
  }

  @Override
  public byte[] channelBinding(Party peer) {
    return inner.channelBinding(peer);
  }

  @Override
  public byte[] peerPublicKey(Party peer) {
    return inner.peerPublicKey(peer);
  }

  @Override
  public void abort(String reason) {
    inner.abort(reason);
  }

  @Override
  public void close() {
    inner.close();
  }
}
