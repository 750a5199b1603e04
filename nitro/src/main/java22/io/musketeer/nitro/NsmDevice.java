package io.musketeer.nitro;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The {@code /dev/nsm} ioctl through the JDK's foreign function API (compiled for Java 22 and later
 * only). Linux's {@code include/uapi/linux/nsm.h}: {@code struct nsm_raw} holds two
 * {@code {u64 addr; u64 len}} buffers, request and response, and {@code NSM_IOCTL_RAW} is
 * {@code _IOWR(0x0A, 0, struct nsm_raw)}; the driver sets the response length.
 */
public final class NsmDevice implements NsmAttester.Device {
  private static final long NSM_IOCTL_RAW = 0xC0200A00L;
  private static final int O_RDWR = 2;
  private static final int REQUEST_MAX = 0x1000, RESPONSE_MAX = 0x3000;
  private static final Linker LINKER = Linker.nativeLinker();
  private static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("open").orElseThrow(),
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle IOCTL = LINKER.downcallHandle(LINKER.defaultLookup().find("ioctl").orElseThrow(),
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
  private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
      FunctionDescriptor.of(JAVA_INT, JAVA_INT));

  @Override
  public byte[] call(byte[] request) throws IOException {
    if (request.length > REQUEST_MAX) throw new IOException("a request of " + request.length + " bytes");
    try (Arena arena = Arena.ofConfined()) {
      int fd = (int) OPEN.invokeExact(arena.allocateFrom(NsmAttester.DEVICE.toString()), O_RDWR);
      if (fd < 0) throw new IOException("cannot open " + NsmAttester.DEVICE);
      try {
        MemorySegment req = arena.allocate(request.length);
        MemorySegment.copy(request, 0, req, JAVA_BYTE, 0, request.length);
        MemorySegment resp = arena.allocate(RESPONSE_MAX);
        MemorySegment raw = arena.allocate(32, 8);
        raw.set(JAVA_LONG, 0, req.address());
        raw.set(JAVA_LONG, 8, request.length);
        raw.set(JAVA_LONG, 16, resp.address());
        raw.set(JAVA_LONG, 24, RESPONSE_MAX);
        int rc = (int) IOCTL.invokeExact(fd, NSM_IOCTL_RAW, raw);
        if (rc < 0) throw new IOException("ioctl on " + NsmAttester.DEVICE + " failed");
        long n = raw.get(JAVA_LONG, 24);
        if (n < 0 || n > RESPONSE_MAX) throw new IOException("the driver answered " + n + " bytes");
        return resp.asSlice(0, n).toArray(JAVA_BYTE);
      } finally {
        int ignored = (int) CLOSE.invokeExact(fd);
      }
    } catch (IOException e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException(e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
  }
}
