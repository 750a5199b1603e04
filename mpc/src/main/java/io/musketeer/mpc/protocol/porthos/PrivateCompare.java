package io.musketeer.mpc.protocol.porthos;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Steps;
import io.musketeer.mpc.protocol.Chunks;
import io.musketeer.mpc.protocol.Scratch;
import io.musketeer.mpc.protocol.Session;

/**
 * PrivateCompare (SecureNN, PrivateCompare algorithm; Porthos's {@code funcPrivateCompareMPC};
 * PROTOCOLS.md §4.5): the client and the server hold Z_p shares of the 64 bits of an unsigned x, both
 * know an unsigned r and a bit β; the helper learns β' = β XOR [x &gt; r] and nothing else.
 *
 * <p>For each compared value the share holders draw fresh common randomness from their pair stream
 * (fixing defect D2, where Porthos's parallel path used all-ones multipliers and a fixed order):
 * multipliers s[k] in Z_p^*, a zero-sharing z[k] in Z_p (fixing defect D1: without it the helper could
 * divide the two parties' messages and recover the compared value), and a position mask ρ. With
 * t = r + β and w[k] = x[k] XOR t[k], party j forms
 * c_j[k] = Σ_{i&lt;k} w_j[i] ∓ x_j[k] + (client only: 1 ± t[k]), places it at position q = k ⊕ ρ and
 * sends d_j[q] = s[q]·c_j[k] ± z[q] mod 127 (s and z are indexed by the position sent, which changes
 * nothing as they are independent and uniform). The helper adds the two messages; some sum is 0 iff
 * β' = 1.
 *
 * <p><b>Deviation:</b> Porthos permutes the 64 positions with a full Fisher–Yates permutation; here the
 * permutation is k ↦ k XOR ρ for a uniform 6-bit ρ. The helper's view is the same distribution: the
 * 64 opened values are independent, the non-zero ones uniform in Z_p^* (fresh s[k] over c[k] ∈ [1, 65]),
 * and the only remaining information, the position of the zero, is uniform under either permutation;
 * each party's own message is uniform given the opened sum (z). It saves 63 unbiased index draws per
 * value. Z_p^* is sampled as 1 + (b mod 126) for a byte b &lt; 252 rather than Z_p minus 0 (both uniform).
 *
 * <p>Work is chunked over all cores; the products run on the Vector API when the
 * {@code jdk.incubator.vector} module is present, else in scalar code with the same result. The special case β = 1, r = 2^64−1 (t overflows) uses Porthos's u[k] construction; ShareConvert
 * and ComputeMSB never reach it.
 *
 * <p>Cost: 64 bytes (lam = 8 bits per Z_p value) from each share holder per value, one flight.
 */
public final class PrivateCompare {
  static final int STEP_PC = Steps.id("private-compare/d");
  private static final int P = Zp.P;
  /** Values per cache block inside a chunk (64 bytes each in the multiplier, mask and c buffers). */
  private static final int BLOCK = 64;

  private PrivateCompare() {}

  /**
   * Standalone PrivateCompare of n values: share holders pass their bit shares (n·64 bytes, MSB first),
   * the public r and β (0/1); the helper passes {@code null}s and gets β' (0/1) per value.
   */
  public static byte[] run(Session s, byte[] xBits, long[] r, byte[] beta, int n) {
    long op = s.nextOpId();
    if (s.isHelper()) {
      byte[] d0 = s.net().receiveBytes(Party.CLIENT, STEP_PC, n * BitDealer.BITS);
      byte[] d1 = s.net().receiveBytes(Party.SERVER, STEP_PC, n * BitDealer.BITS);
      return open(s, d0, d1, n);
    }
    send(s, STEP_PC, xBits, r, beta, n, masks(s, "pc", op, n));
    return null;
  }

  /** Share holder: computes the messages for n values under m and sends them (n·64 bytes) to the helper. */
  static void send(Session s, int step, byte[] xBits, long[] r, byte[] beta, int n, Masks m) {
    s.net().send(Party.HELPER, step, messages(s, xBits, r, beta, n, m), 0, n * BitDealer.BITS);
  }

  /**
   * The common randomness of n compared values: ρ per value, multipliers s and masks z per output
   * position. Input-independent, so a share holder draws it while it waits for the helper.
   */
  record Masks(String purpose, long op, int n, byte[] rho, byte[] mult, byte[] mask) {}

  /** Draws {@link Masks} for n values from the client–server streams of this purpose and operation. */
  static Masks masks(Session s, String purpose, long op, int n) {
    Party other = s.self().otherHolder();
    Scratch scratch = s.scratch();
    byte[] rho = scratch.bytes(purpose + "/pc-rho", n), mult = scratch.bytes(purpose + "/pc-s", n * BitDealer.BITS);
    byte[] mask = scratch.bytes(purpose + "/pc-z", n * BitDealer.BITS);
    Chunks.forEach(s, n, chunk -> {
      int lo = chunk * Chunks.SIZE, hi = Math.min(n, lo + Chunks.SIZE);
      s.random().sharedChunk(other, purpose + "/pc-rho", op, chunk).fill(rho, lo, hi - lo);
      new Zp.Sampler(s.random().sharedChunk(other, purpose + "/pc-s", op, chunk), true).take(mult, lo * BitDealer.BITS, (hi - lo) * BitDealer.BITS);
      new Zp.Sampler(s.random().sharedChunk(other, purpose + "/pc-z", op, chunk), false).take(mask, lo * BitDealer.BITS, (hi - lo) * BitDealer.BITS);
    });
    return new Masks(purpose, op, n, rho, mult, mask);
  }

