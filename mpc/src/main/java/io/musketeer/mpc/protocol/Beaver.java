package io.musketeer.mpc.protocol;

import io.musketeer.core.ConvGeometry;
import io.musketeer.core.RingKernels;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Steps;
import io.musketeer.mpc.net.Transport;
import io.musketeer.mpc.random.Prg;
import java.util.function.BinaryOperator;

/**
 * Beaver products for every bilinear map over Z_2^64: matrix product, convolution and elementwise
 * product, written once (SecureNN, MatMul algorithm; CrypTFlow, Porthos convolution optimisation;
 * PROTOCOLS.md §4.2 and §4.3).
 *
 * <p>For a bilinear f and shared X, Y: the helper derives A0, B0, C0 from its stream with the client
 * and A1, B1 from its stream with the server, computes C = f(A0 + A1, B0 + B1) and sends C1 = C - C0
 * to the server (its only message, input-independent). The share holders regenerate their own masks,
 * exchange E_j = X_j - A_j and F_j = Y_j - B_j in both directions at once (one message each), and
 * compute Z0 = f(X0 - E, F) + f(E, Y0) + C0 and Z1 = f(X1, F) + f(E, Y1) + C1. One flight; the client
 * and the server each send (|X| + |Y|) * 64 bits, the helper |Z| * 64 bits.
 *
 * <p>The convolution is CONV_OPTI: masks have the shapes of the unreshaped input and filter, so the
 * exchange is |X| + |W| per share holder rather than the im2col size, and the helper evaluates one
 * plaintext convolution. Nothing is truncated here (see {@link Truncation}). Every call draws fresh
 * masks under a fresh operation id; masks are never reused.
 *
 * <p>Every party calls with the same public sizes; the helper passes {@code null} for the shares and
 * gets {@code null} back.
 */
public final class Beaver {
  static final int STEP_C1 = Steps.id("beaver/c1");
  static final int STEP_EF = Steps.id("beaver/ef");

  private Beaver() {}

  /** Shares of x[m,k] · y[k,n] (row-major) mod 2^64. */
  public static long[] matmul(Session s, long[] x, long[] y, int m, int k, int n) {
    return product(s, x, y, Math.multiplyExact(m, k), Math.multiplyExact(k, n), Math.multiplyExact(m, n),
        (a, b) -> RingKernels.matmul(a, b, m, k, n, s.workers()));
  }

  /** Shares of conv2d(x, filter) (NHWC input, HWIO filter, {@link ConvGeometry}) mod 2^64, by CONV_OPTI. */
  public static long[] conv2d(Session s, long[] x, long[] filter, ConvGeometry g) {
    return product(s, x, filter, g.inputShape().size(), g.filterShape().size(), g.outputShape().size(),
        (a, b) -> RingKernels.conv2d(a, b, g, s.workers()));
  }

  /**
   * Shares of the elementwise product x ∘ y of n elements (Porthos's DotProduct, 5·64 bits per element in
   * all): {@link #deal} at the helper, {@link #receiveC1} and {@link #multiplyOnline} at the share holders.
   */
  public static long[] multiply(Session s, long[] x, long[] y, int n) {
    long op = s.nextOpId();
    if (s.isHelper()) {
      deal(s, op, n);
      return null;
    }
    return multiplyOnline(s, op, x, y, n, receiveC1(s, n));
  }

  // ---------------------------------------------------------------- generic bilinear product

  private static long[] product(Session s, long[] x, long[] y, int nx, int ny, int nz, BinaryOperator<long[]> f) {
    long op = s.nextOpId();
    Transport net = s.net();
    if (s.isHelper()) {
      long[] a = masks(s, Party.CLIENT, "beaver/a", op, nx), b = masks(s, Party.CLIENT, "beaver/b", op, ny);
      addInto(a, masks(s, Party.SERVER, "beaver/a", op, nx));
      addInto(b, masks(s, Party.SERVER, "beaver/b", op, ny));
      long[] c = f.apply(a, b);
      subInto(c, masks(s, Party.CLIENT, "beaver/c", op, nz));
      net.send(Party.SERVER, STEP_C1, c);
      return null;
    }
    checkLength(x, nx);
    checkLength(y, ny);
    Party self = s.self(), other = self.otherHolder();
    long[] a = masks(s, Party.HELPER, "beaver/a", op, nx), b = masks(s, Party.HELPER, "beaver/b", op, ny);
    long[] ef = new long[nx + ny];
    for (int i = 0; i < nx; i++) ef[i] = x[i] - a[i];
    for (int i = 0; i < ny; i++) ef[nx + i] = y[i] - b[i];
    net.send(other, STEP_EF, ef);
    long[] c = self == Party.CLIENT ? masks(s, Party.HELPER, "beaver/c", op, nz) : net.receiveLongs(Party.HELPER, STEP_C1, nz);
    long[] efo = net.receiveLongs(other, STEP_EF, nx + ny);
    long[] e = new long[nx], fm = new long[ny];
    for (int i = 0; i < nx; i++) e[i] = ef[i] + efo[i];
    for (int i = 0; i < ny; i++) fm[i] = ef[nx + i] + efo[nx + i];
    long[] left;
    if (self == Party.CLIENT) {
      left = new long[nx];
      for (int i = 0; i < nx; i++) left[i] = x[i] - e[i];
    } else {
      left = x;
    }
    long[] z = f.apply(left, fm);
    addInto(z, f.apply(e, y));
    addInto(z, c);
    return z;
  }

