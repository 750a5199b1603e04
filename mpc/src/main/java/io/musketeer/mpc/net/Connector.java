package io.musketeer.mpc.net;

import io.musketeer.mpc.Party;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Makes a party's connections: binds its listening socket, dials peers (retrying until they are up),
 * accepts them, and exchanges the hello. A {@link LinkSecurity} secures each TCP connection as soon
 * as it is made (TLS is a matter of passing another one) and checks the peer; the checked connection
 * is handed on to a {@link SocketLink}.
 *
 * <p>The hello is 32 bytes each way, little-endian: magic, wire version, the sender's role, the role
 * it expects to reach, and the session id (16 bytes). The dialing side sends first and the accepting
 * side answers with its own role and the same session id, so a wrong port in a peers file, a second
 * client, a peer from another session or another program on the port ends in one clear error
 * instead of garbage later. Hellos are not counted as traffic.
 */
public final class Connector {
  /** "MSKT" read as a little-endian int. */
  static final int MAGIC = 0x544b534d;
  /** Version of the hello and frame format; parties with different versions refuse each other. */
  static final int WIRE_VERSION = 2;
  static final int HELLO_BYTES = 32;

  /**
   * A connection whose peer said who it is, passed the security checks, and is ready for frames:
   * {@code socket} carries them (TLS or plain), {@code raw} is the TCP socket under it, closed to drop
   * the connection at once whatever the layer above is doing.
   */
  public record Connection(Party peer, SessionId session, Socket socket, Socket raw) {}

  /** What the far end said in its hello. */
  record Hello(int magic, int version, int role, int target, SessionId session) {
    Party roleParty() {
      return role >= 0 && role < 3 ? Party.values()[role] : null;
    }

    /** A TLS record (handshake or alert) where a plaintext hello was expected. */
    boolean speaksTls() {
      int recordType = magic & 0xff, major = (magic >>> 8) & 0xff;
      return major == 3 && (recordType == 0x16 || recordType == 0x15);
    }
  }

  private final Party self;
  private final Peers peers;
  private final Timeouts timeouts;
  private final LinkSecurity security;

  public Connector(Party self, Peers peers, Timeouts timeouts, LinkSecurity security) {
    this.self = Objects.requireNonNull(self, "self");
    this.peers = Objects.requireNonNull(peers, "peers");
    this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
    this.security = Objects.requireNonNull(security, "security");
  }

  public Party self() {
    return self;
  }

  public Timeouts timeouts() {
    return timeouts;
  }

  public LinkSecurity security() {
    return security;
  }

  // ---------------------------------------------------------------- listening

  /** Binds this party's address from the peers file (that interface only, not every one). */
  public ServerSocket listen() {
    return listen(peers.address(self));
  }

  /** Binds {@code at}, for a party that is reached at another address than the one it listens on (NAT, containers). */
  public ServerSocket listen(Peers.Address at) {
    ServerSocket ss = null;
    try {
      ss = new ServerSocket();
      ss.setReuseAddress(true);
      ss.setReceiveBufferSize(SocketLink.SOCKET_BUFFER);
      InetSocketAddress address = new InetSocketAddress(at.host(), at.port());
      if (address.isUnresolved()) throw new TransportException("the " + self.label() + " cannot listen on " + at + ": unknown host " + at.host());
      ss.bind(address, 64);
      return ss;
    } catch (IOException e) {
      closeQuietly(ss);
      String m = FramedTransport.describe(e);
      String hint = m.contains("assign requested address")
          ? "; that address is not on this machine (listen on another with --listen HOST:PORT, e.g. 0.0.0.0:" + at.port() + ")"
          : "; is another party or program using it?";
      throw new TransportException("the " + self.label() + " cannot listen on " + at + " (" + m + ")" + hint, e);
    }
  }

  // ---------------------------------------------------------------- dialing

