package io.musketeer.mpc.attest;

import io.musketeer.MusketeerException;

/** A peer's evidence that does not verify, or a party that cannot produce its own; the message says which and why. */
public class AttestationException extends MusketeerException {
  public AttestationException(String message) {
    super(message);
  }

  public AttestationException(String message, Throwable cause) {
    super(message, cause);
  }
}