  // ---------------------------------------------------------------- elementwise, split in dealing and online parts

  /**
   * Helper, the dealing half of an elementwise product of n elements under operation id op: sends the
   * server C1 = (A0 + A1)(B0 + B1) − C0 in one frame. Input-independent, so a protocol may deal it in
   * any earlier flight; frames sent back to back travel in the same flight.
   */
  public static void deal(Session s, long op, int n) {
    s.net().send(Party.SERVER, STEP_C1, dealtC1(s, op, n));
  }

  /** Share holders: the server receives the C1 sent by {@link #deal} (in the order dealt); the client gets {@code null}. */
  public static long[] receiveC1(Session s, int n) {
    return s.isServer() ? s.net().receiveLongs(Party.HELPER, STEP_C1, n) : null;
  }

  private static long[] dealtC1(Session s, long op, int n) {
    if (n == 0) return new long[0];
    Prg a0 = s.random().shared(Party.CLIENT, "beaver/a", op), b0 = s.random().shared(Party.CLIENT, "beaver/b", op);
    Prg c0 = s.random().shared(Party.CLIENT, "beaver/c", op);
    Prg a1 = s.random().shared(Party.SERVER, "beaver/a", op), b1 = s.random().shared(Party.SERVER, "beaver/b", op);
    long[] c = new long[n];
    long[] ta = new long[Math.min(n, 4096)], tb = new long[ta.length], ua = new long[ta.length], ub = new long[ta.length],
        tc = new long[ta.length];
    for (int off = 0; off < n; off += ta.length) {
      int len = Math.min(ta.length, n - off);
      a0.fill(ta, 0, len);
      b0.fill(tb, 0, len);
      c0.fill(tc, 0, len);
      a1.fill(ua, 0, len);
      b1.fill(ub, 0, len);
      for (int i = 0; i < len; i++) c[off + i] = (ta[i] + ua[i]) * (tb[i] + ub[i]) - tc[i];
    }
    return c;
  }

  /**
   * Share holders, the online half of an elementwise product under operation id op, given the server's
   * C1 from {@link #receiveC1} ({@code null} at the client). One exchange in each direction.
   */
  public static long[] multiplyOnline(Session s, long op, long[] x, long[] y, int n, long[] c1) {
    checkLength(x, n);
    checkLength(y, n);
    if (n == 0) return new long[0];
    Party self = s.self(), other = self.otherHolder();
    boolean client = self == Party.CLIENT;
    Prg pa = s.random().shared(Party.HELPER, "beaver/a", op), pb = s.random().shared(Party.HELPER, "beaver/b", op);
    long[] a = pa.longs(n), b = pb.longs(n);
    long[] ef = new long[2 * n];
    for (int i = 0; i < n; i++) {
      ef[i] = x[i] - a[i];
      ef[n + i] = y[i] - b[i];
    }
    s.net().send(other, STEP_EF, ef);
    long[] c = client ? s.random().shared(Party.HELPER, "beaver/c", op).longs(n) : c1;
    long[] efo = s.net().receiveLongs(other, STEP_EF, 2 * n);
    long[] z = new long[n];
    if (client) {
      for (int i = 0; i < n; i++) {
        long e = ef[i] + efo[i], f = ef[n + i] + efo[n + i];
        z[i] = (x[i] - e) * f + e * y[i] + c[i];
      }
    } else {
      for (int i = 0; i < n; i++) {
        long e = ef[i] + efo[i], f = ef[n + i] + efo[n + i];
        z[i] = x[i] * f + e * y[i] + c[i];
      }
    }
    return z;
  }

  private static long[] masks(Session s, Party other, String purpose, long op, int n) {
    return s.random().shared(other, purpose, op).longs(n);
  }

  private static void addInto(long[] acc, long[] v) {
    for (int i = 0; i < acc.length; i++) acc[i] += v[i];
  }

  private static void subInto(long[] acc, long[] v) {
    for (int i = 0; i < acc.length; i++) acc[i] -= v[i];
  }

  /** Rejects a share array that is missing or not of length n (the helper's null shares are never checked). */
  public static void checkLength(long[] a, int n) {
    if (a == null || a.length != n) {
      throw new IllegalArgumentException("share array has " + (a == null ? "no" : a.length) + " elements, expected " + n);
    }
  }
}
