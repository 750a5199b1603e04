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
  RELU_TRUNC_EXACT;

  boolean truncates() {
    return this == RELU_TRUNC || this == RELU_TRUNC_EXACT;
  }
}
