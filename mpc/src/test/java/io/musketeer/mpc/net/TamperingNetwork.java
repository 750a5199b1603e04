package io.musketeer.mpc.net;

import io.musketeer.mpc.Party;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Three parties in one JVM whose frames pass a tampering adversary: at one chosen data frame of one
 * direction it drops, replays, reorders, cuts the link, stalls it, rewrites the header, injects a
 * frame, or delays the rest of the stream.
 *
 * <p>What this models: the adversary of malicious mode is a corrupted host, and the parties' TLS
 * endpoints are inside their trusted boundaries, so the host sees ciphertext only. TLS turns any
 * change to a record (a flipped bit, a replayed, reordered, dropped, truncated or injected record)
 * into a failed link at that record, and a host can also cut, stall or delay a connection. So what
 * reaches the layer above TLS is a prefix of the frame stream, then a failure, silence or a delay:
 * {@link Action#CUT}, {@link Action#STALL} and the delays are exactly that. Drops, replays,
 * reorders, header rewrites and injections of whole frames go further than a host can (they need the
 * TLS keys) and check the frame layer's own sequence numbers and step ids. Changing a payload while
 * keeping its header is out of scope here: only the TLS keys allow it, and the TLS tamper tests attack
 * that layer itself.
 */
public final class TamperingNetwork {
  /** What the adversary does at the chosen frame. */
  public enum Action {
    DROP,
    REPLAY,
    REORDER,
    CUT,
    STALL,
    REWRITE_HEADER,
    INJECT,
    /** Holds this frame and all after it for longer than the receive timeout. */
    DELAY_PAST_DEADLINE,
    /** Holds this frame and all after it for less than the receive timeout: not an attack, the run must complete. */
    DELAY_WITHIN_DEADLINE
  }

  /** The frame to attack: the {@code index}-th data frame from {@code from} to {@code to} (frames of {@code skipStep} not counted). */
  public record Target(Party from, Party to, int index, Action action, Duration delay, long seed) {}

  @SuppressWarnings("unchecked")
  private final Queue[][] queues = new Queue[3][3];
  private final Timeouts timeouts;
  private final int skipStep;
  private final AtomicBoolean applied = new AtomicBoolean();

  /**
   * @param target the attack, or null to count frames only
   * @param skipStep a step whose frames are neither counted nor attacked (the client's receipt, sent after its output)
   */
  public TamperingNetwork(Duration receiveTimeout, Target target, int skipStep) {
    this.timeouts = Timeouts.defaults().withReceiveTimeout(receiveTimeout);
    this.skipStep = skipStep;
    for (Party from : Party.values()) {
      for (Party to : Party.values()) {
        if (to != from) {
          queues[from.ordinal()][to.ordinal()] = new Queue(target != null && target.from() == from && target.to() == to ? target : null);
        }
      }
    }
  }

  public Transport transport(Party self) {
    List<Link> links = new ArrayList<>();
    for (Party peer : Party.values()) {
      if (peer == self) continue;
      links.add(new MemoryLink(peer, queues[self.ordinal()][peer.ordinal()], queues[peer.ordinal()][self.ordinal()], timeouts));
    }
    return new FramedTransport(self, timeouts, links.toArray(Link[]::new));
  }

  /** Data frames that passed from {@code from} to {@code to} (after a run with no target). */
  public int dataFrames(Party from, Party to) {
    return queues[from.ordinal()][to.ordinal()].count.get();
  }

  /** Whether the attack happened (its frame was sent). */
  public boolean applied() {
    return applied.get();
  }

  private final class Queue extends LinkedBlockingQueue<Frame> {
    private final Target target;
    private final AtomicInteger count = new AtomicInteger();
    private Frame held; // REORDER: the frame waiting for the next one
    private boolean dead; // CUT, STALL: nothing passes any more
    private List<Frame> delayed; // a delay in progress: frames held in order

    Queue(Target target) {
      this.target = target;
    }

    @Override
    public synchronized boolean add(Frame f) {
      if (dead) return true;
      if (delayed != null) {
        delayed.add(f);
        return true;
      }
      boolean data = (f.type() == Frame.LONGS || f.type() == Frame.BYTES) && f.step() != skipStep;
      int index = data ? count.getAndIncrement() : -1;
      if (held != null && data) {
        super.add(f);
        super.add(held);
        held = null;
        return true;
      }
      if (target == null || index != target.index()) return super.add(f);
      applied.set(true);
      Random rnd = new Random(target.seed());
      switch (target.action()) {
        case DROP -> {}
        case REPLAY -> {
          super.add(f);
          super.add(f);
        }
        case REORDER -> held = f;
        case CUT -> {
          dead = true;
          super.add(MemoryLink.GONE);
        }
        case STALL -> dead = true;
        case REWRITE_HEADER -> super.add(rewrite(f, rnd));
        case INJECT -> {
          super.add(new Frame(f.seq(), rnd.nextInt(), f.type(), f.length(), f.payload()));
          super.add(f);
        }
        case DELAY_PAST_DEADLINE, DELAY_WITHIN_DEADLINE -> {
          delayed = new ArrayList<>(List.of(f));
          Thread.ofPlatform().daemon().start(() -> {
            sleep(target.delay());
            synchronized (this) {
              for (Frame d : delayed) super.add(d);
              delayed = null;
            }
          });
        }
      }
      return true;
    }

    private Frame rewrite(Frame f, Random rnd) {
      return switch (rnd.nextInt(4)) {
        case 0 -> new Frame(f.seq() ^ (1 << rnd.nextInt(31)), f.step(), f.type(), f.length(), f.payload());
        case 1 -> new Frame(f.seq(), f.step() ^ (1 << rnd.nextInt(32)), f.type(), f.length(), f.payload());
        case 2 -> new Frame(f.seq(), f.step(), (byte) (f.type() == Frame.LONGS ? Frame.BYTES : Frame.LONGS), f.length(), f.payload());
        default -> new Frame(f.seq(), f.step(), f.type(), f.length() ^ (1 << rnd.nextInt(20)), f.payload());
      };
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
