package io.musketeer.importer;

import io.musketeer.MusketeerException;

/** A model file that cannot be imported: unreadable, malformed, or using an unsupported op. */
public class ModelImportException extends MusketeerException {
  public ModelImportException(String message) {
    super(message);
  }

  public ModelImportException(String message, Throwable cause) {
    super(message, cause);
  }
}
