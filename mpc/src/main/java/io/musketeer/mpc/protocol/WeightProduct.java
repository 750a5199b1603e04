package io.musketeer.mpc.protocol;

import io.musketeer.core.ConvGeometry;
import io.musketeer.core.RingKernels;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Steps;
import io.musketeer.mpc.random.Prg;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BinaryOperator;

/**
 * Products f(X, W) of a shared X with weights W that the server alone holds (matrix product,
 * convolution): a one-sided Beaver product. The helper draws A (X's shape) from its stream with the
 * client and B (W's shape) from its stream with the server, and sends the server C1 = f(A, B) − C0,
 * C0 from the client's stream. The client sends the server V = X0 − A, the server sends the client
 * U = W − B, in the same flight; then Z0 = f(A, U) + C0 and Z1 = f(V + X1, W) + C1, so that
 * Z0 + Z1 = f(A, W) − f(A, B) + f(X, W) − f(A, W) + f(A, B) = f(X, W).
 *
 * <p>Against the two-sided product of {@link Beaver} (FASTRELU.md §9.2, "two standard reductions"):
 * the client sends |X| instead of |X| + |W|, the server |W| instead of |X| + |W|, and three
 * convolutions are evaluated instead of five (the client's share of W is zero, so it multiplied zeros).
 *
 * <p><b>Weight masks are kept for the session</b> ({@link Masks}): B depends only on the layer, not on
 * the operation, so U = W − B is sent once per layer and session and later inferences send only V and
 * C1. Why reusing B is safe: the client's view is U, the same one-time-padded W each time (B comes
 * from the server–helper stream, which the client cannot compute, and W does not change within a
 * session), so seeing it again tells nothing new; the server's view is V = X0 − A and C1 = f(A, B) − C0,
 * with A and C0 fresh per operation, so both are uniform and independent of B; the helper receives
 * nothing. B would leak W − W' if the weights changed under the same mask, which is why masks live in
 * a session and a session computes one program.
 *
 * <p>Every party calls with the same public sizes; the client passes {@code null} for W, the helper
 * {@code null} for both, and the helper gets {@code null} back.
 */
public final class WeightProduct {
  static final int STEP_C1 = Steps.id("weights/c1");
  static final int STEP_MASKED_X = Steps.id("weights/masked-x");
  static final int STEP_MASKED_W = Steps.id("weights/masked-w");
  /** The op id of every weight-mask stream: masks are per layer, not per operation (op ids count up from 0). */
  private static final long MASK_OP = -1;

  private WeightProduct() {}

  /**
   * One session's weight masks: which layers' U the client already has. {@code keep} makes the client
   * keep U for later inferences in the session, at the memory cost of the weights; without it U is
   * sent again by every inference.
   */
  public static final class Masks {
    private final boolean keep;
    private final Map<Integer, long[]> masked = new HashMap<>();

    public Masks(boolean keep) {
      this.keep = keep;
    }
  }

  /** Shares of x[m,k] · w[k,n] for the server's w; {@code layer} names w in the session (its program node). */
  public static long[] matmul(Session s, Masks masks, int layer, long[] x, long[] w, int m, int k, int n) {
    return product(s, masks, layer, x, w, Math.multiplyExact(m, k), Math.multiplyExact(k, n), Math.multiplyExact(m, n),
        (a, b) -> RingKernels.matmul(a, b, m, k, n, s.workers()));
  }

  /** Shares of conv2d(x, w) (NHWC input, HWIO filter) for the server's filter w. */
  public static long[] conv2d(Session s, Masks masks, int layer, long[] x, long[] w, ConvGeometry g) {
    return product(s, masks, layer, x, w, g.inputShape().size(), g.filterShape().size(), g.outputShape().size(),
        (a, b) -> RingKernels.conv2d(a, b, g, s.workers()));
  }

  private static long[] product(Session s, Masks masks, int layer, long[] x, long[] w, int nx, int nw, int nz, BinaryOperator<long[]> f) {
    long op = s.nextOpId();
    switch (s.self()) {
      case HELPER -> {
        long start = System.nanoTime();
        long[] a = stream(s, Party.CLIENT, "weights/a", op).longs(nx);
        long[] c = f.apply(a, weightMask(s, Party.SERVER, layer, nw));
        long[] c0 = stream(s, Party.CLIENT, "weights/c", op).longs(nz);
        for (int i = 0; i < nz; i++) c[i] -= c0[i];
        s.offline().spent(System.nanoTime() - start);
        s.net().send(Party.SERVER, STEP_C1, c);
        s.offline().sent(8L * nz);
        return null;
      }
      case CLIENT -> {
        Beaver.checkLength(x, nx);
        long[] a = stream(s, Party.HELPER, "weights/a", op).longs(nx);
        long[] v = new long[nx];
        for (int i = 0; i < nx; i++) v[i] = x[i] - a[i];
        s.net().send(Party.SERVER, STEP_MASKED_X, v);
        long[] u = masks.masked.get(layer);
        if (u == null) {
          u = s.net().receiveLongs(Party.SERVER, STEP_MASKED_W, nw);
          if (masks.keep) masks.masked.put(layer, u);
        }
        long[] z = f.apply(a, u);
        long[] c0 = stream(s, Party.HELPER, "weights/c", op).longs(nz);
        for (int i = 0; i < nz; i++) z[i] += c0[i];
        return z;
      }
      case SERVER -> {
        Beaver.checkLength(w, nw);
        if (!masks.masked.containsKey(layer)) {
          long[] u = weightMask(s, Party.HELPER, layer, nw);
          for (int i = 0; i < nw; i++) u[i] = w[i] - u[i];
          s.net().send(Party.CLIENT, STEP_MASKED_W, u);
          s.offline().sent(8L * nw);
          if (masks.keep) masks.masked.put(layer, null);
        }
        Beaver.checkLength(x, nx);
        long[] v = s.net().receiveLongs(Party.CLIENT, STEP_MASKED_X, nx);
        for (int i = 0; i < nx; i++) v[i] += x[i];
        long[] z = f.apply(v, w);
        long[] c1 = s.net().receiveLongs(Party.HELPER, STEP_C1, nz);
        for (int i = 0; i < nz; i++) z[i] += c1[i];
        return z;
      }
    }
    throw new AssertionError();
  }

  private static Prg stream(Session s, Party other, String purpose, long op) {
    return s.random().shared(other, purpose, op);
  }

  /** B of a layer: the same for every operation of the session (see the class comment). */
  private static long[] weightMask(Session s, Party other, int layer, int n) {
    return s.random().shared(other, "weights/b#" + layer, MASK_OP).longs(n);
  }
}
