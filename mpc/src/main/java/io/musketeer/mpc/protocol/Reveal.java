package io.musketeer.mpc.protocol;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Steps;

/**
 * Input sharing and output opening (SecureNN, preliminaries; Porthos's {@code funcSSCons} and
 * {@code funcReconstruct2PCCons}; PROTOCOLS.md §4.1).
 *
 * <p>Inputs are shared trivially, without messages: the client's input as (x, 0), the server's
 * weights as (0, w), a public constant as (k, 0). Every protocol in this package is secure for
 * arbitrary input shares; {@link #rerandomize} adds a client–server zero-sharing at no traffic cost
 * when uniform shares are wanted. The output goes to the client only: the server sends its share
 * (64 bits per element, one flight) and the client adds; the helper never sees an output.
 */
public final class Reveal {
  static final int STEP_OPEN = Steps.id("reveal/to-client");

  private Reveal() {}

  /** Opens shares to the client: the client gets the values, the server and the helper {@code null}. */
  public static long[] toClient(Session s, long[] share) {
    switch (s.self()) {
      case SERVER -> {
        s.net().send(Party.CLIENT, STEP_OPEN, share);
        return null;
      }
      case CLIENT -> {
        long[] other = s.net().receiveLongs(Party.SERVER, STEP_OPEN, share.length);
        long[] out = new long[share.length];
        for (int i = 0; i < out.length; i++) out[i] = share[i] + other[i];
        return out;
      }
      default -> {
        return null;
      }
    }
  }

  /** The client's input x (given at the client only) as shares (x, 0); n is public. The array becomes the client's share. */
  public static long[] clientInput(Session s, long[] x, int n) {
    return switch (s.self()) {
      case CLIENT -> {
        Beaver.checkLength(x, n);
        yield x;
      }
      case SERVER -> new long[n];
      case HELPER -> null;
    };
  }

  /** The server's private values w (given at the server only) as shares (0, w); n is public. The array becomes the server's share. */
  public static long[] serverInput(Session s, long[] w, int n) {
    return switch (s.self()) {
      case CLIENT -> new long[n];
      case SERVER -> {
        Beaver.checkLength(w, n);
        yield w;
      }
      case HELPER -> null;
    };
  }

  /** A public constant known to all parties as shares (k, 0). */
  public static long[] constant(Session s, long[] k) {
    return switch (s.self()) {
      case CLIENT -> k.clone();
      case SERVER -> new long[k.length];
      case HELPER -> null;
    };
  }

  /** Adds a fresh client–server zero-sharing (client +m, server -m): same values, uniform shares, no messages. */
  public static long[] rerandomize(Session s, long[] share, int n) {
    long op = s.nextOpId();
    if (s.isHelper()) return null;
    Beaver.checkLength(share, n);
    long[] m = s.random().shared(s.self().otherHolder(), "reveal/zero", op).longs(n);
    long[] out = new long[n];
    if (s.isClient()) {
      for (int i = 0; i < n; i++) out[i] = share[i] + m[i];
    } else {
      for (int i = 0; i < n; i++) out[i] = share[i] - m[i];
    }
    return out;
  }
}
