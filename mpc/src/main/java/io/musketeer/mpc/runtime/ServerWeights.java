package io.musketeer.mpc.runtime;

import io.musketeer.core.FloatTensor;
import io.musketeer.ir.Op;

/**
 * Where the server's executor takes each weight from, once, in program order, just before encoding it.
 * The default is the program's own constant; a server that streams its weights from a program file holds
 * one weight tensor at a time instead of all of them for the whole run.
 */
@FunctionalInterface
public interface ServerWeights {
  /** The program's own values. */
  ServerWeights IN_PROGRAM = (node, constant) -> constant.value();

  /** The value of weight node {@code node} (a server constant of the program); asked once per node, in node order. */
  FloatTensor take(int node, Op.Constant constant);

  /**
   * Called once the run took every weight, before any output is opened: a stream checks here that what it
   * gave were the program's weights (a file's SHA-256), and throws if not, so that nothing computed from
   * other weights is revealed.
   */
  default void verify() {}

  /**
   * A long-running server's weights, opened afresh for each session and closed when it ends, so that a
   * server streaming from a program file holds no weights between sessions.
   */
  @FunctionalInterface
  interface PerSession {
    /** Every session takes the program's own values. */
    PerSession IN_PROGRAM = () -> new Open() {
      @Override
      public FloatTensor take(int node, Op.Constant constant) {
        return constant.value();
      }

      @Override
      public void close() {}
    };

    /** One session's weights; a failure is the session's (a file that changed or went away). */
    Open open();
  }

  /** One session's weights; closing releases what reading them holds. */
  interface Open extends ServerWeights, AutoCloseable {
    @Override
    void close();
  }
}
