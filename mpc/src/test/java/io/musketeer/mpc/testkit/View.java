package io.musketeer.mpc.testkit;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Steps;
import io.musketeer.mpc.net.TrafficStats;
import io.musketeer.mpc.net.Transport;
import java.util.ArrayList;
import java.util.List;

/**
 * A party's view: every frame it receives, in order, recorded by a {@link Transport} wrapper
 * ({@link #record}) inside real protocol runs. Security tests read what a party actually got, not
 * what the code under test claims to send. The frames it sent are recorded too (they are part of
 * what the party knows, and spare a test from re-deriving them).
 */
public final class View {
  /** One frame: sent or received, the peer, the step and a copy of its payload (a long[] or a byte[]). */
  public record Frame(boolean sent, Party peer, int step, Object payload) {
    public long[] longs() {
      return (long[]) payload;
    }

    public byte[] bytes() {
      return (byte[]) payload;
    }
  }

  private final List<Frame> frames = new ArrayList<>();

  /** Wraps {@code t} so that every frame it sends or receives is added to this view. */
  public Transport record(Transport t) {
    return new Recording(t, this);
  }

  private synchronized void add(Frame f) {
    frames.add(f);
  }

  public synchronized List<Frame> frames() {
    return List.copyOf(frames);
  }

  /** The frames received from {@code from} under the step called {@code stepName}, in order. */
  public List<Frame> received(Party from, String stepName) {
    return select(false, from, stepName);
  }

  /** The frames sent to {@code to} under the step called {@code stepName}, in order. */
  public List<Frame> sent(Party to, String stepName) {
    return select(true, to, stepName);
  }

  /** The one frame received from {@code from} under the step called {@code stepName}. */
  public Frame only(Party from, String stepName) {
    List<Frame> got = received(from, stepName);
    if (got.size() != 1) throw new AssertionError(got.size() + " frames from the " + from.label() + " under " + stepName + ", expected one");
    return got.get(0);
  }

  private synchronized List<Frame> select(boolean sent, Party peer, String stepName) {
    int step = Steps.id(stepName);
    List<Frame> out = new ArrayList<>();
    for (Frame f : frames) if (f.sent() == sent && f.peer() == peer && f.step() == step) out.add(f);
    return out;
  }

  private record Recording(Transport inner, View view) implements Transport {
    @Override
    public Party self() {
      return inner.self();
    }

    @Override
    public void send(Party to, int step, long[] data, int offset, int length) {
      inner.send(to, step, data, offset, length);
      long[] copy = new long[length];
      System.arraycopy(data, offset, copy, 0, length);
      view.add(new Frame(true, to, step, copy));
    }

    @Override
    public void send(Party to, int step, byte[] data, int offset, int length) {
      inner.send(to, step, data, offset, length);
      byte[] copy = new byte[length];
      System.arraycopy(data, offset, copy, 0, length);
      view.add(new Frame(true, to, step, copy));
    }

    @Override
    public void receive(Party from, int step, long[] dst, int offset, int length) {
      inner.receive(from, step, dst, offset, length);
      long[] copy = new long[length];
      System.arraycopy(dst, offset, copy, 0, length);
      view.add(new Frame(false, from, step, copy));
    }

    @Override
    public void receive(Party from, int step, byte[] dst, int offset, int length) {
      inner.receive(from, step, dst, offset, length);
      byte[] copy = new byte[length];
      System.arraycopy(dst, offset, copy, 0, length);
      view.add(new Frame(false, from, step, copy));
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
}
