package io.musketeer.mpc.protocol;

import io.musketeer.mpc.Party;

/**
 * Porthos's comparison stack (CrypTFlow, Porthos; SecureNN, DReLU, ReLU and Maxpool algorithms;
 * Porthos's {@code funcRELUPrime3PC}, {@code funcRELUMPC}, {@code funcMaxMPC}; PROTOCOLS.md §4.5–4.9),
 * with defects D1 and D2 fixed (see {@link PrivateCompare}) and the recommended unscaled variant of
 * §4.8: bits in {0, 1}, products untruncated, so every result is exact.
 *
 * <p><b>DReLU</b>: [x ≥ 0] = 1 − MSB(2x) by {@link ShareConvert} then {@link ComputeMsb}; correct for
 * x ∈ [−2^62, 2^62). ComputeMSB's input-independent dealing rides in ShareConvert's last flight, so
 * DReLU takes 8 flights: 1280 bits from each share holder and 1408 from the helper per element.
 * <b>ReLU</b> = x · DReLU(x) by one more Beaver product whose C1 the helper sends in DReLU's seventh
 * flight: 9 flights and 1408 + 1408 + 1472 = 4288 bits per element, Porthos's figure.
 *
 * <p><b>MaxPool and ArgMax</b> are tournament trees (§4.9's recommendation): ⌈log2 k⌉ levels, each one
 * batched DReLU over all pairs plus one batched select, 9 flights per level and the traffic of k − 1
 * ReLUs per window; ties keep the left (earlier) element, so ArgMax returns the first index of the
 * maximum. ArgMax selects values and indices in the same product.
 *
 * <p>Batches larger than {@link #MAX_BATCH} elements run as several sequential batches, each with the
 * flights above. The bound keeps a comparison layer's working set (about 600 bytes per element at a
 * share holder) near 80 MB, so the heap stays small and is reused: on a VM, touching fresh memory costs
 * several microseconds per page, which made big batches slower overall despite their fewer rounds.
 */
public final class Porthos implements Comparison {
  public static final String NAME = "porthos";
  public static final Porthos INSTANCE = new Porthos();
  /** Largest number of comparisons in one batch (a PrivateCompare message is 64 bytes per element). */
  public static final int MAX_BATCH = 1 << 17;
  /** The batch size in use: {@link #MAX_BATCH}, lowered only by tests of the batching. */
  static int maxBatch = MAX_BATCH;

  private Porthos() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public long[] drelu(Session s, long[] x, int n) {
    if (!s.isHelper()) Beaver.checkLength(x, n);
    long[] out = s.isHelper() ? null : new long[n];
    for (int lo = 0; lo < n; lo += maxBatch) {
      int len = Math.min(maxBatch, n - lo);
      Bits b = dreluThen(s, slice(s, x, lo, len), len, 0);
      if (out != null) System.arraycopy(b.bit, 0, out, lo, len);
    }
    return out;
  }

  @Override
  public long[] relu(Session s, long[] x, int n) {
    if (!s.isHelper()) Beaver.checkLength(x, n);
    long[] out = s.isHelper() ? null : new long[n];
    for (int lo = 0; lo < n; lo += maxBatch) {
      int len = Math.min(maxBatch, n - lo);
      long[] xs = slice(s, x, lo, len);
      Bits b = dreluThen(s, xs, len, len);
      if (out != null) System.arraycopy(Beaver.multiplyOnline(s, b.nextOp, xs, b.bit, len, b.nextC1), 0, out, lo, len);
    }
    return out;
  }

  @Override
  public long[] maxPool(Session s, long[] windows, int slots, int count) {
    if (slots < 1 || count < 0) throw new IllegalArgumentException("bad window shape");
    if (!s.isHelper()) Beaver.checkLength(windows, Math.multiplyExact(slots, count));
    return tournament(s, windows, slots, count, false)[0];
  }

  @Override
  public long[] argMax(Session s, long[] x, int rows, int len) {
    if (len < 1 || rows < 0) throw new IllegalArgumentException("bad argmax shape");
    long[] slotMajor = null;
    if (!s.isHelper()) {
      Beaver.checkLength(x, Math.multiplyExact(rows, len));
      slotMajor = new long[rows * len];
      for (int r = 0; r < rows; r++)
        for (int j = 0; j < len; j++) slotMajor[j * rows + r] = x[r * len + j];
    }
    return tournament(s, slotMajor, len, rows, true)[1];
  }

