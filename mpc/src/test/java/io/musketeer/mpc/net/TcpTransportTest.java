package io.musketeer.mpc.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.testkit.ThreeParty;
import io.musketeer.mpc.testkit.ThreeParty.Net;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class TcpTransportTest {
  private static final int STEP = Steps.id("test/exchange");
  private static final int BIG = 4 << 20; // 4 Mi longs = 32 MB
  private static final int[] LONG_SIZES = {0, 1, 7, 1000, 131_075, 0};
  private static final int[] BYTE_SIZES = {0, 5, 65_537, 1 << 20, 0};

  /** Nothing may be left running: every sender thread ends with its transport. */
  @AfterEach
  void noSenderThreadsLeft() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    while (true) {
      var left = Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith("musketeer-")).toList();
      if (left.isEmpty()) return;
      if (System.nanoTime() > deadline) throw new AssertionError("threads left running: " + left);
      Thread.sleep(20);
    }
  }

  private static long value(Party from, Party to, int msg, int i) {
    long z = ((long) from.ordinal() * 3 + to.ordinal()) << 48 ^ (long) msg << 32 ^ i;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private static long[] longs(Party from, Party to, int msg, int n) {
    long[] a = new long[n];
    for (int i = 0; i < n; i++) a[i] = value(from, to, msg, i);
    return a;
  }

  private static byte[] bytes(Party from, Party to, int msg, int n) {
    byte[] a = new byte[n];
    for (int i = 0; i < n; i++) a[i] = (byte) value(from, to, msg, i);
    return a;
  }

  /**
   * Every party sends to both others at once (longs, bytes, empty payloads, and 32 MB each way
   * between client and server), then receives and checks everything; a second flight follows.
   */
  static Void script(Transport t) {
    Party me = t.self();
    for (int flight = 0; flight < 2; flight++) {
      for (Party to : Party.values()) {
        if (to == me) continue;
        int msg = 0;
        for (int n : LONG_SIZES) t.send(to, STEP, longs(me, to, msg++, n));
        for (int n : BYTE_SIZES) t.send(to, STEP, bytes(me, to, msg++, n));
        if (flight == 0 && me.holdsShares() && to.holdsShares()) {
          long[] big = longs(me, to, msg, BIG);
          t.send(to, STEP, big, 0, BIG);
        }
      }
      for (Party from : Party.values()) {
        if (from == me) continue;
        int msg = 0;
        for (int n : LONG_SIZES) {
          long[] dst = new long[n + 2];
          t.receive(from, STEP, dst, 1, n);
          long[] expected = new long[n + 2];
          System.arraycopy(longs(from, me, msg++, n), 0, expected, 1, n);
          assertArrayEquals(expected, dst);
        }
        for (int n : BYTE_SIZES) assertArrayEquals(bytes(from, me, msg++, n), t.receiveBytes(from, STEP, n));
        if (flight == 0 && me.holdsShares() && from.holdsShares()) {
          assertArrayEquals(longs(from, me, msg, BIG), t.receiveLongs(from, STEP, BIG));
        }
      }
    }
    return null;
  }

  @Test
  void exchangesInBothDirectionsAtOnceAndCountsLikeInMemory() {
    Map<Party, TrafficStats.Snapshot> tcp, mem;
    Map<Party, long[]> tcpPerPeer, memPerPeer;
    try (ThreeParty.Connected n = ThreeParty.connect(Net.TCP)) {
      ThreeParty.parallel(p -> script(n.get(p)));
      tcp = ThreeParty.parallel(p -> n.get(p).stats().snapshot());
      tcpPerPeer = ThreeParty.parallel(p -> perPeer(n.get(p).stats()));
    }
    try (ThreeParty.Connected n = ThreeParty.connect(Net.MEMORY)) {
      ThreeParty.parallel(p -> script(n.get(p)));
      mem = ThreeParty.parallel(p -> n.get(p).stats().snapshot());
      memPerPeer = ThreeParty.parallel(p -> perPeer(n.get(p).stats()));
    }
    assertEquals(mem, tcp);
    for (Party p : Party.values()) assertArrayEquals(memPerPeer.get(p), tcpPerPeer.get(p));
    long expectedFrames = 2L * (LONG_SIZES.length + BYTE_SIZES.length) * 2 + 1;
    assertEquals(expectedFrames, tcp.get(Party.CLIENT).messagesSent());
    assertTrue(tcp.get(Party.CLIENT).bytesSent() > 8L * BIG);
  }

  private static long[] perPeer(TrafficStats s) {
    long[] out = new long[6];
    for (Party p : Party.values()) {
      out[2 * p.ordinal()] = s.bytesSentTo(p);
      out[2 * p.ordinal() + 1] = s.bytesReceivedFrom(p);
    }
    return out;
  }

  @Test
  void wrongStepIsADesyncNamingBothSteps() {
    try (ThreeParty.Connected n = ThreeParty.connect(Net.TCP)) {
      n.get(Party.CLIENT).send(Party.SERVER, Steps.id("test/relu"), new long[10]);
      TransportException e = assertThrows(TransportException.class,
          () -> n.get(Party.SERVER).receiveLongs(Party.CLIENT, Steps.id("test/matmul"), 10));
      assertTrue(e.getMessage().startsWith("protocol desync with client: expected message #0 step test/matmul (10 longs), got #0 step test/relu (10 longs)"),
          e.getMessage());
      // the link stays failed with the same message
      TransportException again = assertThrows(TransportException.class, () -> n.get(Party.SERVER).receiveLongs(Party.CLIENT, STEP, 1));
      assertEquals(e.getMessage(), again.getMessage());
    }
  }

  @Test
  void wrongLengthOrTypeIsADesync() {
    try (ThreeParty.Connected n = ThreeParty.connect(Net.TCP)) {
      n.get(Party.SERVER).send(Party.HELPER, STEP, new long[10]);
      n.get(Party.SERVER).send(Party.CLIENT, STEP, new byte[3]);
      TransportException e = assertThrows(TransportException.class, () -> n.get(Party.HELPER).receiveLongs(Party.SERVER, STEP, 11));
      assertTrue(e.getMessage().contains("expected message #0 step test/exchange (11 longs), got #0 step test/exchange (10 longs)"), e.getMessage());
      TransportException t = assertThrows(TransportException.class, () -> n.get(Party.CLIENT).receiveLongs(Party.SERVER, STEP, 3));
      assertTrue(t.getMessage().contains("(3 longs), got #0 step test/exchange (3 bytes)"), t.getMessage());
    }
  }

  @Test
  void aHelperThatNeverStartsTimesOutClearly() throws IOException {
    int deadPort;
    try (ServerSocket s = ThreeParty.listen()) {
      deadPort = s.getLocalPort(); // free once closed: nothing listens there
    }
    ServerSocket serverListener = ThreeParty.listen();
    Peers peers = Peers.localhost(1, serverListener.getLocalPort(), deadPort);
    Timeouts twoSeconds = ThreeParty.testTimeouts().withConnectTimeout(Duration.ofSeconds(2));
    long t0 = System.nanoTime();
    Map<Party, Object> out = ThreeParty.outcomes(p -> switch (p) {
      case CLIENT -> TcpTransport.connect(p, peers, twoSeconds);
      case SERVER -> TcpTransport.connect(p, peers, twoSeconds, serverListener);
      case HELPER -> null;
    });
    double s = (System.nanoTime() - t0) / 1e9;
    for (Party p : new Party[] {Party.CLIENT, Party.SERVER}) {
      TransportException e = assertInstanceOf(TransportException.class, out.get(p));
      assertTrue(e.getMessage().startsWith("helper at 127.0.0.1:" + deadPort + " did not connect within 2 s"), e.getMessage());
      assertTrue(e.getMessage().endsWith("is it running?"), e.getMessage());
    }
    assertTrue(s >= 1.9 && s < 6, "took " + s + " s");
    assertTrue(serverListener.isClosed());
  }

  @Test
  void aListenerWhosePeersNeverComeTimesOutClearly() {
    ServerSocket helperListener = ThreeParty.listen();
    Peers peers = Peers.localhost(1, 2, helperListener.getLocalPort());
    TransportException e = assertThrows(TransportException.class, () -> TcpTransport.connect(Party.HELPER, peers,
        ThreeParty.testTimeouts().withConnectTimeout(Duration.ofSeconds(2)), helperListener));
    assertEquals("client and server did not connect to the helper (listening on port " + peers.helper().port()
        + ") within 2 s; is it running, and does its peers file give this machine's address?", e.getMessage());
  }

  @Test
  void aPeerThatCrashesIsNamedByTheOthers() {
    try (ThreeParty.Connected n = ThreeParty.connect(Net.TCP)) {
      n.get(Party.SERVER).send(Party.CLIENT, STEP, new long[] {42});
      assertEquals(42, n.get(Party.CLIENT).receiveLongs(Party.SERVER, STEP, 1)[0]);
      ((FramedTransport) n.get(Party.SERVER)).crashForTest(false);
      TransportException c = assertThrows(TransportException.class, () -> n.get(Party.CLIENT).receiveLongs(Party.SERVER, STEP, 1));
      assertTrue(c.getMessage().startsWith("lost connection to server"), c.getMessage());
      TransportException h = assertThrows(TransportException.class, () -> n.get(Party.HELPER).receiveBytes(Party.SERVER, STEP, 8));
      assertTrue(h.getMessage().startsWith("lost connection to server"), h.getMessage());
      // the client and the helper can still talk to each other
      n.get(Party.CLIENT).send(Party.HELPER, STEP, new long[] {7});
      assertEquals(7, n.get(Party.HELPER).receiveLongs(Party.CLIENT, STEP, 1)[0]);
    }
  }

  @Test
  void aResetConnectionFailsTheNextSend() throws InterruptedException {
    try (ThreeParty.Connected n = ThreeParty.connect(Net.TCP)) {
      ((FramedTransport) n.get(Party.HELPER)).crashForTest(true);
      Transport c = n.get(Party.CLIENT);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      TransportException e = null;
      while (e == null && System.nanoTime() < deadline) {
        try {
          c.send(Party.HELPER, STEP, new long[1 << 16]);
          Thread.sleep(5);
        } catch (TransportException x) {
          e = x;
        }
      }
      assertTrue(e != null && e.getMessage().startsWith("lost connection to helper"), String.valueOf(e));
      TransportException r = assertThrows(TransportException.class, () -> c.receiveLongs(Party.HELPER, STEP, 1));
      assertTrue(r.getMessage().startsWith("lost connection to helper"), r.getMessage());
    }
  }

  @Test
  void aCleanCloseIsToldApartFromACrash() {
    try (ThreeParty.Connected n = ThreeParty.connect(Net.TCP)) {
      n.get(Party.HELPER).send(Party.SERVER, STEP, new long[] {1, 2});
      n.get(Party.HELPER).close();
      assertArrayEquals(new long[] {1, 2}, n.get(Party.SERVER).receiveLongs(Party.HELPER, STEP, 2));
      TransportException e = assertThrows(TransportException.class, () -> n.get(Party.SERVER).receiveLongs(Party.HELPER, STEP, 2));
      assertTrue(e.getMessage().startsWith("helper closed the connection while server expected a message"), e.getMessage());
      assertThrows(TransportException.class, () -> n.get(Party.HELPER).send(Party.SERVER, STEP, new long[1]));
    }
  }

  /**
   * A peer's goodbye is still read after this side's heartbeats to it have failed: once the helper is
   * gone, the server's next heartbeats hit a closed socket, and a failed send must not throw away the
   * helper's last frames, which wait unread in the server's receive buffer.
   */
  @Test
  void aCleanCloseReadLateIsStillAGoodbye() throws Exception {
    try (ThreeParty.Connected n = ThreeParty.connect(Net.TCP)) {
      n.get(Party.HELPER).send(Party.SERVER, STEP, new long[] {1, 2});
      n.get(Party.HELPER).close();
      Thread.sleep(3_000); // three heartbeat intervals: the second beat after the close fails
      assertArrayEquals(new long[] {1, 2}, n.get(Party.SERVER).receiveLongs(Party.HELPER, STEP, 2));
      TransportException e = assertThrows(TransportException.class, () -> n.get(Party.SERVER).receiveLongs(Party.HELPER, STEP, 2));
      assertTrue(e.getMessage().startsWith("helper closed the connection while server expected a message"), e.getMessage());
    }
  }

  /**
   * A party that closes with its peer's last frame unread (a heartbeat, or the peer's own CLOSE crossing
   * this one) must still deliver everything it sent. Closing a socket with unread input makes the kernel
   * reset the connection and discard what is not yet on the wire: on a slow link that was the server's
   * output share and CLOSE (seen on ResNet-50 under the WAN profile). Here the client reads late, so the
   * server's last megabytes wait in its send buffer when it closes.
   */
  @Test
  void aCloseWithUnreadInputStillDeliversEverythingSentBeforeIt() throws Exception {
    try (ThreeParty.Connected n = ThreeParty.connect(Net.TCP)) {
      Transport server = n.get(Party.SERVER), client = n.get(Party.CLIENT);
      long[] big = new long[BIG];
      for (int i = 0; i < big.length; i++) big[i] = i * 0x9E3779B97F4A7C15L;
      client.send(Party.SERVER, STEP, new long[] {42}); // never read by the server
      Thread.sleep(100);
      server.send(Party.CLIENT, STEP, big);
      Thread closer = new Thread(server::close, "test-closer");
      closer.start();
      Thread.sleep(300); // the server's sender has filled the socket buffers and waits
      assertArrayEquals(big, client.receiveLongs(Party.SERVER, STEP, BIG));
      TransportException e = assertThrows(TransportException.class, () -> client.receiveLongs(Party.SERVER, STEP, 1));
      assertTrue(e.getMessage().startsWith("server closed the connection while client expected a message"), e.getMessage());
      closer.join(10_000);
    }
  }

  @Test
  void aBusyPeerStaysAliveButOneMessageHasADeadline() {
    // 300 ms of silence is fatal, but the helper's heartbeats keep it alive; one message may take 10 x 300 ms
    try (ThreeParty.Connected n = ThreeParty.connect(Net.TCP, ThreeParty.testTimeouts().withReceiveTimeout(Duration.ofMillis(300)))) {
      long t0 = System.nanoTime();
      TransportException e = assertThrows(TransportException.class, () -> n.get(Party.CLIENT).receiveLongs(Party.HELPER, STEP, 1));
      double s = (System.nanoTime() - t0) / 1e9;
      assertEquals("helper is alive but sent no complete message for step test/exchange within 3 s; is it stuck? check the helper's log",
          e.getMessage());
      assertTrue(s >= 2.9 && s < 6, "took " + s + " s");
    }
  }

  /**
   * A fake helper that answers both hellos and then runs {@code script} on the client's connection
   * (and stays silent to the server): a stopped process, or one that trickles bytes.
   */
  private static TransportException clientFacingFakeHelper(Duration receiveTimeout, ThrowingConsumer<Socket> script) throws Exception {
    ServerSocket serverListener = ThreeParty.listen();
    ServerSocket helperListener = ThreeParty.listen();
    Peers peers = Peers.localhost(1, serverListener.getLocalPort(), helperListener.getLocalPort());
    java.util.List<Socket> open = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread fake = new Thread(() -> {
      try (helperListener) {
        for (int i = 0; i < 2; i++) {
          Socket s = helperListener.accept();
          open.add(s);
          byte[] h = s.getInputStream().readNBytes(Connector.HELLO_BYTES);
          ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
          int role = b.getInt(8);
          ByteBuffer reply = ByteBuffer.allocate(Connector.HELLO_BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(Connector.MAGIC)
              .putInt(Connector.WIRE_VERSION).putInt(2).putInt(role).putLong(b.getLong(16)).putLong(b.getLong(24));
          s.getOutputStream().write(reply.array());
          if (role == 0) new Thread(() -> {
            try {
              script.accept(s);
            } catch (Exception ignored) {
              // the client gave up and closed
            }
          }).start();
        }
      } catch (IOException ignored) {
        // test over
      }
    });
    fake.setDaemon(true);
    fake.start();
    Timeouts t = ThreeParty.testTimeouts().withReceiveTimeout(receiveTimeout);
    Map<Party, FramedTransport> n = ThreeParty.parallel(p -> switch (p) {
      case CLIENT -> TcpTransport.connect(p, peers, t);
      case SERVER -> TcpTransport.connect(p, peers, t, serverListener);
      case HELPER -> null;
    });
    try {
      return assertThrows(TransportException.class, () -> n.get(Party.CLIENT).receiveLongs(Party.HELPER, STEP, 1000));
    } finally {
      ThreeParty.parallel(p -> {
        if (p != Party.HELPER) n.get(p).close();
        return p;
      });
      for (Socket s : open) s.close();
    }
  }

  @Test
  void aStoppedPeerFallsSilentAndIsNamed() throws Exception {
    long t0 = System.nanoTime();
    TransportException e = clientFacingFakeHelper(Duration.ofMillis(500), s -> Thread.sleep(60_000));
    double s = (System.nanoTime() - t0) / 1e9;
    assertEquals("client heard nothing from helper for 500 ms, not even a heartbeat (waiting for step test/exchange); "
        + "is the helper still running, and is the network between them up?", e.getMessage());
    assertTrue(s < 5, "took " + s + " s");
  }

  @Test
  void aPeerThatTricklesBytesCannotExtendAReceiveForever() throws Exception {
    long t0 = System.nanoTime();
    TransportException e = clientFacingFakeHelper(Duration.ofMillis(500), s -> {
      byte[] header = new byte[Frame.HEADER_BYTES];
      Frame.writeHeader(header, 0, 0, STEP, Frame.LONGS, 1000);
      OutputStream out = s.getOutputStream();
      out.write(header);
      for (int i = 0; i < 8000; i++) { // one byte every 100 ms: never silent for 500 ms
        out.write(i);
        out.flush();
        Thread.sleep(100);
      }
    });
    double s = (System.nanoTime() - t0) / 1e9;
    assertEquals("helper is alive but sent no complete message for step test/exchange within 5 s; is it stuck? check the helper's log",
        e.getMessage());
    assertTrue(s >= 4.9 && s < 9, "took " + s + " s");
  }

  // ---------------------------------------------------------------- hello checks with a hand-made peer

  private static final SessionId SESSION = new SessionId(0x1234, 0x5678);

  private static byte[] hello(int magic, int version, int role, int target) {
    return ByteBuffer.allocate(Connector.HELLO_BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(magic).putInt(version).putInt(role).putInt(target)
        .putLong(SESSION.high()).putLong(SESSION.low()).array();
  }

  /** Starts a helper on an ephemeral port, lets {@code peer} talk to it, and returns the helper's error. */
  private static TransportException helperFacing(ThrowingConsumer<Integer> peer) throws Exception {
    ServerSocket l = ThreeParty.listen();
    int port = l.getLocalPort();
    Peers peers = Peers.localhost(1, 2, port);
    AtomicReference<RuntimeException> err = new AtomicReference<>();
    Thread h = new Thread(() -> {
      try {
        TcpTransport.connect(Party.HELPER, peers, ThreeParty.testTimeouts().withConnectTimeout(Duration.ofSeconds(5)), l).close();
      } catch (RuntimeException e) {
        err.set(e);
      }
    });
    h.start();
    peer.accept(port);
    h.join(10_000);
    return assertInstanceOf(TransportException.class, err.get());
  }

  interface ThrowingConsumer<T> {
    void accept(T t) throws Exception;
  }

  private static byte[] talk(int port, byte[]... messages) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      for (byte[] m : messages) out.write(m);
      InputStream in = s.getInputStream();
      return in.readNBytes(Connector.HELLO_BYTES);
    }
  }

  @Test
  void somethingElseOnThePortIsRejected() throws Exception {
    TransportException e = helperFacing(port -> talk(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
    assertTrue(e.getMessage().contains("is not a Musketeer party (bad greeting)"), e.getMessage());
  }

  @Test
  void aWrongRoleIsRejected() throws Exception {
    AtomicReference<byte[]> reply = new AtomicReference<>();
    TransportException e = helperFacing(port -> reply.set(talk(port, hello(Connector.MAGIC, Connector.WIRE_VERSION, 2, 2))));
    assertTrue(e.getMessage().matches("peer at .* says it is the helper, expected the client or server; check the peers files"), e.getMessage());
    // the hand-made peer learns who answered, so it can report it too
    assertEquals(2, ByteBuffer.wrap(reply.get()).order(ByteOrder.LITTLE_ENDIAN).getInt(8));
  }

  @Test
  void aSecondClientIsRejected() throws Exception {
    TransportException e = helperFacing(port -> {
      try (Socket first = new Socket(InetAddress.getLoopbackAddress(), port)) {
        first.getOutputStream().write(hello(Connector.MAGIC, Connector.WIRE_VERSION, 0, 2));
        first.getInputStream().readNBytes(Connector.HELLO_BYTES);
        talk(port, hello(Connector.MAGIC, Connector.WIRE_VERSION, 0, 2));
      }
    });
    assertTrue(e.getMessage().matches("a second peer at .* says it is the client, which is already connected; is that party running twice\\?"),
        e.getMessage());
  }

  @Test
  void anotherWireVersionIsRejected() throws Exception {
    TransportException e = helperFacing(port -> talk(port, hello(Connector.MAGIC, 99, 1, 2)));
    assertTrue(e.getMessage().contains("speaks wire version 99, the helper speaks " + Connector.WIRE_VERSION), e.getMessage());
  }

  @Test
  void aPeersFileThatPointsAtTheWrongPartyIsReportedAtBothEnds() {
    ServerSocket helperListener = ThreeParty.listen();
    int hp = helperListener.getLocalPort();
    // the client believes the server is at the helper's port
    Peers wrong = Peers.localhost(1, hp, hp);
    Peers right = Peers.localhost(1, 2, hp);
    Map<Party, Object> out = ThreeParty.outcomes(p -> switch (p) {
      case CLIENT -> TcpTransport.connect(p, wrong, ThreeParty.testTimeouts().withConnectTimeout(Duration.ofSeconds(3)));
      case HELPER -> TcpTransport.connect(p, right, ThreeParty.testTimeouts().withConnectTimeout(Duration.ofSeconds(3)), helperListener);
      case SERVER -> null;
    });
    TransportException c = assertInstanceOf(TransportException.class, out.get(Party.CLIENT));
    assertEquals("peer at 127.0.0.1:" + hp + " says it is the helper, expected the server; check the peers file", c.getMessage());
    TransportException h = assertInstanceOf(TransportException.class, out.get(Party.HELPER));
    assertTrue(h.getMessage().endsWith("(the client) expected to reach the server, but port " + hp + " belongs to the helper; check the peers file"),
        h.getMessage());
  }

  // ---------------------------------------------------------------- throughput (printed, not asserted)

  @Test
  void loopbackThroughput() {
    int n = 8 << 20; // 8 Mi longs = 64 MB
    long[] payload = new long[n];
    for (int i = 0; i < n; i++) payload[i] = i * 0x9E3779B97F4A7C15L;
    try (ThreeParty.Connected net = ThreeParty.connect(Net.TCP)) {
      Transport c = net.get(Party.CLIENT), s = net.get(Party.SERVER);
      long[] dst = new long[n];
      long[] dst2 = new long[n];
      double one = Double.MAX_VALUE, two = Double.MAX_VALUE; // best of three, after a warm-up round
      for (int round = 0; round < 4; round++) {
        long t0 = System.nanoTime();
        c.send(Party.SERVER, STEP, payload);
        s.receive(Party.CLIENT, STEP, dst, 0, n);
        if (round > 0) one = Math.min(one, (System.nanoTime() - t0) / 1e9);
        assertEquals(payload[n - 1], dst[n - 1]);
        Map<Party, Double> both = ThreeParty.parallel(p -> {
          if (!p.holdsShares()) return 0.0;
          Transport t = net.get(p);
          long start = System.nanoTime();
          t.send(p.otherHolder(), STEP, payload);
          t.receive(p.otherHolder(), STEP, p == Party.CLIENT ? dst : dst2, 0, n);
          return (System.nanoTime() - start) / 1e9;
        });
        if (round > 0) two = Math.min(two, Math.max(both.get(Party.CLIENT), both.get(Party.SERVER)));
      }
      System.out.printf("loopback TCP: 64 MB one way in %.3f s = %.0f MB/s; 64 MB each way at once in %.3f s = %.0f MB/s in total%n",
          one, 64 / one, two, 128 / two);
    }
  }
}
