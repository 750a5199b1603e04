package io.musketeer.cli;

import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --receive-timeout}: how long a party waits for a silent peer (busy peers send heartbeats and stay alive). */
final class ReceiveTimeoutOption {
  @Option(names = "--receive-timeout", defaultValue = "30", paramLabel = "SECONDS",
      description = "Give up on a peer that sends nothing, not even a heartbeat, for this long (a stopped process, a cut network); "
          + "one message may take at most ten times as long; peers send a heartbeat every second, so give 3 s or more (default: ${DEFAULT-VALUE} s).")
  int seconds;

  Duration duration() {
    if (seconds < 1 || seconds > RunCommand.MAX_CONNECT_TIMEOUT) {
      throw new UsageError("--receive-timeout must be in 1.." + RunCommand.MAX_CONNECT_TIMEOUT + " seconds, got " + seconds);
    }
    return Duration.ofSeconds(seconds);
  }

  /** The option as passed on to party processes. */
  List<String> partyArgs() {
    duration();
    return List.of("--receive-timeout", Integer.toString(seconds));
  }
}