  /** The messages for n values under masks drawn by {@link #masks} for the same n: the first n·64 bytes of a scratch buffer. */
  static byte[] messages(Session s, byte[] xBits, long[] r, byte[] beta, int n, Masks m) {
    if (xBits.length < n * BitDealer.BITS || r.length < n || beta.length < n || m.n() != n) {
      throw new IllegalArgumentException("PrivateCompare inputs do not match n = " + n);
    }
    boolean p0 = s.isClient();
    Party other = s.self().otherHolder();
    byte[] out = s.scratch().bytes("pc/out", n * BitDealer.BITS); // dead once sent
    Chunks.forEach(s, n, chunk -> {
      int lo = chunk * Chunks.SIZE, hi = Math.min(n, lo + Chunks.SIZE);
      // c is formed block by block so that it stays in the L1 cache until it is combined with s and z.
      byte[] c = new byte[Math.min(BLOCK, hi - lo) * BitDealer.BITS];
      Zp.Sampler special = null;
      byte[] u = new byte[64];
      for (int b0 = lo; b0 < hi; b0 += BLOCK) {
        int b1 = Math.min(hi, b0 + BLOCK), len = (b1 - b0) * BitDealer.BITS;
        for (int i = b0; i < b1; i++) {
          boolean sp = beta[i] == 1 && r[i] == -1L;
          if (sp) {
            if (special == null) special = new Zp.Sampler(s.random().sharedChunk(other, m.purpose() + "/pc-u", m.op(), chunk), false);
            special.take(u, 0, 64);
          }
          prefix(p0, xBits, i * BitDealer.BITS, r[i], beta[i], sp ? u : null, m.rho()[i] & 63, c, (i - b0) * BitDealer.BITS);
        }
        mulAdd(m.mult(), c, m.mask(), out, b0 * BitDealer.BITS, len, p0);
      }
    });
    return out;
  }

  /**
   * First pass for one value: c_j[k] (see the class comment) for k = 0..63, reduced to [0, 128], written
   * to position k XOR ρ of c[co ..]. With u (only for β = 1 and r = 2^64−1), Porthos's
   * special case c_0[k] = [k≠0] − u[k], c_1[k] = u[k].
   */
  static void prefix(boolean p0, byte[] x, int xo, long r, int beta, byte[] u, int rho, byte[] c, int co) {
    prefix(p0, x, xo, r, beta, u, rho, c, co, Zp.VECTOR);
  }

  /** {@code vector = false} forces the scalar path (tests compare both). */
  static void prefix(boolean p0, byte[] x, int xo, long r, int beta, byte[] u, int rho, byte[] c, int co, boolean vector) {
    int p0i = p0 ? 1 : 0;
    if (u != null) {
      for (int k = 0; k < 64; k++) c[co + (k ^ rho)] = (byte) (p0 ? (k != 0 ? 1 : 0) - u[k] + P : u[k]);
      return;
    }
    long t = beta == 0 ? r : r + 1;
    if (vector && Zp.VECTOR) {
      ZpVector.prefix(p0, x, xo, t, beta, rho, c, co);
      return;
    }
    // The running sum Σ_{i<k} w[i] stays unreduced (below 64·128) so that the loop-carried chain is a
    // single add; each c is reduced off the chain by folding (128 ≡ 1 mod 127) to at most 128.
    int sum = 0;
    if (beta == 0) {
      for (int k = 0; k < 64; k++) {
        int xk = x[xo + k], tk = (int) (t >>> (63 - k)) & 1;
        int ck = sum + P - xk + p0i * (1 + tk);
        ck = (ck & 127) + (ck >>> 7);
        c[co + (k ^ rho)] = (byte) ((ck & 127) + (ck >>> 7));
        sum += xk + tk * (p0i + P - 2 * xk); // w in [0, 128]
      }
    } else {
      for (int k = 0; k < 64; k++) {
        int xk = x[xo + k], tk = (int) (t >>> (63 - k)) & 1;
        int ck = sum + xk + p0i * (1 - tk);
        ck = (ck & 127) + (ck >>> 7);
        c[co + (k ^ rho)] = (byte) ((ck & 127) + (ck >>> 7));
        sum += xk + tk * (p0i + P - 2 * xk);
      }
    }
  }

  /** Second pass: out[oo + j] = mult[oo + j]·c[j] ± mask[oo + j] mod p (+ for the client, − for the server). */
  static void mulAdd(byte[] mult, byte[] c, byte[] mask, byte[] out, int oo, int len, boolean plus) {
    int j = 0;
    if (Zp.VECTOR) j = ZpVector.mulAdd(mult, c, mask, out, oo, len, plus);
    int off = plus ? 0 : P, sign = plus ? 1 : -1;
    for (; j < len; j++) {
      int v = mult[oo + j] * (c[j] & 0xff) + off + sign * mask[oo + j];
      v = (v & 127) + (v >>> 7);
      v = (v & 127) + (v >>> 7);
      v -= P & ((P - 1 - v) >> 31);
      out[oo + j] = (byte) v;
    }
  }

  /** Helper: β'[i] = 1 iff d0[i·64+k] + d1[i·64+k] = 0 mod 127 for some k. */
  static byte[] open(Session s, byte[] d0, byte[] d1, int n) {
    byte[] out = new byte[n];
    Chunks.forEach(s, n, c -> {
      int lo = c * Chunks.SIZE, hi = Math.min(n, lo + Chunks.SIZE);
      if (Zp.VECTOR) {
        ZpVector.open(d0, d1, out, lo, hi);
        return;
      }
      for (int i = lo; i < hi; i++) {
        int zero = 0;
        for (int k = i * BitDealer.BITS, end = k + BitDealer.BITS; k < end; k++) {
          int e = d0[k] + d1[k];
          zero |= (e == 0 || e == P) ? 1 : 0;
        }
        out[i] = (byte) zero;
      }
    });
    return out;
  }
}
