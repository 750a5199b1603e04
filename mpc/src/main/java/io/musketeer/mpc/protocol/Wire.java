package io.musketeer.mpc.protocol;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Packs longs into byte messages (little-endian), so that one flight carries Z_L values and Z_p bytes
 * together in a single frame per direction.
 */
public final class Wire {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private Wire() {}

  public static void putLongs(long[] src, int srcOff, byte[] dst, int dstOff, int count) {
    for (int i = 0; i < count; i++) LONGS.set(dst, dstOff + 8 * i, src[srcOff + i]);
  }

  public static void getLongs(byte[] src, int srcOff, long[] dst, int dstOff, int count) {
    for (int i = 0; i < count; i++) dst[dstOff + i] = (long) LONGS.get(src, srcOff + 8 * i);
  }

  public static void putLong(byte[] dst, int off, long v) {
    LONGS.set(dst, off, v);
  }

  public static long getLong(byte[] src, int off) {
    return (long) LONGS.get(src, off);
  }
}
