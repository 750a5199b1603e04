package io.musketeer.importer;

import io.musketeer.MusketeerException;

/** A model file that cannot be imported: unreadable, malformed, or using an unsupported op. */
public class ModelImportException extends MusketeerException {
  public ModelImportException(String message) {
    super(oneLine(message));
  }

  public ModelImportException(String message, Throwable cause) {
    super(oneLine(message), cause);
  }

  /** Names read from a model file may hold line breaks; the error stays one line (they show as \n). */
  private static String oneLine(String s) {
    return s == null ? null : s.replace("\r", "\\r").replace("\n", "\\n");
  }

  /** The first line of a library's message (protobuf's run to several). */
  public static String firstLine(String s) {
    if (s == null) return "unreadable";
    int i = s.indexOf('\n');
    return i < 0 ? s : s.substring(0, i);
  }
}
