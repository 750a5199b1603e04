package io.musketeer.mpc.attest;

import java.util.Locale;

/**
 * What a run defends against. The protocol is the same in both modes; malicious mode runs it inside
 * attested sessions ({@link AttestedSession}), which turn any deviation a corrupted host can cause into
 * an abort before the output is revealed.
 */
public enum SecurityMode {
  /** Every party follows the protocol; links are TLS with pinned certificates. */
  SEMI_HONEST("semi-honest"),
  /** A party's host may be corrupted (its OS, network and files), not the attested code: see SECURITY.md. */
  MALICIOUS("malicious");

  private final String label;

  SecurityMode(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** @throws IllegalArgumentException naming the known modes */
  public static SecurityMode parse(String s) {
    for (SecurityMode m : values()) {
      if (m.label.equals(s.toLowerCase(Locale.ROOT))) return m;
    }
    throw new IllegalArgumentException("unknown security mode '" + s + "' (expected semi-honest or malicious)");
  }
}
