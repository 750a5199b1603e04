package io.musketeer.mpc.net;

import io.musketeer.mpc.Party;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@link Transport} between three OS processes over TCP.
 *
 * <h2>Set-up</h2>
 * Roles decide who connects: a party connects to every party after it in {@link Party} order and
 * listens for the ones before it. So the client connects to the server and the helper, the server
 * connects to the helper and listens for the client, and the helper listens for both. A connecting
 * party retries with backoff until {@link Options#connectTimeout()}; the listening socket is bound
 * before any party dials out, so the start order of the three processes does not matter. A listening
 * party binds its port on all interfaces; the host in its own peers entry is where the others reach it.
 *
 * <p>Each connection starts with a 16-byte hello in each direction (magic, wire version, sender's
 * role, role the sender expects to reach), checked at both ends, so a wrong port in a peers file, a
 * second client or another program on the port ends in one clear error instead of garbage later.
 *
 * <h2>Frames</h2>
 * A frame is {@link Frame}'s wire form: a 16-byte little-endian header (sequence number, step id,
 * payload type, element count) followed by the payload, longs little-endian. Sending serialises the
 * payload at once, in 1 MiB chunks with bulk buffer copies (so the caller may reuse its array and
 * memory grows by one copy of the payload at most), and queues it for this peer's sender thread, so
 * a send never waits for the peer and two parties may send to each other at the same time. Receiving
 * reads straight from the socket into the destination array (through a 1 MiB scratch buffer for
 * longs). Bytes and messages are counted in {@link TrafficStats} exactly as {@link InMemoryNetwork}
 * counts them: header plus payload, on send when the frame is queued, on receive when it has
 * arrived and matched. The hello and the closing frame are not counted.
 *
 * <h2>Failures</h2>
 * A peer that is silent for {@link Options#receiveTimeout()}, that disappears (end of stream,
 * connection reset) or that sends an unexpected frame ends the receive with a
 * {@link TransportException} naming it; so does the next send or receive after a sender thread failed.
 * A link that failed stays failed. {@link #close()} sends a CLOSE frame, so a peer still waiting
 * learns that this party ended on purpose rather than crashed.
 *
 * <p>Nothing here authenticates or encrypts: this is for the semi-honest model on a trusted network.
 * TLS or message authentication belongs in a {@link Transport} decorator.
 */
public final class TcpTransport implements Transport {
  /** "MSKT" read as a little-endian int. */
  static final int MAGIC = 0x544b534d;
  /** Version of the hello and frame format; parties with different versions refuse each other. */
  static final int WIRE_VERSION = 1;
  static final int HELLO_BYTES = 16;
  static final int SOCKET_BUFFER = 4 << 20;
  static final int CHUNK = 1 << 20;

  /** Tells a sender thread to stop (compared by identity). */
  private static final byte[] END = new byte[0];
  /** Written chunks kept per link for reuse (at most this many MiB). */
  private static final int SPARE_CHUNKS = 8;

  /**
   * Timeouts.
   *
   * @param connectTimeout how long set-up may take in all, waiting for peers that start later
   * @param receiveTimeout how long a receive waits without any data from the peer
   * @param closeTimeout how long {@link #close()} lets queued frames drain before closing anyway
   */
  public record Options(Duration connectTimeout, Duration receiveTimeout, Duration closeTimeout) {
    public Options {
      for (Duration d : new Duration[] {connectTimeout, receiveTimeout, closeTimeout}) {
        if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException("timeouts must be positive");
      }
    }

    /** 60 s to connect, 300 s of silence before a receive gives up, 10 s to drain on close. */
    public static Options defaults() {
      return new Options(Duration.ofSeconds(60), Duration.ofSeconds(300), Duration.ofSeconds(10));
    }

    public Options withConnectTimeout(Duration d) {
      return new Options(d, receiveTimeout, closeTimeout);
    }

    public Options withReceiveTimeout(Duration d) {
      return new Options(connectTimeout, d, closeTimeout);
    }

    public Options withCloseTimeout(Duration d) {
      return new Options(connectTimeout, receiveTimeout, d);
    }
  }

  private final Party self;
  private final Options options;
  private final TrafficStats stats = new TrafficStats();
  private final Link[] links = new Link[3];
  private volatile boolean closed;

  private TcpTransport(Party self, Options options, Map<Party, Socket> sockets) throws IOException {
    this.self = self;
    this.options = options;
    for (Map.Entry<Party, Socket> e : sockets.entrySet()) links[e.getKey().ordinal()] = new Link(e.getKey(), e.getValue());
    for (Link l : links) if (l != null) l.sender.start();
  }

  /** Connects {@code self} to the other two parties with the default {@link Options}. */
  public static TcpTransport connect(Party self, Peers peers) {
    return connect(self, peers, Options.defaults());
  }

  /** Connects {@code self} to the other two parties; blocks until both links are up or set-up fails. */
  public static TcpTransport connect(Party self, Peers peers, Options options) {
    return connect(self, peers, options, null);
  }

  /**
   * As {@link #connect(Party, Peers, Options)}, listening on an already bound socket (tests bind port
   * 0 first, so there is no race for a free port). This transport takes the socket over and closes it
   * once set-up ends; a party that listens for nobody (the client) closes it at once.
   */
  public static TcpTransport connect(Party self, Peers peers, Options options, ServerSocket listener) {
    Objects.requireNonNull(self, "self");
    Objects.requireNonNull(peers, "peers");
    Objects.requireNonNull(options, "options");
    long deadline = System.nanoTime() + options.connectTimeout().toNanos();
    List<Party> dialed = new ArrayList<>();
    List<Party> accepted = new ArrayList<>();
    for (Party p : Party.values()) {
      if (p.ordinal() > self.ordinal()) dialed.add(p);
      if (p.ordinal() < self.ordinal()) accepted.add(p);
    }
    Map<Party, Socket> sockets = new EnumMap<>(Party.class);
    ServerSocket ss = listener;
    boolean ok = false;
    try {
      if (accepted.isEmpty()) {
        closeQuietly(ss);
        ss = null;
      } else if (ss == null) {
        ss = bind(self, peers.address(self));
      }
      for (Party p : dialed) sockets.put(p, dial(self, p, peers.address(p), deadline, options));
      if (ss != null) accept(self, ss, accepted, sockets, deadline, options);
      for (Socket s : sockets.values()) s.setSoTimeout(millis(options.receiveTimeout()));
      TcpTransport t = new TcpTransport(self, options, sockets);
      ok = true;
      return t;
    } catch (IOException e) {
      throw new TransportException(self.label() + " could not set up its connections (" + describe(e) + ")", e);
    } finally {
      closeQuietly(ss);
      if (!ok) for (Socket s : sockets.values()) closeQuietly(s);
    }
  }

  // ---------------------------------------------------------------- set-up

  private static ServerSocket bind(Party self, Peers.Address at) {
    ServerSocket ss = null;
    try {
      ss = new ServerSocket();
      ss.setReuseAddress(true);
      ss.setReceiveBufferSize(SOCKET_BUFFER);
      ss.bind(new InetSocketAddress(at.port()), 16);
      return ss;
    } catch (IOException e) {
      closeQuietly(ss);
      throw new TransportException("the " + self.label() + " cannot listen on port " + at.port() + " (" + describe(e)
          + "); is another party or program using it?", e);
    }
  }

  private static void configure(Socket s) throws IOException {
    s.setTcpNoDelay(true);
    s.setKeepAlive(true);
    s.setSendBufferSize(SOCKET_BUFFER);
    s.setReceiveBufferSize(SOCKET_BUFFER);
  }

  private static Socket dial(Party self, Party peer, Peers.Address at, long deadline, Options options) {
    long backoffMs = 50;
    IOException last = null;
    while (true) {
      long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (remainingMs <= 0) {
        throw new TransportException(peer.label() + " at " + at + " did not connect within " + format(options.connectTimeout())
            + (last != null ? " (" + describe(last) + ")" : "") + "; is it running?", last);
      }
      Socket s = new Socket();
      try {
        configure(s);
        s.connect(new InetSocketAddress(at.host(), at.port()), (int) Math.max(1, Math.min(remainingMs, 5000)));
      } catch (IOException e) {
        closeQuietly(s);
        last = e;
        sleep(Math.min(backoffMs, Math.max(1, remainingMs)));
        backoffMs = Math.min(backoffMs * 2, 1000);
        continue;
      }
      try {
        s.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        writeHello(s, self, peer);
        int[] h = readHello(s);
        if (h[0] != MAGIC) {
          throw new TransportException("the program at " + peer.label() + "'s address " + at + " is not a Musketeer party; check the peers file");
        }
        if (h[1] != WIRE_VERSION) {
          throw new TransportException(peer.label() + " at " + at + " speaks wire version " + h[1] + ", " + self.label() + " speaks "
              + WIRE_VERSION + "; run the same Musketeer version on all parties");
        }
        if (h[2] != peer.ordinal()) {
          throw new TransportException("peer at " + at + " says it is the " + roleName(h[2]) + ", expected the " + peer.label()
              + "; check the peers file");
        }
        return s;
      } catch (SocketTimeoutException e) {
        closeQuietly(s);
        throw new TransportException(peer.label() + " at " + at + " accepted the connection but did not greet the " + self.label()
            + " within " + format(options.connectTimeout()) + "; is it a Musketeer party, and is it still waiting for another party?", e);
      } catch (IOException e) {
        closeQuietly(s);
        throw new TransportException("lost connection to " + peer.label() + " at " + at + " during set-up (" + describe(e)
            + "); check the " + peer.label() + "'s log", e);
      } catch (RuntimeException e) {
        closeQuietly(s);
        throw e;
      }
    }
  }

  private static void accept(Party self, ServerSocket ss, List<Party> expected, Map<Party, Socket> sockets, long deadline,
      Options options) throws IOException {
    Set<Party> missing = EnumSet.copyOf(expected);
    while (!missing.isEmpty()) {
      long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      Socket s;
      try {
        if (remainingMs <= 0) throw new SocketTimeoutException();
        ss.setSoTimeout((int) remainingMs);
        s = ss.accept();
      } catch (SocketTimeoutException e) {
        String who = missing.stream().map(Party::label).collect(Collectors.joining(" and "));
        throw new TransportException(who + " did not connect to the " + self.label() + " (listening on port " + ss.getLocalPort() + ") within "
            + format(options.connectTimeout()) + "; is it running, and does its peers file give this machine's address?", e);
      }
      String remote = String.valueOf(s.getRemoteSocketAddress());
      int[] h;
      try {
        configure(s);
        s.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        h = readHello(s);
        if (h[0] == MAGIC) writeHello(s, self, h[2] >= 0 && h[2] < 3 ? Party.values()[h[2]] : self);
      } catch (IOException e) {
        closeQuietly(s);
        throw new TransportException("peer at " + remote + " broke off during set-up with the " + self.label() + " (" + describe(e)
            + "); is something other than a Musketeer party using port " + ss.getLocalPort() + "?", e);
      }
      TransportException bad = null;
      if (h[0] != MAGIC) {
        bad = new TransportException("peer at " + remote + " is not a Musketeer party (bad greeting); is something else connecting to port "
            + ss.getLocalPort() + "?");
      } else if (h[1] != WIRE_VERSION) {
        bad = new TransportException("peer at " + remote + " speaks wire version " + h[1] + ", the " + self.label() + " speaks " + WIRE_VERSION
            + "; run the same Musketeer version on all parties");
      } else if (h[2] >= 0 && h[2] < 3 && sockets.containsKey(Party.values()[h[2]]) && expected.contains(Party.values()[h[2]])) {
        bad = new TransportException("a second peer at " + remote + " says it is the " + roleName(h[2])
            + ", which is already connected; is that party running twice?");
      } else if (h[2] < 0 || h[2] >= 3 || !missing.contains(Party.values()[h[2]])) {
        bad = new TransportException("peer at " + remote + " says it is the " + roleName(h[2]) + ", expected the "
            + missing.stream().map(Party::label).collect(Collectors.joining(" or ")) + "; check the peers files");
      } else if (h[3] != self.ordinal()) {
        bad = new TransportException("peer at " + remote + " (the " + roleName(h[2]) + ") expected to reach the " + roleName(h[3])
            + ", but port " + ss.getLocalPort() + " belongs to the " + self.label() + "; check the peers file");
      }
      if (bad != null) {
        closeQuietly(s);
        throw bad;
      }
      Party p = Party.values()[h[2]];
      sockets.put(p, s);
      missing.remove(p);
    }
  }

  private static void writeHello(Socket s, Party self, Party target) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(HELLO_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putInt(WIRE_VERSION).putInt(self.ordinal()).putInt(target.ordinal());
    OutputStream out = s.getOutputStream();
    out.write(b.array());
    out.flush();
  }

  private static int[] readHello(Socket s) throws IOException {
    byte[] b = new byte[HELLO_BYTES];
    readFully(s.getInputStream(), b, 0, HELLO_BYTES);
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    return new int[] {bb.getInt(), bb.getInt(), bb.getInt(), bb.getInt()};
  }

  private static String roleName(int ordinal) {
    return ordinal >= 0 && ordinal < 3 ? Party.values()[ordinal].label() : "unknown role #" + ordinal;
  }

  // ---------------------------------------------------------------- Transport

  @Override
  public Party self() {
    return self;
  }

  @Override
  public TrafficStats stats() {
    return stats;
  }

  @Override
  public void send(Party to, int step, long[] data, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, data.length);
    enqueue(link(to), step, Frame.LONGS, length, 8, (chunk, at, n, src) ->
        ByteBuffer.wrap(chunk, at, 8 * n).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().put(data, offset + src, n));
  }

  @Override
  public void send(Party to, int step, byte[] data, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, data.length);
    enqueue(link(to), step, Frame.BYTES, length, 1, (chunk, at, n, src) -> System.arraycopy(data, offset + src, chunk, at, n));
  }

  @Override
  public void receive(Party from, int step, long[] dst, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, dst.length);
    Link l = link(from);
    synchronized (l.receiveLock) {
      l.checkUsable();
      try {
        l.readHeader(step, Frame.LONGS, length);
        byte[] scratch = l.scratch();
        int pos = offset, end = offset + length;
        while (pos < end) {
          int n = Math.min(end - pos, CHUNK / 8);
          readFully(l.in, scratch, 0, 8 * n);
          ByteBuffer.wrap(scratch, 0, 8 * n).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(dst, pos, n);
          pos += n;
        }
      } catch (IOException e) {
        throw l.receiveFailed(e, step);
      }
      stats.onReceive(from, Frame.HEADER_BYTES + 8L * length);
    }
  }

  @Override
  public void receive(Party from, int step, byte[] dst, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, dst.length);
    Link l = link(from);
    synchronized (l.receiveLock) {
      l.checkUsable();
      try {
        l.readHeader(step, Frame.BYTES, length);
        readFully(l.in, dst, offset, length);
      } catch (IOException e) {
        throw l.receiveFailed(e, step);
      }
      stats.onReceive(from, Frame.HEADER_BYTES + (long) length);
    }
  }

  private Link link(Party p) {
    if (p == self) throw new IllegalArgumentException("a party cannot send to or receive from itself");
    if (closed) throw new TransportException(self.label() + " transport is closed");
    Link l = links[p.ordinal()];
    l.checkUsable();
    return l;
  }

  /** Sends a CLOSE frame to each peer, lets queued frames drain (up to the close timeout) and closes the sockets. */
  @Override
  public void close() {
    finish(null);
  }

  /** Like {@link #close()}, with an ABORT frame carrying the reason instead of CLOSE. */
  @Override
  public void abort(String reason) {
    finish(Frame.reasonBytes(reason));
  }

  private void finish(byte[] reason) {
    synchronized (this) {
      if (closed) return;
      closed = true;
    }
    for (Link l : links) {
      if (l == null) continue;
      synchronized (l.sendLock) {
        if (l.failure == null) {
          if (reason == null) {
            l.queue.add(header(l.sendSeq, 0, Frame.CLOSE, 0, 0));
          } else {
            byte[] frame = header(l.sendSeq, 0, Frame.ABORT, reason.length, Frame.HEADER_BYTES + reason.length);
            System.arraycopy(reason, 0, frame, Frame.HEADER_BYTES, reason.length);
            l.queue.add(frame);
          }
        }
        l.queue.add(END);
      }
    }
    long deadline = System.nanoTime() + options.closeTimeout().toNanos();
    for (Link l : links) {
      if (l == null) continue;
      join(l.sender, deadline);
    }
    for (Link l : links) {
      if (l == null) continue;
      try {
        if (!l.socket.isClosed()) l.socket.shutdownOutput();
      } catch (IOException ignored) {
        // the peer is already gone; closing below is all that is left
      }
    }
    // After an ABORT, read what the peers still send until they give up too: closing a socket with
    // unread input resets the connection, and the reset would destroy the ABORT frame in a peer's
    // receive buffer before the peer reads the reason (a peer still sending would report a broken pipe).
    long drainDeadline = System.nanoTime() + Math.min(options.closeTimeout().toNanos(), TimeUnit.SECONDS.toNanos(2));
    for (Link l : links) {
      if (l == null) continue;
      if (reason != null) drain(l, drainDeadline);
      closeQuietly(l.socket);
    }
    for (Link l : links) {
      if (l == null) continue;
      join(l.sender, System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
    }
  }

  private static void drain(Link l, long deadlineNanos) {
    byte[] discard = new byte[1 << 16];
    try {
      while (true) {
        long ms = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        if (ms <= 0 || l.socket.isClosed()) return;
        l.socket.setSoTimeout((int) ms);
        if (l.in.read(discard) < 0) return;
      }
    } catch (IOException e) {
      // timed out, or the peer is gone: nothing left to read
    }
  }

  /** Test hook: drops every connection without a CLOSE frame, as a crashed process would. */
  void crashForTest(boolean reset) {
    closed = true;
    for (Link l : links) {
      if (l == null) continue;
      try {
        if (reset) l.socket.setSoLinger(true, 0);
      } catch (IOException ignored) {
        // closing anyway
      }
      closeQuietly(l.socket);
      l.queue.clear();
      l.queue.add(END);
    }
  }

  @Override
  public String toString() {
    return "TcpTransport(" + self.label() + ")";
  }

  // ---------------------------------------------------------------- encoding

  private static byte[] header(int seq, int step, byte type, int length, int capacity) {
    byte[] b = new byte[Math.max(capacity, Frame.HEADER_BYTES)];
    writeHeader(b, seq, step, type, length);
    return b;
  }

  private static void writeHeader(byte[] b, int seq, int step, byte type, int length) {
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(seq).putInt(step).putInt(type).putInt(length);
  }

  /** Copies payload elements {@code [src, src+n)} into {@code chunk} from byte {@code at} on. */
  private interface ChunkFiller {
    void fill(byte[] chunk, int at, int n, int src);
  }

  /**
   * Serialises one frame in chunks of {@link #CHUNK} bytes and queues each chunk as soon as it is
   * made, so the sender thread starts writing a large frame while the rest is still being copied.
   */
  private void enqueue(Link l, int step, byte type, int length, int elementBytes, ChunkFiller filler) {
    long total = Frame.HEADER_BYTES + (long) elementBytes * length;
    synchronized (l.sendLock) {
      l.checkUsable();
      int seq = l.sendSeq++;
      stats.onSend(l.peer, total);
      long done = 0;
      int src = 0; // elements copied so far
      while (done < total) {
        int size = (int) Math.min(CHUNK, total - done);
        byte[] chunk;
        int at;
        chunk = size == CHUNK ? l.spareChunk() : new byte[Math.max(size, Frame.HEADER_BYTES)];
        at = 0;
        if (done == 0) {
          writeHeader(chunk, seq, step, type, length);
          at = Frame.HEADER_BYTES;
        }
        int n = (size - at) / elementBytes;
        filler.fill(chunk, at, n, src);
        src += n;
        done += size;
        if (l.failure != null) break; // the sender is gone; the check below reports why
        l.queue.add(chunk);
      }
      l.checkUsable();
    }
  }

  // ---------------------------------------------------------------- one link

  private final class Link {
    final Party peer;
    final Socket socket;
    final InputStream in;
    final OutputStream out;
    final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    /** Full-size chunks the sender has written, for reuse: a run sends gigabytes, so fresh chunks would all be zeroed and collected. */
    final ArrayBlockingQueue<byte[]> spare = new ArrayBlockingQueue<>(SPARE_CHUNKS);
    final Thread sender;
    final Object sendLock = new Object();
    final Object receiveLock = new Object();
    final byte[] headerBuf = new byte[Frame.HEADER_BYTES];
    int sendSeq; // guarded by sendLock
    int receiveSeq; // guarded by receiveLock
    byte[] scratch; // guarded by receiveLock
    volatile TransportException failure;

    Link(Party peer, Socket socket) throws IOException {
      this.peer = peer;
      this.socket = socket;
      this.in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
      this.out = socket.getOutputStream();
      this.sender = new Thread(this::sendLoop, "musketeer-" + self.label() + "-to-" + peer.label());
      sender.setDaemon(true);
    }

    byte[] spareChunk() {
      byte[] c = spare.poll();
      return c != null ? c : new byte[CHUNK];
    }

    byte[] scratch() {
      if (scratch == null) scratch = new byte[CHUNK];
      return scratch;
    }

    void checkUsable() {
      if (closed) throw new TransportException(self.label() + " transport is closed");
      TransportException f = failure;
      if (f != null) throw new TransportException(f.getMessage(), f);
    }

    private void sendLoop() {
      try {
        while (true) {
          byte[] chunk = queue.take();
          if (chunk == END) return;
          out.write(chunk);
          if (chunk.length == CHUNK) spare.offer(chunk);
        }
      } catch (IOException e) {
        fail(closed ? new TransportException(self.label() + " transport is closed")
            : new TransportException("lost connection to " + peer.label() + " (" + describe(e) + ")", e));
      } catch (InterruptedException e) {
        fail(new TransportException("the " + self.label() + "'s sender to " + peer.label() + " was interrupted"));
      }
    }

    void fail(TransportException e) {
      synchronized (this) {
        if (failure == null) failure = e;
      }
      queue.clear();
      closeQuietly(socket);
    }

    /** Reads and checks the next header; the link is unusable after a mismatch. */
    void readHeader(int step, byte type, int length) throws IOException {
      readFully(in, headerBuf, 0, Frame.HEADER_BYTES);
      ByteBuffer b = ByteBuffer.wrap(headerBuf).order(ByteOrder.LITTLE_ENDIAN);
      Frame f = new Frame(b.getInt(), b.getInt(), (byte) b.getInt(8), b.getInt(12), null);
      if (f.type() == Frame.ABORT) {
        byte[] reason = new byte[Math.max(0, Math.min(f.length(), Frame.MAX_REASON_BYTES))];
        readFully(in, reason, 0, reason.length);
        TransportException e = Frame.aborted(peer, reason);
        fail(e);
        throw e;
      }
      try {
        f.check(self, peer, receiveSeq++, step, type, length);
      } catch (TransportException e) {
        fail(e);
        throw e;
      }
    }

    TransportException receiveFailed(IOException e, int step) {
      TransportException t;
      if (closed) {
        t = new TransportException(self.label() + " transport is closed", e);
      } else if (failure != null) {
        t = new TransportException(failure.getMessage(), failure);
      } else if (e instanceof SocketTimeoutException) {
        t = new TransportException(self.label() + " timed out after " + format(options.receiveTimeout()) + " waiting for "
            + peer.label() + " (step " + Steps.name(step) + "); is it still running?", e);
      } else if (e instanceof EOFException) {
        t = new TransportException("lost connection to " + peer.label() + " (it closed the connection without a goodbye; did it crash? check its log)", e);
      } else {
        t = new TransportException("lost connection to " + peer.label() + " (" + describe(e) + ")", e);
      }
      fail(t);
      return t;
    }
  }

  // ---------------------------------------------------------------- helpers

  static void readFully(InputStream in, byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      int n = in.read(b, off, Math.min(len, CHUNK));
      if (n < 0) throw new EOFException();
      off += n;
      len -= n;
    }
  }

  private static String describe(IOException e) {
    if (e instanceof UnknownHostException) return "unknown host " + e.getMessage();
    String m = e.getMessage();
    return m != null && !m.isBlank() ? m : e.getClass().getSimpleName();
  }

  static String format(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransportException("interrupted while connecting");
    }
  }

  private static void join(Thread t, long deadlineNanos) {
    long ms = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    if (ms <= 0) return;
    try {
      t.join(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) return;
    try {
      c.close();
    } catch (Exception ignored) {
      // nothing useful to do
    }
  }
}
