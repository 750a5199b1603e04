package io.musketeer.mpc.protocol;

import java.util.concurrent.atomic.LongAdder;

/**
 * What a party spends on input-independent work in a session: the bytes it sends that do not depend on
 * any input (the helper's dealing, Beaver C1s, masked weights) and the time it spends producing them.
 * Protocol code reports them as it sends; the runtime reports offline and online traffic apart. The
 * transport's counters stay the one count of all traffic; this only says which part of it was offline.
 */
public final class OfflineMeter {
  private final LongAdder bytes = new LongAdder(), messages = new LongAdder(), nanos = new LongAdder();

  /** An input-independent message of {@code payloadBytes} was sent (the transport adds its header). */
  public void sent(long payloadBytes) {
    bytes.add(payloadBytes + FRAME_HEADER);
    messages.increment();
  }

  /** Time spent producing input-independent material. */
  public void spent(long nanoseconds) {
    nanos.add(nanoseconds);
  }

  public long bytes() {
    return bytes.sum();
  }

  public long messages() {
    return messages.sum();
  }

  public double seconds() {
    return nanos.sum() / 1e9;
  }

  /** The transport's per-frame header, counted with each frame's payload in its traffic. */
  static final int FRAME_HEADER = 16;
}
