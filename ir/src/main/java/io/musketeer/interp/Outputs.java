package io.musketeer.interp;

import io.musketeer.core.FixedPoint;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.RingTensor;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;

/** Decoding of opened program outputs, the same for the cleartext and the secure run. */
public final class Outputs {
  private Outputs() {}

  public static FloatTensor decode(Program program, int node, RingTensor value) {
    FloatTensor decoded = FixedPoint.decode(value, program.scale(node));
    if (!program.softmaxOutput()) return decoded;
    return FloatInterpreter.evaluate(new Op.Softmax(), decoded);
  }
}
