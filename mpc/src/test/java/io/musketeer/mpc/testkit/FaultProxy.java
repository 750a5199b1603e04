package io.musketeer.mpc.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy between two parties that forwards every byte both ways and, if given a {@link Fault},
 * does it once at a chosen byte of one direction: an attacker on the network (flip a bit, drop,
 * truncate, inject, replay) or a failure (kill, reset, stall). The parties' peers files name the
 * proxy's port instead of the real one; TLS and pinning are end to end, through it.
 */
public final class FaultProxy implements AutoCloseable {
  public enum Action {
    /** One bit of the stream inverted. */
    FLIP,
    /** 1 to 64 bytes left out. */
    DROP,
    /** The direction ends (FIN) at the offset; the other goes on. */
    TRUNCATE,
    /** 1 to 64 random bytes put in. */
    INJECT,
    /** Up to 256 bytes already forwarded sent again. */
    REPLAY,
    /** Both connections closed, as when a party or a middlebox dies. */
    KILL,
    /** Both connections reset (RST). */
    RESET,
    /** Nothing forwarded any more, both ways, connections left open: a hung host or a partition. */
    STALL;

    public boolean tampers() {
      return this == FLIP || this == DROP || this == TRUNCATE || this == INJECT || this == REPLAY;
    }
  }

  /** What to do, in which direction ({@code forward}: from the dialing party to the listening one), at which byte, with which randomness. */
  public record Fault(Action action, boolean forward, long offset, long seed) {}

  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final Fault fault;
  private final AtomicBoolean applied = new AtomicBoolean();
  private final AtomicLong[] bytes = {new AtomicLong(), new AtomicLong()};
  /** The faulty direction's bytes as sent, up to the chunk the fault was done in. */
  private final ByteArrayOutputStream beforeFault = new ByteArrayOutputStream();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final CountDownLatch stalled = new CountDownLatch(1);
  private volatile boolean stalling;
  private volatile boolean closed;