  /** Connects to {@code peer}, retrying with backoff until {@code deadlineNanos}; then checks it and exchanges hellos. */
  public Connection dial(Party peer, SessionId session, long deadlineNanos) {
    Peers.Address at = peers.address(peer);
    long backoffMs = 50;
    IOException last = null;
    while (true) {
      long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
      if (remainingMs <= 0) {
        throw new TransportException(peer.label() + " at " + at + " did not connect within " + Timeouts.format(timeouts.connectTimeout())
            + (last != null ? " (" + FramedTransport.describe(last) + ")" : "") + "; is it running?", last);
      }
      Socket raw = new Socket();
      try {
        configure(raw);
        raw.connect(new InetSocketAddress(at.host(), at.port()), (int) Math.max(1, Math.min(remainingMs, 5000)));
      } catch (IOException e) {
        closeQuietly(raw);
        last = e;
        sleep(Math.min(backoffMs, Math.max(1, remainingMs)));
        // capped low: parties started together come up within a second of each other, and every
        // interval slept past a peer's start is time added to the run (a dial is one SYN)
        backoffMs = Math.min(backoffMs * 2, 200);
        continue;
      }
      Socket s = raw;
      try {
        raw.setSoTimeout(millisUntil(deadlineNanos));
        s = security.secure(raw, self, peer, at.toString());
        security.verifyPeer(s, self, peer, at.toString());
        writeHello(s, self, peer, session);
        Hello h;
        try {
          h = readHello(s);
        } catch (java.io.EOFException e) {
          throw new TransportException(peer.label() + " at " + at + " closed the connection during set-up" + (security == LinkSecurity.plaintext()
              ? " (is it running with TLS, while the " + self.label() + " runs with --plaintext?)" : "") + "; check the " + peer.label() + "'s log", e);
        }
        if (h.speaksTls()) {
          throw new TransportException(peer.label() + " at " + at + " speaks TLS, but the " + self.label()
              + " runs with --plaintext; run all three parties with TLS (the default) or all with --plaintext");
        }
        if (h.magic() != MAGIC) {
          throw new TransportException("the program at " + peer.label() + "'s address " + at + " is not a Musketeer party; check the peers file");
        }
        if (h.version() != WIRE_VERSION) {
          throw new TransportException(peer.label() + " at " + at + " speaks wire version " + h.version() + ", " + self.label() + " speaks "
              + WIRE_VERSION + "; run the same Musketeer version on all parties");
        }
        if (h.role() != peer.ordinal()) {
          throw new TransportException("peer at " + at + " says it is the " + roleName(h.role()) + ", expected the " + peer.label()
              + "; check the peers file");
        }
        if (!h.session().equals(session)) {
          throw new TransportException(peer.label() + " at " + at + " answered for another session; run the same Musketeer version on all parties");
        }
        security.established(s, self, peer, session);
        return new Connection(peer, session, s, raw);
      } catch (SocketTimeoutException e) {
        closeQuietly(s);
        closeQuietly(raw);
        throw new TransportException(peer.label() + " at " + at + " accepted the connection but did not greet the " + self.label()
            + " within " + Timeouts.format(timeouts.connectTimeout()) + "; is it a Musketeer party, and is it still waiting for another party?", e);
      } catch (IOException e) {
        closeQuietly(s);
        closeQuietly(raw);
        throw new TransportException("lost connection to " + peer.label() + " at " + at + " during set-up (" + FramedTransport.describe(e)
            + "); check the " + peer.label() + "'s log", e);
      } catch (RuntimeException e) {
        closeQuietly(s);
        closeQuietly(raw);
        throw e;
      }
    }
  }

  // ---------------------------------------------------------------- accepting

