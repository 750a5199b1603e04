package io.musketeer.cli;

import io.musketeer.mpc.runtime.SecureParty;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --comparison-batch}: at most this many comparisons in one exchange. By default a protocol's own
 * (FastReLU: a whole layer, three online flights a layer, or 2^18 values in a program with unbounded comparisons); fewer hold less memory at once and cost more
 * flights. All three parties must give the same: it is part of what they agree on before a run.
 */
final class ComparisonBatchOption {
  static final int MIN = 1024;
  static final int MAX = 1 << 30;

  @Option(names = "--comparison-batch", paramLabel = "N",
      description = "At most N comparisons in one exchange, " + MIN + ".." + MAX + " (default: the protocol's own; fast: a whole layer, or 262144 without bounds): fewer hold less "
          + "memory at once and cost more flights. Every party must give the same.")
  Integer batch;

  /** The batch size of a session of {@code protocol} running {@code program}. */
  int value(String protocol, io.musketeer.ir.Program program) {
    check();
    return batch == null ? SecureParty.defaultBatch(protocol, program) : batch;
  }

  void check() {
    if (batch != null && (batch < MIN || batch > MAX)) throw new UsageError("--comparison-batch must be in " + MIN + ".." + MAX + ", got " + batch);
  }

  /** The option as passed on to party processes. */
  List<String> partyArgs() {
    check();
    return batch == null ? List.of() : List.of("--comparison-batch", Integer.toString(batch));
  }
}
