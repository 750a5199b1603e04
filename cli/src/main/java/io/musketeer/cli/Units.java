package io.musketeer.cli;

import java.util.Locale;

final class Units {
  private Units() {}

  /** Decimal units (10^6 bytes = 1 MB), as the Porthos reference figures use. */
  static String bytes(long b) {
    if (b >= 1_000_000_000L) return String.format(Locale.ROOT, "%.2f GB", b / 1e9);
    if (b >= 1_000_000L) return String.format(Locale.ROOT, "%.2f MB", b / 1e6);
    if (b >= 1_000L) return String.format(Locale.ROOT, "%.1f kB", b / 1e3);
    return b + " B";
  }
}
