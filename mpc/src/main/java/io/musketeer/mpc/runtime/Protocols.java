package io.musketeer.mpc.runtime;

import io.musketeer.mpc.protocol.Comparison;
import io.musketeer.mpc.protocol.fast.Fast;
import io.musketeer.mpc.protocol.porthos.Porthos;
import java.util.List;
import java.util.Locale;

/** The comparison protocols a run can choose by name. */
public final class Protocols {
  private Protocols() {}

  /**
   * The protocol a run uses unless told otherwise: FastReLU, which on every network measured moves about
   * a third of Porthos's traffic in a quarter to a third of its flights, in less or equal time
   * (BENCHMARKS.md). Same security model (semi-honest, non-colluding helper).
   */
  public static final String DEFAULT = Fast.NAME;

  /** The known protocol names. */
  public static List<String> names() {
    return List.of(Porthos.NAME, Fast.NAME, Fast.AHEAD_NAME);
  }

  /** The protocol called {@code name} (case-insensitive). */
  public static Comparison comparison(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case Porthos.NAME -> Porthos.INSTANCE;
      case Fast.NAME -> Fast.INSTANCE;
      case Fast.AHEAD_NAME -> Fast.AHEAD;
      default -> throw new IllegalArgumentException("unknown comparison protocol '" + name + "' (known: " + String.join(", ", names()) + ")");
    };
  }
}
