/**
 * Porthos's comparisons (CrypTFlow, Kumar et al., S&amp;P 2020; built on SecureNN, Wagh, Gupta and
 * Chandran, PoPETs 2019), as specified step by step in PROTOCOLS.md §4.5–4.9:
 * {@link io.musketeer.mpc.protocol.porthos.PrivateCompare}, {@link io.musketeer.mpc.protocol.porthos.ShareConvert},
 * {@link io.musketeer.mpc.protocol.porthos.ComputeMsb} and {@link io.musketeer.mpc.protocol.porthos.Porthos}
 * (DReLU, ReLU, MaxPool, ArgMax behind {@link io.musketeer.mpc.protocol.Comparison}), with their Z_127
 * field, odd ring and bit-share dealing.
 *
 * <p>Deviations from the released Porthos code, all with Porthos's traffic (ReLU 4288 bits per element,
 * 9 flights): D1 fixed (a common zero-sharing in PrivateCompare), D2 fixed (fresh multipliers and
 * position masks per compared value), D3 not applicable (seeds from key agreement); bits unscaled in
 * {0, 1} and products untruncated inside the comparison (the exact variant of §4.8); ShareConvert
 * redraws r = 0; PrivateCompare's position permutation is k ↦ k XOR ρ (same view distribution as a full
 * permutation); MaxPool and ArgMax are tournament trees with values and indices selected in one product.
 */
package io.musketeer.mpc.protocol.porthos;
