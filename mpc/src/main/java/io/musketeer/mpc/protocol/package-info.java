/**
 * Porthos's semi-honest three-party protocol (CrypTFlow, Kumar et al., S&amp;P 2020; built on SecureNN,
 * Wagh, Gupta and Chandran, PoPETs 2019), as specified step by step in PROTOCOLS.md.
 *
 * <p>Client (P0) and server (P1) hold 2-of-2 additive shares over Z_2^64; the helper (P2) holds none.
 * Every party calls the same method in the same order with the same public sizes; the helper passes
 * {@code null} for share arrays and gets {@code null}. Correlated randomness comes from
 * {@link io.musketeer.mpc.random.Randomness} streams keyed by (pair seed, purpose, operation id), with a
 * fresh operation id per invocation from {@link io.musketeer.mpc.protocol.Session#nextOpId()}.
 *
 * <ul>
 *   <li>{@link io.musketeer.mpc.protocol.Beaver}: matmul, CONV_OPTI convolution, elementwise product (§4.2–4.3).
 *   <li>{@link io.musketeer.mpc.protocol.Truncation}: local truncation and public division (§4.4, §4.10).
 *   <li>{@link io.musketeer.mpc.protocol.Reveal}: input sharing and opening to the client (§4.1).
 *   <li>{@link io.musketeer.mpc.protocol.PrivateCompare}, {@link io.musketeer.mpc.protocol.ShareConvert},
 *       {@link io.musketeer.mpc.protocol.ComputeMsb} and {@link io.musketeer.mpc.protocol.Porthos} (DReLU,
 *       ReLU, MaxPool, ArgMax), behind the {@link io.musketeer.mpc.protocol.Comparison} interface (§4.5–4.9).
 * </ul>
 *
 * <p>Deviations from the released Porthos code, all with Porthos's traffic (ReLU 4288 bits per element,
 * 9 flights): D1 fixed (a common zero-sharing in PrivateCompare), D2 fixed (fresh multipliers and
 * position masks per compared value), D3 not applicable (seeds from key agreement); bits unscaled in
 * {0, 1} and products untruncated inside the comparison (the exact variant of §4.8); ShareConvert
 * redraws r = 0; PrivateCompare's position permutation is k ↦ k XOR ρ (same view distribution as a full
 * permutation); MaxPool and ArgMax are tournament trees with values and indices selected in one product.
 */
package io.musketeer.mpc.protocol;
