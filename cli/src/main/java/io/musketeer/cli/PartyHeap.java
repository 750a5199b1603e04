package io.musketeer.cli;

import io.musketeer.ir.GraphStats;
import io.musketeer.ir.Liveness;
import io.musketeer.ir.Program;

/**
 * The heap of each party JVM that local, bench and demo start: {@code MUSKETEER_PARTY_HEAP} when set,
 * else sized from the program. A party's heap holds a fixed part (the launcher's 128 MB young
 * generation, classes, a comparison batch's messages) and a part that grows with the program (the
 * widest node's shares and weight messages, a few copies at once, and the shares alive at once).
 * A heap of several gigabytes, as before, lets G1 fill it between collections: ResNet-50's parties
 * then peaked at 0.56-0.64 GB against 0.36-0.44 GB sized (BENCHMARKS.md, "Memory per party").
 */
final class PartyHeap {
  static final String VARIABLE = "MUSKETEER_PARTY_HEAP";

  private static final long MB = 1 << 20;
  /** Below this the fixed part leaves too little (ResNet-50 ran out at 160 MB, and slowed at 220 MB). */
  static final long FLOOR = 256 * MB;
  private static final long FIXED = 96 * MB;
  /** Copies of the widest node's inputs and result a party holds at once (shares, masks, messages, products). */
  private static final int WIDEST_COPIES = 6;
  /** Copies of the float weights a party holds while it compiles a model itself (graph, folded graph, ring weights). */
  private static final int COMPILE_COPIES = 8;
  /**
   * The larger comparison batches of a program without bounds (k = 63: the helper's dealing for a batch
   * in flight is about 35 MB against 10-20 MB calibrated; ResNet-50's helper ran out at 256 MB).
   */
  private static final long UNBOUNDED_BATCHES = 128 * MB;

  private PartyHeap() {}

  /** The k = 63 dealing in flight grows with the batch: all of {@link #UNBOUNDED_BATCHES} from 2^20 values a batch on (whole layers of ResNet-50). */
  static long unboundedBatches(int batch) {
    return batch >= 1 << 20 ? UNBOUNDED_BATCHES : UNBOUNDED_BATCHES * batch / (1 << 20);
  }

  /**
   * @param compiledByParties whether each party compiles the model itself (a model, not a program file)
   * @param inferences inferences per session: from the second on, the weight masks are kept (8 bytes per weight)
   * @param batch the largest comparison batch of the run's protocols ({@code --comparison-batch} or their default)
   * @param heldAhead the most bytes a protocol of the run deals ahead of time ({@code SecureParty.heldAhead}): fast-ahead's
   *     whole program, held at once (ResNet-50's helper ran out of a 256 MB heap without it)
   */
  static String option(Program p, boolean compiledByParties, int inferences, int batch, long heldAhead) {
    String given = given();
    if (given != null) return given;
    // and half again: on a slow link the helper's queue also holds the linear layers' dealing, sent behind
    // FastReLU's (ResNet-50 s6 ahead of time over the WAN profile: 575 MB held, 662 MB dealt; out of
    // memory in 806 MB)
    long heap = bytes(Liveness.of(p), compiledByParties, inferences, unboundedComparisons(p), batch) + heldAhead + heldAhead / 2;
    return "-Xmx" + ((heap + MB - 1) / MB) + "m";
  }

  /** For runs that do not say what they run (tests): the heap every party had before it was sized. */
  static String unsized() {
    String given = given();
    return given != null ? given : "-Xmx6g";
  }

  private static String given() {
    String given = System.getenv(VARIABLE);
    return given == null || given.isBlank() ? null : given.strip();
  }

  /** Whether some comparison has no bound from calibration on what it reads, so that it runs at k = 63. */
  static boolean unboundedComparisons(Program p) {
    return GraphStats.hasUnboundedComparison(p);
  }

  static long bytes(Liveness live, boolean compiledByParties, int inferences, boolean unbounded) {
    return bytes(live, compiledByParties, inferences, unbounded, Integer.MAX_VALUE);
  }

  static long bytes(Liveness live, boolean compiledByParties, int inferences, boolean unbounded, int batch) {
    long heap = FIXED + WIDEST_COPIES * live.widestBytes() + 2 * live.peakBytes();
    if (compiledByParties) heap += COMPILE_COPIES * live.weightBytes();
    if (inferences > 1) heap += 2 * live.weightBytes(); // the kept masks: 8 bytes a weight, weightBytes counts 4
    heap = Math.max(FLOOR, heap) + (unbounded ? unboundedBatches(batch) : 0);
    return (heap + MB - 1) / MB * MB;
  }
}
