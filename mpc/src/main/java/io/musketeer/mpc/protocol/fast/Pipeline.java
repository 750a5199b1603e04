package io.musketeer.mpc.protocol.fast;

import io.musketeer.MusketeerException;
import io.musketeer.mpc.protocol.Session;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * One session's FastReLU batches. With a plan ({@link Fast#prepare}) the batches run in the planned
 * order under plan operation ids, and the helper deals them on a background thread, in order, one batch
 * ahead of the calls:
 *
 * <ul>
 *   <li><b>streamed</b> (default): the helper sends batch j+1's dealing right after batch j's g, in
 *       the same flight, so it travels while the layers between the two comparisons compute and costs
 *       no flight of its own;
 *   <li><b>ahead of time</b>: the helper sends every batch's dealing before the first comparison (the
 *       offline phase), and the holders keep all of it (the memory of the network's corrections).
 * </ul>
 * Without a plan, a batch is dealt when it is called. Plan operation ids are negative, apart from the
 * session's ids (which count up from 0), so no stream is ever drawn twice.
 */
final class Pipeline {
  private static final long PLAN_OPS = Long.MIN_VALUE;
  private final Session s;
  private final boolean ahead;
  private List<Fast.Batch> plan = List.of();
  private int next;
  private long base;
  // helper
  private Dealer dealer;
  private int sent;
  private final Map<Integer, long[]> masks = new HashMap<>();
  // share holders
  private final ArrayDeque<long[]> received = new ArrayDeque<>();

  Pipeline(Session s, boolean ahead) {
    this.s = s;
    this.ahead = ahead;
  }

  /** Starts a plan: the helper begins dealing; in the ahead-of-time mode all dealing travels now. */
  void plan(List<Fast.Batch> batches) {
    if (next < plan.size()) throw new IllegalStateException("the previous FastReLU plan was not run to its end");
    base += plan.size();
    plan = List.copyOf(batches);
    next = 0;
    sent = 0;
    if (plan.isEmpty()) return;
    if (s.isHelper()) {
      List<Fast.Batch> planned = plan;
      long first = base;
      dealer = Dealer.start(plan.size(), j -> FastRelu.deal(s, PLAN_OPS + first + j, planned.get(j).p(), planned.get(j).n()));
      if (ahead) while (sent < plan.size()) sendNext();
    } else if (ahead) {
      for (Fast.Batch b : plan) received.add(FastRelu.receiveDealt(s, b.p(), b.n()));
    }
  }

  /** Runs one batch: the next of the plan (which it must match), or an unplanned one. */
  long[] run(Params p, long[] x, int n) {
    if (next >= plan.size()) return FastRelu.run(s, p, x, n);
    Fast.Batch b = plan.get(next);
    if (!b.p().equals(p) || b.n() != n) {
      throw new IllegalStateException("FastReLU batch " + next + " (" + p + ", " + n + " elements) does not match the plan (" + b.p() + ", " + b.n() + ")");
    }
    int j = next++;
    long op = PLAN_OPS + base + j;
    boolean prefetch = !ahead && next < plan.size();
    if (s.isHelper()) {
      if (sent <= j) sendNext();
      FastRelu.helperOnline(s, p, n, masks.remove(j), prefetch ? this::sendNext : null);
      return null;
    }
    Fast.Batch following = prefetch ? plan.get(j + 1) : null;
    return FastRelu.holder(s, op, p, x, n, received.poll(), following == null ? null
        : () -> received.add(FastRelu.receiveDealt(s, following.p(), following.n())));
  }

  /** Helper: sends the next batch's dealing. */
  private void sendNext() {
    FastRelu.Dealt d = dealer.take();
    FastRelu.sendDealt(s, d);
    masks.put(sent++, d.masks());
  }

  /**
   * The helper's background dealing of a plan, in order, one batch ahead of its sending. Whatever ends
   * the dealing thread, an out-of-memory error included, is thrown to the thread that takes the next
   * batch: otherwise the helper would wait for it forever and its peers would time out.
   */
  static final class Dealer implements Runnable {
    private final int batches;
    private final IntFunction<FastRelu.Dealt> deal;
    private final BlockingQueue<FastRelu.Dealt> out = new ArrayBlockingQueue<>(1); // one batch ahead: memory, not speed, is what more would buy
    private final Thread consumer = Thread.currentThread();
    private volatile Throwable failure;

    private Dealer(int batches, IntFunction<FastRelu.Dealt> deal) {
      this.batches = batches;
      this.deal = deal;
    }

    /** Starts dealing batches 0 .. batches-1 with {@code deal} on a daemon thread. */
    static Dealer start(int batches, IntFunction<FastRelu.Dealt> deal) {
      Dealer d = new Dealer(batches, deal);
      Thread t = new Thread(d, "musketeer-fast-dealer");
      t.setDaemon(true);
      t.start();
      return d;
    }

    @Override
    public void run() {
      try {
        for (int j = 0; j < batches; j++) {
          FastRelu.Dealt d = deal.apply(j);
          while (!out.offer(d, 1, TimeUnit.SECONDS)) {
            if (!consumer.isAlive()) return; // the session is gone
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Throwable e) {
        failure = e;
      }
    }

    FastRelu.Dealt take() {
      try {
        while (true) {
          FastRelu.Dealt d = out.poll(1, TimeUnit.SECONDS);
          if (d != null) return d;
          Throwable f = failure;
          if (f instanceof RuntimeException e) throw e;
          if (f instanceof Error e) throw e;
          if (f != null) throw new IllegalStateException(f);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new MusketeerException("interrupted while waiting for the helper's dealing");
      }
    }
  }
}
