package io.musketeer.mpc;

/**
 * The three parties. CLIENT and SERVER hold the 2-of-2 additive shares (Porthos's P0 and P1); the
 * HELPER (P2) holds no share of any live value, deals correlated randomness and assists comparisons.
 */
public enum Party {
  CLIENT,
  SERVER,
  HELPER;

  public static Party parse(String s) {
    for (Party p : values()) {
      if (p.name().equalsIgnoreCase(s)) return p;
    }
    throw new IllegalArgumentException("unknown role '" + s + "' (expected client, server or helper)");
  }

  /** The other share holder, for CLIENT and SERVER. */
  public Party otherHolder() {
    return switch (this) {
      case CLIENT -> SERVER;
      case SERVER -> CLIENT;
      case HELPER -> throw new IllegalStateException("the helper holds no shares");
    };
  }

  public boolean holdsShares() {
    return this != HELPER;
  }

  public String label() {
    return name().toLowerCase();
  }
}
