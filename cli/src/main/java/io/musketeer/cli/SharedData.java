package io.musketeer.cli;

import java.nio.file.Path;

/** Where the shared models and datasets live: $MUSKETEER_MODELS, else ../shared/models beside the checkout. */
final class SharedData {
  private SharedData() {}

  static Path models() {
    String env = System.getenv("MUSKETEER_MODELS");
    if (env != null && !env.isBlank()) return Path.of(env);
    String prop = System.getProperty("musketeer.models");
    if (prop != null && !prop.isBlank()) return Path.of(prop);
    return Path.of("..", "shared", "models");
  }
}
