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

  /** The first line of a library's message (protobuf's run to several). */
  public static String firstLine(String s) {
    if (s == null) return "unreadable";
    int i = s.indexOf('\n');
    return i < 0 ? s : s.substring(0, i);
  }
}
