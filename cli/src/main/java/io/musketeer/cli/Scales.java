package io.musketeer.cli;

import io.musketeer.MusketeerException;
import io.musketeer.core.FloatTensor;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Which fixed-point scales (fractional bits f) are accepted, and the check a client can afford on its
 * own input. A product of two scale-f values is held at scale 2f before its truncation, and a secure
 * run's local truncation corrupts a value z with probability about |z|/2^64 (PROTOCOLS.md §4.4), so
 * every extra bit of scale doubles both the magnitude the ring must hold and that failure rate.
 */
final class Scales {
  /** Cleartext runs: beyond 30 a product of two ones (2^60) leaves no room at all. */
  static final int MAX = 30;
  /** Secure runs above this are refused: a value of 1 is corrupted with probability 2^(2f-64) per truncation. */
  static final int SECURE_MAX = 20;
  /** Secure runs above this get a warning: at 16 a value of 100 fails about once per 4e7 truncations (README). */
  static final int SECURE_SAFE = 16;
  /** Bits the client leaves for what it cannot see: the first layer's weights times its fan-in. */
  static final int FIRST_LAYER_HEADROOM_BITS = 16;

  private Scales() {}

  static void check(int scale) {
    if (scale < 1 || scale > MAX) throw new UsageError("--scale must be in 1.." + MAX + ", got " + scale);
  }

  /** Refuses a secure run at a scale where truncation fails too often; returns a warning line, or null. */
  static String checkSecure(int scale) {
    check(scale);
    if (scale > SECURE_MAX) {
      throw new UsageError(String.format(Locale.ROOT,
          "--scale %d is too fine for a secure run: local truncation would corrupt a value of 1 with probability 2^%d each time "
              + "(and larger values proportionally more); use at most %d, ideally %d or less", scale, 2 * scale - 64, SECURE_MAX, SECURE_SAFE));
    }
    if (scale > SECURE_SAFE) {
      return String.format(Locale.ROOT, "musketeer: warning: --scale %d: each truncation of a value v corrupts it with probability about |v|*2^%d, "
          + "which large networks or large activations can reach; %d or less is safe (README: fixed-point scale)", scale, 2 * scale - 64, SECURE_SAFE);
    }
    return null;
  }

  /** The largest |x| a client input may hold at this scale. */
  static double inputLimit(int scale) {
    return Math.scalb(1.0, 62 - 2 * scale - FIRST_LAYER_HEADROOM_BITS);
  }

  /**
   * The client cannot see the weights, but it can see its input: the first layer holds x·w at scale 2f,
   * so an input beyond {@link #inputLimit} would overflow or corrupt truncation for any ordinary weights.
   */
  static void checkSecureInput(FloatTensor x, Path file, int scale) {
    double limit = inputLimit(scale);
    float max = 0;
    for (float v : x.data()) max = Math.max(max, Math.abs(v));
    if (max >= limit) {
      throw new MusketeerException(String.format(Locale.ROOT,
          "input %s holds values up to %.3g; at --scale %d a secure run takes |x| < %.3g (the first layer's products, at scale %d, "
              + "must stay far below 2^62); rescale the input or lower --scale", file, max, scale, limit, 2 * scale));
    }
  }
}
