package io.musketeer.mpc.net;

import java.security.SecureRandom;

/**
 * Names one secure inference among those a long-running server and helper run at once. The client
 * draws it at random and sends it in its hello to both; the server passes it on to the helper, which
 * pairs the server's and the client's connections by it. Not a secret, and not an authenticator:
 * key agreement binds the session's keys to it, so two sessions never share a key.
 */
public record SessionId(long high, long low) {
  public static final int BYTES = 16;
  private static final SecureRandom RANDOM = new SecureRandom();

  public static SessionId random() {
    return new SessionId(RANDOM.nextLong(), RANDOM.nextLong());
  }

  /** 32 lowercase hex digits. */
  @Override
  public String toString() {
    return String.format("%016x%016x", high, low);
  }

  /** The first 8 hex digits, for log lines. */
  public String shortForm() {
    return toString().substring(0, 8);
  }
}
