package io.musketeer.mpc.protocol.porthos;

import io.musketeer.mpc.protocol.Beaver;
import io.musketeer.mpc.protocol.Comparison;
import io.musketeer.mpc.protocol.Session;
import java.util.Arrays;

/**
 * Porthos's comparison stack (CrypTFlow, Porthos; SecureNN, DReLU, ReLU and Maxpool algorithms;
 * Porthos's {@code funcRELUPrime3PC}, {@code funcRELUMPC}, {@code funcMaxMPC}; PROTOCOLS.md §4.5–4.9),
 * with defects D1 and D2 fixed (see {@link PrivateCompare}) and the recommended unscaled variant of
 * §4.8: bits in {0, 1}, products untruncated, so every result is exact.
 *
 * <p><b>DReLU</b>: [x ≥ 0] = 1 − MSB(2x) by {@link ShareConvert} then {@link ComputeMsb}; correct for
 * x ∈ [−2^62, 2^62). ComputeMSB's input-independent dealing travels with ShareConvert's dealing, so
 * DReLU takes 8 flights: 1280 bits from each share holder and 1408 from the helper per element.
 * <b>ReLU</b> = x · DReLU(x) by one more Beaver product whose C1 the helper deals with ShareConvert's
 * last message: 9 flights and 1408 + 1408 + 1472 = 4288 bits per element, Porthos's figure. Each
 * primitive sends its own frames; frames sent back to back are one flight.
 *
 * <p><b>MaxPool and ArgMax</b> are tournament trees (§4.9's recommendation): ⌈log2 k⌉ levels, each one
 * batched DReLU over all pairs plus one batched select, 9 flights per level and the traffic of k − 1
 * ReLUs per window; ties keep the left (earlier) element, so ArgMax returns the first index of the
 * maximum. ArgMax selects values and indices in the same product.
 *
 * <p>Inputs longer than the session's {@link Session#batchSize()} run as several sequential batches,
 * each with the flights above. The input bound is not used: Porthos's range is 2^62 whatever it is.
 */
public final class Porthos implements Comparison {
  public static final String NAME = "porthos";
  public static final Porthos INSTANCE = new Porthos();
  private Porthos() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public long[] drelu(Session s, long[] x, int n, int boundBits) {
    Comparison.checkBound(boundBits);
    if (!s.isHelper()) Beaver.checkLength(x, n);
    long[] out = s.isHelper() ? null : new long[n];
    int batch = s.batchSize();
    for (int lo = 0; lo < n; lo += batch) {
      int len = Math.min(batch, n - lo);
      Bits b = dreluThen(s, slice(s, x, lo, len), len, 0);
      if (out != null) System.arraycopy(b.bit, 0, out, lo, len);
    }
    return out;
  }

  @Override
  public long[] relu(Session s, long[] x, int n, int boundBits) {
    Comparison.checkBound(boundBits);
    if (!s.isHelper()) Beaver.checkLength(x, n);
    long[] out = s.isHelper() ? null : new long[n];
    int batch = s.batchSize();
    for (int lo = 0; lo < n; lo += batch) {
      int len = Math.min(batch, n - lo);
      long[] xs = slice(s, x, lo, len);
      Bits b = dreluThen(s, xs, len, len);
      if (out != null) System.arraycopy(Beaver.multiplyOnline(s, b.nextOp, xs, b.bit, len, b.nextC1), 0, out, lo, len);
    }
    return out;
  }

  @Override
  public long[] maxPool(Session s, long[] windows, int slots, int count, int boundBits) {
    Comparison.checkBound(boundBits);
    if (slots < 1 || count < 0) throw new IllegalArgumentException("bad window shape");
    if (!s.isHelper()) Beaver.checkLength(windows, Math.multiplyExact(slots, count));
    return tournament(s, windows, slots, count, false)[0];
  }

  @Override
  public long[] argMax(Session s, long[] x, int rows, int len, int boundBits) {
    Comparison.checkBound(boundBits);
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
      if (s.isClient()) for (int j = 0; j < k; j++) Arrays.fill(idx, j * count, (j + 1) * count, j);
    }
    while (k > 1) {
      int pairs = k / 2, m = pairs * count, next = pairs + (k & 1);
      long[] nv = holder ? new long[next * count] : null, ni = holder && withIndex ? new long[next * count] : null;
      for (int lo = 0, batch = s.batchSize(); lo < m; lo += batch) {
        int len = Math.min(batch, m - lo), mul = withIndex ? 2 * len : len;
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
        Bits b = dreluThen(s, holder ? Arrays.copyOf(d, len) : null, len, mul);
        if (holder) {
          bits = withIndex ? Arrays.copyOf(b.bit, mul) : b.bit;
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
    return new long[][] {Arrays.copyOf(v, count), withIndex ? Arrays.copyOf(idx, count) : null};
  }

  /** DReLU output and, for the following product, its operation id and (at the server) its dealt C1. */
  record Bits(long[] bit, long[] nextC1, long nextOp) {}

  /**
   * DReLU of n elements (8 flights); the helper also deals, with ShareConvert's last message, the C1 of
   * a following elementwise product of nextMul elements under operation id {@code nextOp}.
   *
   * <p>Frames on each helper link, in order: ShareConvert's and ComputeMSB's dealings (flight 1), η'
   * and the Beaver C1s of θ and of the next product (flight 2), β' (flight 3).
   */
  static Bits dreluThen(Session s, long[] x, int n, int nextMul) {
    long opSc = s.nextOpId(), opMsb = s.nextOpId(), opTheta = s.nextOpId(), opNext = s.nextOpId();
    if (n == 0) return new Bits(s.isHelper() ? null : new long[0], s.isServer() ? new long[0] : null, opNext);
    if (s.isHelper()) {
      // The input-independent work (ComputeMSB's dealing, the Beaver C1s) is done while the share
      // holders compute their PrivateCompare messages, not while they wait for the helper.
      ShareConvert.helperDeal(s, opSc, n);
      ComputeMsb.helperDeal(s, opMsb, n);
      ShareConvert.helperFinish(s, opSc, n);
      Beaver.deal(s, opTheta, n);
      if (nextMul > 0) Beaver.deal(s, opNext, nextMul);
      ComputeMsb.helperOnline(s, opMsb, n);
      return new Bits(null, null, opNext);
    }
    Beaver.checkLength(x, n);
    long[] a = new long[n];
    for (int i = 0; i < n; i++) a[i] = x[i] << 1;
    ShareConvert.Pending pending = ShareConvert.partyStart(s, opSc, a, n);
    ComputeMsb.Prepared prep = ComputeMsb.prepare(s, opMsb, n); // while the helper opens ShareConvert's comparison
    long[] y = ShareConvert.partyFinish(s, pending);
    long[] c1Theta = Beaver.receiveC1(s, n);
    long[] nextC1 = nextMul > 0 ? Beaver.receiveC1(s, nextMul) : (s.isServer() ? new long[0] : null);
    long[] b = ComputeMsb.party(s, opTheta, y, prep, c1Theta);
    boolean p0 = s.isClient();
    for (int i = 0; i < n; i++) b[i] = (p0 ? 1 : 0) - b[i];
    return new Bits(b, nextC1, opNext);
  }

  private static long[] slice(Session s, long[] x, int lo, int len) {
    if (s.isHelper()) return null;
    if (lo == 0 && x.length == len) return x;
    if (x.length < lo + len) throw new IllegalArgumentException("share array shorter than n");
    return Arrays.copyOfRange(x, lo, lo + len);
  }
}
