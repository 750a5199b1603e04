package io.musketeer.mpc.protocol;

/**
 * How a ReLU with fused truncation by f rounds ({@link Comparison#reluTruncate}). Because ⌊·/2^f⌋ is
 * monotone, truncating before or after the ReLU gives the same value in the exact mode, so one fused
 * call covers both "truncate the input" and "truncate the output"; the local modes differ in which.
 */
public enum TruncMode {
  /**
   * Each share holder truncates its share of x locally (PROTOCOLS.md §4.4), then the ReLU: ⌊x/2^f⌋ or
   * ⌈x/2^f⌉, and garbage with probability about |x|/2^64 per element. Porthos's order for a
   * truncation before a ReLU; every protocol offers it.
   */
  LOCAL_BEFORE_RELU,
  /** The ReLU, then local truncation of its output (as {@link #LOCAL_BEFORE_RELU} otherwise). Every protocol offers it. */
  LOCAL_AFTER_RELU,
  /** ⌊x/2^f⌋ + t for positive x, t ∈ {0, 1} with Pr[t = 1] = (x mod 2^f)/2^f: unbiased, never off by more than 1 (FASTRELU.md §2, RELU_TRUNC). */
  STOCHASTIC,
  /** max(⌊x/2^f⌋, 0) exactly, bit-identical with the cleartext interpreter (FASTRELU.md §2, RELU_TRUNC_EXACT). */
  EXACT
}
