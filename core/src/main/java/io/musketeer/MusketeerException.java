package io.musketeer;

/**
 * Root of the errors a user can cause (bad model, unsupported op, wrong shape, peer gone, tampered
 * message). The CLI prints the message as one line; messages never contain secrets.
 *
 * <p>Messages often quote what a file or a peer supplied (node names, shapes, addresses), which anyone
 * may have written: control characters in them are shown escaped ({@code \n}, {@code \x1b}), so a
 * message stays one line and cannot drive the terminal it is printed on.
 */
public class MusketeerException extends RuntimeException {
  public MusketeerException(String message) {
    super(oneLine(message));
  }

  public MusketeerException(String message, Throwable cause) {
    super(oneLine(message), cause);
  }

  /** {@code text} with every control or line-separating character escaped. */
  public static String oneLine(String text) {
    if (text == null || text.chars().noneMatch(MusketeerException::needsEscape)) return text;
    StringBuilder b = new StringBuilder(text.length() + 8);
    text.chars().forEach(c -> {
      if (!needsEscape(c)) b.append((char) c);
      else if (c == '\n') b.append("\\n");
      else if (c == '\r') b.append("\\r");
      else if (c == '\t') b.append("\\t");
      else b.append(c < 0x100 ? String.format("\\x%02x", c) : String.format("\\u%04x", c));
    });
    return b.toString();
  }

  private static boolean needsEscape(int c) {
    return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029;
  }
}
