package io.musketeer.mpc.protocol.fast;

/** What one FastReLU call outputs (FASTRELU.md §2); b = [x ≥ 0]. */
public enum Mode {
  /** Shares of b in {0, 1}, unscaled. */
  DRELU,
  /** Shares of max(x, 0), exact. */
  RELU,
  /** Shares of b·(⌊x/2^f⌋ + t), t an unbiased stochastic-rounding bit: never off by more than one unit. */
  RELU_TRUNC,
  /** Shares of max(⌊x/2^f⌋, 0), bit-exact with the cleartext interpreter. */
  RELU_TRUNC_EXACT,
  /**
   * Shares of ⌊x/2^f⌋, exact, without a ReLU: the truncation of a revealed value (FASTRELU.md §5,
   * "Standalone truncation": the same wrap term w and the exact mode's second comparison).
   */
  TRUNC;

  boolean truncates() {
    return this == RELU_TRUNC || this == RELU_TRUNC_EXACT || this == TRUNC;
  }

  /** Whether the call also compares the low f bits (t_f = [low(c, f) &lt; low(r, f)]), so f must be a block boundary. */
  boolean exactShift() {
    return this == RELU_TRUNC_EXACT || this == TRUNC;
  }
}
