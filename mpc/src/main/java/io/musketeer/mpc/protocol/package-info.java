/**
 * The pieces every semi-honest three-party protocol over Z_2^64 shares (PROTOCOLS.md §3–4), and the
 * {@link io.musketeer.mpc.protocol.Comparison} interface that a comparison protocol implements. Porthos
 * lives in {@code porthos}; a second comparison protocol sits beside it in its own package and uses only
 * the public API here.
 *
 * <p>Client (P0) and server (P1) hold 2-of-2 additive shares over Z_2^64; the helper (P2) holds none.
 * Every party calls the same method in the same order with the same public sizes; the helper passes
 * {@code null} for share arrays and gets {@code null}. Correlated randomness comes from
 * {@link io.musketeer.mpc.random.Randomness} streams keyed by (pair seed, purpose, operation id), with a
 * fresh operation id per invocation from {@link io.musketeer.mpc.protocol.Session#nextOpId()}.
 *
 * <ul>
 *   <li>{@link io.musketeer.mpc.protocol.Session}: a party's links, randomness, worker pool, batch size and
 *       reusable buffers ({@link io.musketeer.mpc.protocol.Scratch}).
 *   <li>{@link io.musketeer.mpc.protocol.Beaver}: matmul, CONV_OPTI convolution, elementwise product
 *       (§4.2–4.3), with the elementwise product's dealing and online halves public for other protocols.
 *   <li>{@link io.musketeer.mpc.protocol.Truncation}: local truncation and public division (§4.4, §4.10).
 *   <li>{@link io.musketeer.mpc.protocol.Reveal}: input sharing and opening to the client (§4.1).
 *   <li>{@link io.musketeer.mpc.protocol.Dealer}: the helper's dealing of values with the halving rule (§3.3).
 *   <li>{@link io.musketeer.mpc.protocol.Chunks}, {@link io.musketeer.mpc.protocol.Wire}: chunked parallel
 *       loops whose streams are derived per chunk, and packing of longs into byte messages.
 * </ul>
 *
 * <p>Each primitive sends its own frames, each under its own step id; frames that a party sends back to
 * back, with nothing received in between, are one flight, so composing primitives costs no extra round.
 */
package io.musketeer.mpc.protocol;
