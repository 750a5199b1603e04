package io.musketeer.mpc.protocol;

import io.musketeer.core.Parallel;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Transport;
import io.musketeer.mpc.random.Randomness;

/**
 * What a protocol step needs at one party: who it is, the links, its randomness, a counter that gives
 * every protocol invocation a fresh id (all parties invoke protocols in the same order, so the ids
 * agree and each invocation draws fresh, never reused, correlated randomness), reusable buffers, the
 * worker pool every parallel loop of the session runs on, and the largest batch of comparisons sent in
 * one flight.
 *
 * <p>The batch size changes the messages (each batch of a comparison layer is a separate exchange), so
 * all three parties must use the same one; the runtime hashes it with the program.
 */
public final class Session {
  /**
   * Default comparisons per batch: a Porthos batch's working set is about 600 bytes per element at a
   * share holder, so 2^17 keeps a layer near 80 MB and the heap small and reused (on a VM, touching
   * fresh memory costs microseconds per page, which made larger batches slower despite fewer rounds).
   */
  public static final int DEFAULT_BATCH = 1 << 17;

  private final Party self;
  private final Transport net;
  private final Randomness random;
  private final Parallel workers;
  private final int batchSize;
  private final Scratch scratch = new Scratch();
  private long nextOp;

  /** A session with the default batch size on the process-wide worker pool. */
  public Session(Party self, Transport net, Randomness random) {
    this(self, net, random, DEFAULT_BATCH, Parallel.shared());
  }

  public Session(Party self, Transport net, Randomness random, int batchSize, Parallel workers) {
    if (net.self() != self || random.self() != self) throw new IllegalArgumentException("transport and randomness belong to another party");
    if (batchSize < 1) throw new IllegalArgumentException("batch size must be positive: " + batchSize);
    this.self = self;
    this.net = net;
    this.random = random;
    this.batchSize = batchSize;
    this.workers = workers;
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

  /** The worker pool of this session's parallel loops and kernels. */
  public Parallel workers() {
    return workers;
  }

  /** The largest number of comparisons a protocol puts in one batch (one pass of its flights). */
  public int batchSize() {
    return batchSize;
  }

  /** Reusable transient buffers of this party's protocols. */
  public Scratch scratch() {
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
