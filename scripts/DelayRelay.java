// A TCP relay that holds every byte for a fixed time in each direction: the WAN latency of
// scripts/netns.sh on kernels without tc netem (the rate limit is tc tbf's). Run with the JDK's
// source launcher, no build needed:
//
//   java scripts/DelayRelay.java DELAY_MS LISTEN_HOST:PORT=TARGET_HOST:PORT [...]
//
// Each direction of each relayed connection is delayed by DELAY_MS (so a round trip through it gains
// 2 x DELAY_MS); at most 64 MiB wait per direction (the reader then waits too, as TCP would).
// Test tooling only: it serves the namespaces the script made, nothing else.

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

public class DelayRelay {
  private record Chunk(byte[] data, int length, long dueNanos) {}

  private static final int MAX_WAITING = 64 << 20;
  private static final long TARGET_WAIT_NANOS = 120_000_000_000L;

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: java DelayRelay.java DELAY_MS LISTEN_HOST:PORT=TARGET_HOST:PORT ...");
      System.exit(2);
    }
    long delayNanos = Long.parseLong(args[0]) * 1_000_000L;
    for (int i = 1; i < args.length; i++) {
      String[] m = args[i].split("=");
      InetSocketAddress listen = address(m[0]), target = address(m[1]);
      ServerSocket ss = new ServerSocket();
      ss.setReuseAddress(true);
      ss.bind(listen, 64);
      Thread t = new Thread(() -> accept(ss, target, delayNanos), "accept " + args[i]);
      t.start();
    }
    System.err.println("DelayRelay: " + args[0] + " ms each way, " + (args.length - 1) + " mapping(s)");
  }

  private static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  private static void accept(ServerSocket ss, InetSocketAddress target, long delayNanos) {
    while (true) {
      Socket in;
      try {
        in = ss.accept();
      } catch (IOException e) {
        return;
      }
      new Thread(() -> relay(in, target, delayNanos), "relay").start();
    }
  }

  /**
   * Joins one dialer to the target. A target that is not listening yet is retried for up to two minutes
   * while the dialer's first bytes wait: on a real network its connection would be refused and it would
   * redial; closing it here instead would look like a peer that dropped the handshake.
   */
  private static void relay(Socket in, InetSocketAddress target, long delayNanos) {
    long giveUp = System.nanoTime() + TARGET_WAIT_NANOS;
    Socket out;
    while (true) {
      out = new Socket();
      try {
        out.connect(target, 10_000);
        break;
      } catch (IOException e) {
        closeQuietly(out);
        if (System.nanoTime() > giveUp || in.isClosed()) {
          closeQuietly(in);
          return;
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException ie) {
          closeQuietly(in);
          return;
        }
      }
    }
    try {
      for (Socket s : new Socket[] {in, out}) {
        s.setTcpNoDelay(true);
        s.setSendBufferSize(4 << 20);
        s.setReceiveBufferSize(4 << 20);
      }
    } catch (IOException e) {
      closeQuietly(in);
      closeQuietly(out);
      return;
    }
    Socket dialed = out;
    AtomicInteger open = new AtomicInteger(2); // directions still running; the last one closes both sockets
    Runnable done = () -> {
      if (open.decrementAndGet() == 0) {
        closeQuietly(in);
        closeQuietly(dialed);
      }
    };
    pipe(in, dialed, delayNanos, done);
    pipe(dialed, in, delayNanos, done);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // going anyway
    }
  }

  /**
   * One direction: a reader that stamps each chunk with its due time, a writer that sends it then. A
   * write that fails (the receiver has gone) ends this direction only: the reader stops and what waits
   * is dropped, while the other direction still delivers what the receiver sent before it went, as
   * TCP would. Closing both sockets here instead would cut off that last data (a peer's final message
   * and goodbye, still held for the delay).
   */
  private static void pipe(Socket from, Socket to, long delayNanos, Runnable done) {
    LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
    Semaphore room = new Semaphore(MAX_WAITING);
    Chunk end = new Chunk(new byte[0], -1, 0);
    Thread reader = new Thread(() -> {
      try {
        InputStream in = from.getInputStream(); // not closed here: that would close the socket, both directions
        while (true) {
          byte[] b = new byte[64 << 10];
          int n = in.read(b);
          if (n < 0) break;
          room.acquire(n);
          queue.add(new Chunk(b, n, System.nanoTime() + delayNanos));
        }
      } catch (IOException | InterruptedException e) {
        // the connection ended
      }
      queue.add(end);
    });
    Thread writer = new Thread(() -> {
      boolean failed = false;
      try {
        OutputStream out = to.getOutputStream();
        while (true) {
          Chunk c = queue.take();
          if (c == end) break;
          if (!failed) {
            long wait = c.dueNanos() - System.nanoTime();
            if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            try {
              out.write(c.data(), 0, c.length());
            } catch (IOException e) {
              failed = true;
              try {
                from.shutdownInput(); // the reader sees the end; the chunks already queued are dropped
              } catch (IOException ignored) {
                // already closed
              }
            }
          }
          room.release(c.length());
        }
        if (!failed) to.shutdownOutput();
      } catch (IOException | InterruptedException e) {
        // the connection ended
      } finally {
        done.run();
      }
    });
    reader.start();
    writer.start();
  }
}
