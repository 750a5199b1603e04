package io.musketeer.mpc.net;

import io.musketeer.MusketeerException;

/** A peer that is unreachable, gone, too slow, or that sent something other than what the protocol expects. */
public class TransportException extends MusketeerException {
  public TransportException(String message) {
    super(message);
  }

  public TransportException(String message, Throwable cause) {
    super(message, cause);
  }
}