  /** Listens on a free loopback port and forwards each connection to {@code targetPort}; {@code fault} may be null. */
  public FaultProxy(int targetPort, Fault fault) {
    this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
    this.fault = fault;
    this.listener = ThreeParty.listen();
    Thread t = new Thread(this::acceptLoop, "fault-proxy-accept");
    t.setDaemon(true);
    t.start();
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** Whether the fault was done (its offset was reached before the connection ended). */
  public boolean applied() {
    return applied.get();
  }

  /**
   * Whether the fault's byte was in the legacy_record_version field (bytes 1 and 2) of a TLS record
   * header, the records counted from the direction's first byte. RFC 8446 section 5.1 has the receiver
   * ignore that field, so a bit flipped there changes nothing the parties read.
   */
  public boolean hitTlsRecordVersion() {
    if (fault == null || !applied.get()) return false;
    byte[] b;
    synchronized (beforeFault) {
      b = beforeFault.toByteArray();
    }
    long at = fault.offset();
    for (long h = 0; h + 5 <= b.length && h <= at; h += 5 + (((b[(int) h + 3] & 0xff) << 8) | (b[(int) h + 4] & 0xff))) {
      if (at == h + 1 || at == h + 2) return true;
    }
    return false;
  }

  /** Bytes forwarded so far: [0] dialer to listener, [1] back. */
  public long bytes(boolean forward) {
    return bytes[forward ? 0 : 1].get();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket in = listener.accept();
        Socket out = connectTarget();
        if (out == null) {
          in.close(); // the target never came up: the dialer sees the connection close
          continue;
        }
        in.setTcpNoDelay(true);
        out.setTcpNoDelay(true);
        sockets.add(in);
        sockets.add(out);
        pump(in, out, true);
        pump(out, in, false);
      } catch (IOException e) {
        if (closed) return;
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** The target may still be starting (a party's JVM): retry for up to a minute, as a dialing party would. */
  private Socket connectTarget() throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!closed && System.nanoTime() < deadline) {
      Socket out = new Socket();
      try {
        out.connect(target, 5000);
        return out;
      } catch (IOException e) {
        try {
          out.close();
        } catch (IOException ignored) {
          // retrying
        }
        Thread.sleep(50);
      }
    }
    return null;
  }

  private void pump(Socket from, Socket to, boolean forward) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16 << 10];
      byte[] recent = new byte[256];
      AtomicLong count = bytes[forward ? 0 : 1];
      Random rnd = new Random(fault == null ? 0 : fault.seed());
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        while (true) {
          int n = in.read(buf);
          if (n < 0) {
            to.shutdownOutput();
            return;
          }
          if (stalling) stalled.await();
          long start = count.get();
          boolean here = fault != null && fault.forward() == forward && !applied.get() && start + n > fault.offset();
          if (fault != null && fault.forward() == forward && !applied.get()) {
            synchronized (beforeFault) {
              beforeFault.write(buf, 0, n);
            }
          }
          if (!here) {
            out.write(buf, 0, n);
          } else {
            int at = (int) Math.max(0, fault.offset() - start);
            applied.set(true);
            out.write(buf, 0, at);
            switch (fault.action()) {
              case FLIP -> {
                buf[at] ^= (byte) (1 << rnd.nextInt(8));
                out.write(buf, at, n - at);
              }
              case DROP -> {
                int skip = Math.min(n - at, 1 + rnd.nextInt(64));
                out.write(buf, at + skip, n - at - skip);
              }
              case TRUNCATE -> {
                to.shutdownOutput();
                count.addAndGet(at);
                drainForever(in);
                return;
              }
              case INJECT -> {
                byte[] junk = new byte[1 + rnd.nextInt(64)];
                rnd.nextBytes(junk);
                out.write(junk);
                out.write(buf, at, n - at);
              }
              case REPLAY -> {
                int k = (int) Math.min(Math.min(start + at, recent.length), 1 + rnd.nextInt(256));
                byte[] copy = lastBytes(recent, start, buf, at, k);
                out.write(copy);
                out.write(buf, at, n - at);
              }
              case KILL -> {
                closeAll(false);
                return;
              }
              case RESET -> {
                closeAll(true);
                return;
              }
              case STALL -> {
                stalling = true;
                stalled.await();
                return;
              }
            }
          }
          remember(recent, buf, n, start);
          count.addAndGet(n);
        }
      } catch (IOException | InterruptedException e) {
        // a side closed: the other learns it from its own socket
        try {
          to.shutdownOutput();
        } catch (IOException ignored) {
          // gone already
        }
      }
    }, "fault-proxy-" + (forward ? "forward" : "back"));
    t.setDaemon(true);
    t.start();
  }

  /** Keeps the last bytes of the stream (a ring indexed by stream position). */
  private static void remember(byte[] ring, byte[] buf, int n, long start) {
    for (int i = Math.max(0, n - ring.length); i < n; i++) ring[(int) ((start + i) % ring.length)] = buf[i];
  }

  /** The {@code k} stream bytes before position {@code start + at}: from this buffer, then from the ring. */
  private static byte[] lastBytes(byte[] ring, long start, byte[] buf, int at, int k) {
    byte[] out = new byte[k];
    for (int j = 0; j < k; j++) {
      long pos = start + at - k + j;
      out[j] = pos >= start ? buf[(int) (pos - start)] : ring[(int) (pos % ring.length)];
    }
    return out;
  }

  private static void drainForever(InputStream in) throws IOException {
    byte[] b = new byte[16 << 10];
    while (in.read(b) >= 0) {
      // the truncated direction's sender keeps writing into nothing
    }
  }

  private void closeAll(boolean reset) {
    for (Socket s : sockets) {
      try {
        if (reset) s.setSoLinger(true, 0);
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    stalled.countDown();
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    closeAll(false);
  }
}
