package io.musketeer.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Locates ../shared/models (env MUSKETEER_MODELS, else system property musketeer.models set by the build to ../shared/models
 * from the working directory). A missing file fails the test under CI=true and skips it elsewhere.
 */
public final class SharedModels {
  private SharedModels() {}

  public static Path dir() {
    String env = System.getenv("MUSKETEER_MODELS");
    if (env != null && !env.isBlank()) return Path.of(env);
    String prop = System.getProperty("musketeer.models");
    if (prop != null && !prop.isBlank()) return Path.of(prop);
    return Path.of("..", "shared", "models");
  }

  /** The file, or a failure (CI) / skip (elsewhere) when it is missing. */
  public static Path require(String relative) {
    Path p = dir().resolve(relative);
    if (!Files.exists(p)) {
      String msg = "shared model file " + p + " is missing (set MUSKETEER_MODELS or place ../shared/models beside the checkout)";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(msg);
      Assumptions.abort(msg);
    }
    return p;
  }
}
