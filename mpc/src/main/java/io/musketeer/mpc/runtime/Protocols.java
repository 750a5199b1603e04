package io.musketeer.mpc.runtime;

import io.musketeer.mpc.protocol.Comparison;
import io.musketeer.mpc.protocol.porthos.Porthos;
import java.util.List;
import java.util.Locale;

/** The comparison protocols a run can choose by name. */
public final class Protocols {
  private Protocols() {}

  /** The known protocol names. */
  public static List<String> names() {
    return List.of(Porthos.NAME);
  }

  /** The protocol called {@code name} (case-insensitive). */
  public static Comparison comparison(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case Porthos.NAME -> Porthos.INSTANCE;
      default -> throw new IllegalArgumentException("unknown comparison protocol '" + name + "' (known: " + String.join(", ", names()) + ")");
    };
  }
}
