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

  /** A model's names may hold any character (a fuzzed node name held a newline): control characters are escaped. */
  static String oneLine(String message) {
    if (message == null || message.chars().noneMatch(Character::isISOControl)) return message;
    StringBuilder sb = new StringBuilder(message.length() + 8);
    for (char c : message.toCharArray()) {
      if (c == '\n') sb.append("\\n");
      else if (Character.isISOControl(c)) sb.append(String.format("\\u%04x", (int) c));
      else sb.append(c);
    }
    return sb.toString();
  }

  /** The first line of a library's message (protobuf's run to several). */
  public static String firstLine(String s) {
    if (s == null) return "unreadable";
    int i = s.indexOf('\n');
    return i < 0 ? s : s.substring(0, i);
  }
}
