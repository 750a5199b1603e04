package io.musketeer;

/**
 * Root of the errors a user can cause (bad model, unsupported op, wrong shape, peer gone, tampered
 * message). The CLI prints the message as one line; messages never contain secrets.
 */
public class MusketeerException extends RuntimeException {
  public MusketeerException(String message) {
    super(message);
  }

  public MusketeerException(String message, Throwable cause) {
    super(message, cause);
  }
}