  /**
   * Waits for the next connection on {@code ss} until {@code deadlineNanos} and greets it.
   *
   * @param allowed the roles that may connect now; a peer claiming another role is refused
   * @param connected roles already connected in this session (a second one is refused as a duplicate)
   * @param session the session the peer must belong to, or null to accept any (and learn it)
   * @throws SocketTimeoutException when nobody connected in time
   * @throws TransportException when the peer is not one that may connect, naming it
   */
  public Connection accept(ServerSocket ss, Set<Party> allowed, Set<Party> connected, SessionId session, long deadlineNanos)
      throws SocketTimeoutException {
    long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    Socket s;
    try {
      if (remainingMs <= 0) throw new SocketTimeoutException();
      ss.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remainingMs));
      s = ss.accept();
    } catch (SocketTimeoutException e) {
      throw e;
    } catch (IOException e) {
      throw new TransportException("the " + self.label() + " stopped listening on port " + ss.getLocalPort() + " ("
          + FramedTransport.describe(e) + ")", e);
    }
    return greet(s, ss.getLocalPort(), allowed, connected, session, deadlineNanos);
  }

  /** The accepting half of set-up on a socket just accepted; closes it on failure. */
  public Connection greet(Socket raw, int port, Set<Party> allowed, Set<Party> connected, SessionId session, long deadlineNanos) {
    String remote = String.valueOf(raw.getRemoteSocketAddress());
    Hello h;
    Socket s = raw;
    try {
      configure(raw);
      raw.setSoTimeout(millisUntil(deadlineNanos));
      s = security.secure(raw, self, null, remote);
      h = readHello(s);
      Party claimed = h.roleParty();
      if (h.magic() == MAGIC && h.version() == WIRE_VERSION && claimed != null && claimed != self && allowed.contains(claimed)) {
        security.verifyPeer(s, self, claimed, remote);
      }
      if (h.magic() == MAGIC) writeHello(s, self, claimed != null ? claimed : self, h.session());
    } catch (TransportException e) {
      closeQuietly(s);
      closeQuietly(raw);
      throw e;
    } catch (IOException e) {
      closeQuietly(s);
      closeQuietly(raw);
      String hint = security.refusalHint(self);
      throw new TransportException("peer at " + remote + " broke off during set-up with the " + self.label() + " ("
          + FramedTransport.describe(e) + ")" + (hint.isEmpty() ? "; is something other than a Musketeer party using port " + port + "?" : hint), e);
    }
    TransportException bad = null;
    Party p = h.roleParty();
    if (h.speaksTls()) {
      bad = new TransportException("peer at " + remote + " speaks TLS, but the " + self.label()
          + " runs with --plaintext; run all three parties with TLS (the default) or all with --plaintext");
    } else if (h.magic() != MAGIC) {
      bad = new TransportException("peer at " + remote + " is not a Musketeer party (bad greeting); is something else connecting to port " + port + "?");
    } else if (h.version() != WIRE_VERSION) {
      bad = new TransportException("peer at " + remote + " speaks wire version " + h.version() + ", the " + self.label() + " speaks "
          + WIRE_VERSION + "; run the same Musketeer version on all parties");
    } else if (p != null && connected.contains(p)) {
      bad = new TransportException("a second peer at " + remote + " says it is the " + p.label()
          + ", which is already connected; is that party running twice?");
    } else if (p == null || !allowed.contains(p)) {
      bad = new TransportException("peer at " + remote + " says it is the " + roleName(h.role()) + ", expected the "
          + allowed.stream().sorted().map(Party::label).collect(Collectors.joining(" or ")) + "; check the peers files");
    } else if (h.target() != self.ordinal()) {
      bad = new TransportException("peer at " + remote + " (the " + p.label() + ") expected to reach the " + roleName(h.target())
          + ", but port " + port + " belongs to the " + self.label() + "; check the peers file");
    } else if (session != null && !session.equals(h.session())) {
      bad = new TransportException("the " + p.label() + " at " + remote + " belongs to another session than the "
          + connected.stream().sorted().map(Party::label).collect(Collectors.joining(" and "))
          + "; is another client or server using this " + self.label() + "?");
    }
    if (bad != null) {
      closeQuietly(s);
      closeQuietly(raw);
      throw bad;
    }
    try {
      security.established(s, self, p, h.session());
    } catch (IOException e) {
      closeQuietly(s);
      closeQuietly(raw);
      throw new TransportException("lost connection to the " + p.label() + " at " + remote + " during set-up (" + FramedTransport.describe(e) + ")", e);
    }
    return new Connection(p, h.session(), s, raw);
  }

  // ---------------------------------------------------------------- links

  /** Starts the framed link on a connection; its sender thread runs until the transport closes. */
  Link link(Connection c) throws IOException {
    return new SocketLink(self, c.peer(), c.socket(), c.raw(), timeouts);
  }

  /** A transport over {@code connections}, one per peer; closes them all if it cannot start. */
  public FramedTransport transport(Connection... connections) {
    Link[] links = new Link[connections.length];
    byte[][] bindings = new byte[connections.length][];
    byte[][] keys = new byte[connections.length][];
    try {
      for (int i = 0; i < connections.length; i++) {
        Socket s = connections[i].socket();
        s.setSoTimeout(millis(timeouts.receiveTimeout().toNanos()));
        bindings[i] = security.channelBinding(s);
        keys[i] = security.peerPublicKey(s);
        links[i] = link(connections[i]);
      }
      return new FramedTransport(self, timeouts, links, bindings, keys);
    } catch (IOException e) {
      for (Link l : links) if (l != null) l.kill();
      for (Connection c : connections) closeQuietly(c.raw());
      throw new TransportException(self.label() + " could not start its links (" + FramedTransport.describe(e) + ")", e);
    }
  }

  // ---------------------------------------------------------------- hello

  static void configure(Socket s) throws IOException {
    s.setTcpNoDelay(true);
    s.setKeepAlive(true);
    s.setSendBufferSize(SocketLink.SOCKET_BUFFER);
    s.setReceiveBufferSize(SocketLink.SOCKET_BUFFER);
  }

  static byte[] hello(Party self, Party target, SessionId session) {
    return ByteBuffer.allocate(HELLO_BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(MAGIC).putInt(WIRE_VERSION).putInt(self.ordinal())
        .putInt(target.ordinal()).putLong(session.high()).putLong(session.low()).array();
  }

  private static void writeHello(Socket s, Party self, Party target, SessionId session) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(hello(self, target, session));
    out.flush();
  }

  private static Hello readHello(Socket s) throws IOException {
    byte[] b = new byte[HELLO_BYTES];
    InputStream in = s.getInputStream();
    int off = 0;
    while (off < HELLO_BYTES) {
      int n = in.read(b, off, HELLO_BYTES - off);
      if (n < 0) throw new java.io.EOFException("connection closed during the hello");
      off += n;
      // a peer that is not a Musketeer party may send fewer bytes and wait: decide on the magic at once
      if (off >= 4 && ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(0) != MAGIC) break;
    }
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    return new Hello(bb.getInt(), bb.getInt(), bb.getInt(), bb.getInt(), new SessionId(bb.getLong(), bb.getLong()));
  }

  static String roleName(int ordinal) {
    return ordinal >= 0 && ordinal < 3 ? Party.values()[ordinal].label() : "unknown role #" + ordinal;
  }

  private static int millisUntil(long deadlineNanos) {
    return millis(deadlineNanos - System.nanoTime());
  }

  private static int millis(long nanos) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(nanos)));
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransportException("interrupted while connecting");
    }
  }

  static void closeQuietly(AutoCloseable c) {
    SocketLink.closeQuietly(c);
  }
}
