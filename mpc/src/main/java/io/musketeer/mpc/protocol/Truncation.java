package io.musketeer.mpc.protocol;

import io.musketeer.mpc.Party;

/**
 * Local truncation and division of shares by public values, without messages (SecureML, Mohassel and
 * Zhang, S&P 2017, local truncation theorem; Porthos's {@code funcTruncate2PC} and {@code AvgPool};
 * PROTOCOLS.md §4.4 and §4.10).
 *
 * <p>The client floors its share, the server ceils its own: z0' = z0 >> f and z1' = -((-z1) >> f);
 * for a divisor d, z0' = floorDiv(z0, d) and z1' = ceilDiv(z1, d). <b>Error bound:</b> when z0 and z1,
 * read as signed 64-bit integers, add up to z without overflow, the result is exactly floor(z/d) or
 * ceil(z/d) (hence exact when d divides z). <b>Failure:</b> when one share is uniform (true after any
 * Beaver product), the signed sum overflows with probability (|z| + 1) / 2^64 per element, and the
 * result is then off by about 2^64/d: garbage. Keep |z| far below 2^63 so that the expected number
 * of failures per inference, (elements truncated) · |z| / 2^64, is negligible.
 *
 * <p>The helper holds no shares: it passes {@code null} and gets {@code null}.
 */
public final class Truncation {
  private Truncation() {}

  /** Shares of z / 2^f (floor or ceil, see the class comment). */
  public static long[] truncate(Session s, long[] z, int f) {
    return truncate(s.self(), z, f);
  }

  public static long[] truncate(Party self, long[] z, int f) {
    if (f < 0 || f > 62) throw new IllegalArgumentException("truncation shift must be in 0..62, got " + f);
    if (self == Party.HELPER) return null;
    long[] out = new long[z.length];
    if (self == Party.CLIENT) {
      for (int i = 0; i < z.length; i++) out[i] = z[i] >> f;
    } else {
      for (int i = 0; i < z.length; i++) out[i] = -((-z[i]) >> f);
    }
    return out;
  }

  /** Shares of z[i] / divisors[i] for public positive divisors (floor or ceil, see the class comment). */
  public static long[] divide(Session s, long[] z, long[] divisors) {
    return divide(s.self(), z, divisors);
  }

  public static long[] divide(Party self, long[] z, long[] divisors) {
    if (self == Party.HELPER) return null;
    if (z.length != divisors.length) throw new IllegalArgumentException("shares and divisors differ in length");
    long[] out = new long[z.length];
    for (int i = 0; i < z.length; i++) {
      long d = divisors[i];
      if (d <= 0) throw new IllegalArgumentException("divisor at index " + i + " is not positive");
      out[i] = self == Party.CLIENT ? Math.floorDiv(z[i], d) : Math.ceilDiv(z[i], d);
    }
    return out;
  }
}
