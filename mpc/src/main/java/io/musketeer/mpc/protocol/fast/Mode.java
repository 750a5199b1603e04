package io.musketeer.mpc.protocol.fast;

/** What one FastReLU call outputs (FASTRELU.md §2); b = [x ≥ 0]. */
public enum Mode {
  /** Shares of b in {0, 1}, unscaled. */
  DRELU(false, false),
  /** Shares of max(x, 0), exact. */
  RELU(false, false),
  /** Shares of b·(⌊x/2^f⌋ + t), t an unbiased stochastic-rounding bit: never off by more than one unit. */
  RELU_TRUNC(true, false),
  /** Shares of max(⌊x/2^f⌋, 0), bit-exact with the cleartext interpreter. */
  RELU_TRUNC_EXACT(true, true),
  /**
   * Shares of ⌊x/2^f⌋, exact, without a ReLU: the truncation of a revealed value (FASTRELU.md §5,
   * "Standalone truncation": the same wrap term w and the exact mode's second comparison).
   */
  TRUNC(true, true);

  // fields rather than comparisons: the kernels read them per chunk, and C2 would compile a comparison
  // for the first layers' mode and deoptimise the kernel at the first layer of another
  private final boolean truncates, exactShift;

  Mode(boolean truncates, boolean exactShift) {
    this.truncates = truncates;
    this.exactShift = exactShift;
  }

  boolean truncates() {
    return truncates;
  }

  /** Whether the call also compares the low f bits (t_f = [low(c, f) &lt; low(r, f)]), so f must be a block boundary. */
  boolean exactShift() {
    return exactShift;
  }
}
