package io.musketeer.mpc.protocol;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Transport;
import io.musketeer.mpc.random.Randomness;

/**
 * What a protocol step needs at one party: who it is, the links, its randomness, and a counter that
 * gives every protocol invocation a fresh id (all parties invoke protocols in the same order, so the
 * ids agree and each invocation draws fresh, never reused, correlated randomness).
 */
public final class Session {
  private final Party self;
  private final Transport net;
  private final Randomness random;
  private long nextOp;
  private final Scratch scratch = new Scratch();

  public Session(Party self, Transport net, Randomness random) {
    if (net.self() != self || random.self() != self) throw new IllegalArgumentException("transport and randomness belong to another party");
    this.self = self;
    this.net = net;
    this.random = random;
  }

  public Party self() {
    return self;
  }

  public Transport net() {
    return net;
  }

  public Randomness random() {
    return random;
  }

  /** Reusable transient buffers of this party's protocols. */
  Scratch scratch() {
    return scratch;
  }

  /** A fresh id for one protocol invocation. */
  public long nextOpId() {
    return nextOp++;
  }

  public boolean isClient() {
    return self == Party.CLIENT;
  }

  public boolean isServer() {
    return self == Party.SERVER;
  }

  public boolean isHelper() {
    return self == Party.HELPER;
  }
}
