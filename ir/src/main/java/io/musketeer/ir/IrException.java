package io.musketeer.ir;

import io.musketeer.MusketeerException;

/** A graph that breaks an IR rule: bad shapes, wrong arity, an op in the wrong place. */
public class IrException extends MusketeerException {
  public IrException(String message) {
    super(message);
  }
}
