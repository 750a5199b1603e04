package io.musketeer.interp;

import io.musketeer.MusketeerException;

/** A value of a fixed-point run left the range the ring and the secure protocols hold; names the node. */
public final class FixedPointOverflowException extends MusketeerException {
  private final String node;
  private final String op;

  FixedPointOverflowException(String node, String op, String message) {
    super(message);
    this.node = node;
    this.op = op;
  }

  /** The program node whose value overflowed. */
  public String node() {
    return node;
  }

  /** Its op kind, such as Conv2D. */
  public String op() {
    return op;
  }
}
