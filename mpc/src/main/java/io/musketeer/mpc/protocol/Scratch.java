package io.musketeer.mpc.protocol;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Transport;
import java.util.HashMap;
import java.util.Map;

/**
 * A party's reusable transient buffers, one per named use. A comparison layer fills and drops hundreds
 * of megabytes of message and mask buffers, batch after batch; taking them from here instead of
 * allocating avoids zeroing them and keeps the heap from growing (fresh pages are costly on a VM).
 *
 * <p>A buffer's contents are stale: callers overwrite all of it before reading, and a slot's buffer
 * must be dead before the same slot is asked for again. A buffer may be longer than asked for (each
 * slot keeps its longest, as batch lengths vary from layer to layer): callers pass explicit lengths
 * and never use {@code length}. Not thread-safe: only the
 * protocol's own thread asks, parallel workers write into what it hands them.
 */
public final class Scratch {
  private final Map<String, byte[]> slots = new HashMap<>();

  /** The next frame from {@code from}, received into the start of this slot's buffer. */
  public byte[] receive(Transport net, Party from, int step, String slot, int length) {
    byte[] b = bytes(slot, length);
    net.receive(from, step, b, 0, length);
    return b;
  }

  public byte[] bytes(String slot, int length) {
    byte[] b = slots.get(slot);
    if (b == null || b.length < length) {
      b = new byte[length];
      slots.put(slot, b);
    }
    return b;
  }
}
