package io.musketeer.mpc.testkit;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A corrupted host between two parties' TLS endpoints: a TCP relay that sees only TLS records
 * (5-byte header, then the body) and, at one chosen record of one direction, flips a bit, replays,
 * reorders, drops, truncates, injects or delays it. It relays one connection (the link of one pair).
 */
public final class TlsTamperProxy implements AutoCloseable {
  /** What to do at the chosen record. */
  public enum Action {
    FLIP,
    REPLAY,
    REORDER,
    DROP,
    TRUNCATE,
    INJECT,
    DELAY
  }

  /** The chosen record: the {@code index}-th of the dialer-to-listener direction if {@code forward}, else of the other. */
  public record Target(boolean forward, int index, Action action, Duration delay, long seed) {}

  private final ServerSocket listener;
  private final int targetPort;
  private final Target target;
  private final AtomicInteger[] records = {new AtomicInteger(), new AtomicInteger()};
  private final AtomicBoolean applied = new AtomicBoolean();
  private volatile Socket a, b;

  /** Relays connections on a fresh loopback port to {@code targetPort}; {@code target} null relays faithfully and counts records. */
  public TlsTamperProxy(int targetPort, Target target) throws IOException {
    this.listener = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
    this.targetPort = targetPort;
    this.target = target;
    Thread.ofPlatform().daemon().name("tamper-proxy").start(this::acceptOne);
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** Records relayed in each direction (dialer to listener: forward). */
  public int records(boolean forward) {
    return records[forward ? 0 : 1].get();
  }

  public boolean applied() {
    return applied.get();
  }

  private void acceptOne() {
    try {
      a = listener.accept();
      b = new Socket(InetAddress.getLoopbackAddress(), targetPort);
      a.setTcpNoDelay(true);
      b.setTcpNoDelay(true);
      Thread.ofPlatform().daemon().name("tamper-forward").start(() -> pump(a, b, true));
      Thread.ofPlatform().daemon().name("tamper-back").start(() -> pump(b, a, false));
    } catch (IOException e) {
      close();
    }
  }

  private void pump(Socket from, Socket to, boolean forward) {
    byte[] held = null;
    try {
      DataInputStream in = new DataInputStream(from.getInputStream());
      OutputStream out = to.getOutputStream();
      boolean ours = target != null && target.forward() == forward;
      Random rnd = new Random(target == null ? 0 : target.seed());
      while (true) {
        byte[] header = new byte[5];
        try {
          in.readFully(header);
        } catch (EOFException e) {
          break;
        }
        int length = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
        byte[] record = new byte[5 + length];
        System.arraycopy(header, 0, record, 0, 5);
        in.readFully(record, 5, length);
        int index = records[forward ? 0 : 1].getAndIncrement();
        if (held != null) {
          out.write(record);
          out.write(held);
          held = null;
          continue;
        }
        if (!ours || index != target.index()) {
          out.write(record);
          continue;
        }
        applied.set(true);
        switch (target.action()) {
          case FLIP -> {
            record[rnd.nextInt(record.length)] ^= (byte) (1 << rnd.nextInt(8));
            out.write(record);
          }
          case REPLAY -> {
            out.write(record);
            out.write(record);
          }
          case REORDER -> held = record;
          case DROP -> {}
          case TRUNCATE -> {
            out.write(record, 0, 1 + rnd.nextInt(record.length - 1));
            out.flush();
            close();
            return;
          }
          case INJECT -> {
            byte[] junk = new byte[5 + 16 + rnd.nextInt(64)];
            rnd.nextBytes(junk);
            junk[0] = 23; // application data, TLS 1.2 record version as TLS 1.3 sends it
            junk[1] = 3;
            junk[2] = 3;
            junk[3] = (byte) ((junk.length - 5) >>> 8);
            junk[4] = (byte) (junk.length - 5);
            out.write(junk);
            out.write(record);
          }
          case DELAY -> {
            sleep(target.delay());
            out.write(record);
          }
        }
      }
      to.shutdownOutput();
    } catch (IOException e) {
      close();
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    for (AutoCloseable c : new AutoCloseable[] {listener, a, b}) {
      try {
        if (c != null) c.close();
      } catch (Exception ignored) {
        // closing anyway
      }
    }
  }
}