  /**
   * Tournament over k slot vectors of count elements: at each level, pairs (2p, 2p+1) are compared with
   * d = left − right, bit = [d ≥ 0], winner = right + bit·d (and likewise for the indices); an odd last
   * slot passes through. Returns {values, indices (or null)}.
   */
  private static long[][] tournament(Session s, long[] v, int k, int count, boolean withIndex) {
    boolean holder = !s.isHelper();
    long[] idx = null;
    if (holder && withIndex) {
      idx = new long[k * count]; // public slot numbers: (j, 0)
      if (s.isClient()) for (int j = 0; j < k; j++) java.util.Arrays.fill(idx, j * count, (j + 1) * count, j);
    }
    while (k > 1) {
      int pairs = k / 2, m = pairs * count, next = pairs + (k & 1);
      long[] nv = holder ? new long[next * count] : null, ni = holder && withIndex ? new long[next * count] : null;
      for (int lo = 0; lo < m; lo += maxBatch) {
        int len = Math.min(maxBatch, m - lo), mul = withIndex ? 2 * len : len;
        long[] d = null, bits = null;
        if (holder) {
          d = new long[mul];
          bits = null;
          for (int t = 0; t < len; t++) {
            int e = lo + t, p = e / count, i = e % count;
            int a = 2 * p * count + i, b = a + count;
            d[t] = v[a] - v[b];
            if (withIndex) d[len + t] = idx[a] - idx[b];
          }
        }
        Bits b = dreluThen(s, holder ? java.util.Arrays.copyOf(d, len) : null, len, mul);
        if (holder) {
          bits = withIndex ? java.util.Arrays.copyOf(b.bit, mul) : b.bit;
          if (withIndex) System.arraycopy(b.bit, 0, bits, len, len);
          long[] sel = Beaver.multiplyOnline(s, b.nextOp, d, bits, mul, b.nextC1);
          for (int t = 0; t < len; t++) {
            int e = lo + t, p = e / count, i = e % count;
            int right = (2 * p + 1) * count + i;
            nv[e] = v[right] + sel[t];
            if (withIndex) ni[e] = idx[right] + sel[len + t];
          }
        }
      }
      if (holder && (k & 1) == 1) {
        System.arraycopy(v, (k - 1) * count, nv, pairs * count, count);
        if (withIndex) System.arraycopy(idx, (k - 1) * count, ni, pairs * count, count);
      }
      v = nv;
      idx = ni;
      k = next;
    }
    if (!holder) return new long[2][];
    return new long[][] {java.util.Arrays.copyOf(v, count), withIndex ? java.util.Arrays.copyOf(idx, count) : null};
  }

  /** DReLU output and the pre-dealt Beaver product that follows it. */
  record Bits(long[] bit, long[] nextC1, long nextOp) {}

  /**
   * DReLU of n elements (8 flights); the helper's seventh flight also carries the server's C1 for a
   * following elementwise product of nextMul elements under operation id {@code nextOp}.
   */
  static Bits dreluThen(Session s, long[] x, int n, int nextMul) {
    long opSc = s.nextOpId(), opMsb = s.nextOpId(), opTheta = s.nextOpId(), opNext = s.nextOpId();
    if (n == 0) return new Bits(s.isHelper() ? null : new long[0], s.isServer() ? new long[0] : null, opNext);
    if (s.isHelper()) {
      // The input-independent work (ComputeMSB's dealing, the Beaver C1s) is done while the share
      // holders compute their PrivateCompare messages, not while they wait for the helper.
      ShareConvert.helperDeal(s, opSc, n);
      int extraCLength = ComputeMsb.dealBytes(Party.CLIENT, n), extraSLength = ComputeMsb.dealBytes(Party.SERVER, n);
      byte[] extraC = s.scratch().bytes("msb/deal-client", extraCLength), extraS = s.scratch().bytes("msb/deal-server", extraSLength);
      ComputeMsb.helperDeal(s, opMsb, n, extraC, 0, extraS, 0);
      ShareConvert.helperFinish(s, opSc, n, extraC, extraCLength, extraS, extraSLength);
      ComputeMsb.helperOnline(s, opMsb, n, ComputeMsb.helperC1(s, opTheta, n, opNext, nextMul), nextMul);
      return new Bits(null, null, opNext);
    }
    Beaver.checkLength(x, n);
    long[] a = new long[n];
    for (int i = 0; i < n; i++) a[i] = x[i] << 1;
    ShareConvert.Pending pending = ShareConvert.partyStart(s, opSc, a, n);
    ComputeMsb.Prepared prep = ComputeMsb.prepare(s, opMsb, n); // while the helper opens ShareConvert's comparison
    ShareConvert.PartyResult sc = ShareConvert.partyFinish(s, pending, ComputeMsb.dealBytes(s.self(), n));
    ComputeMsb.PartyResult msb = ComputeMsb.party(s, opTheta, sc.y(), sc.last(), sc.extraOffset(), opNext, nextMul, prep);
    long[] b = msb.b();
    boolean p0 = s.isClient();
    for (int i = 0; i < n; i++) b[i] = (p0 ? 1 : 0) - b[i];
    return new Bits(b, msb.nextC1(), opNext);
  }

  private static long[] slice(Session s, long[] x, int lo, int len) {
    if (s.isHelper()) return null;
    if (lo == 0 && x.length == len) return x;
    if (x.length < lo + len) throw new IllegalArgumentException("share array shorter than n");
    return java.util.Arrays.copyOfRange(x, lo, lo + len);
  }
}
