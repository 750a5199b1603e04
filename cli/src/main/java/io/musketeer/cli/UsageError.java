package io.musketeer.cli;

import io.musketeer.MusketeerException;

/** A wrong option value or combination: exit code 2 and a pointer to the command's --help. */
final class UsageError extends MusketeerException {
  UsageError(String message) {
    super(message);
  }
}
