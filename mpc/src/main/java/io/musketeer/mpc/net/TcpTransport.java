package io.musketeer.mpc.net;

import io.musketeer.mpc.Party;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One session between three OS processes over TCP: the set-up of {@code musketeer run}.
 *
 * <p>Roles decide who connects: the client draws the session id and dials the server and the
 * helper; the server accepts the client, then dials the helper with the client's session id; the
 * helper accepts both and checks that they belong to the same session. Each listening socket is
 * bound (to the party's address in the peers file) before anyone dials, and dialing retries with
 * backoff until the connect timeout, so the start order of the three processes does not matter.
 *
 * <p>The connections are made by a {@link Connector} with the given {@link LinkSecurity} and then
 * carried by {@link SocketLink}s under one {@link FramedTransport}, which numbers, checks and counts
 * every frame exactly as the in-memory transport does.
 */
public final class TcpTransport {
  private TcpTransport() {}

  /** Connects {@code self} to the other two parties over plaintext TCP with the default timeouts. */
  public static FramedTransport connect(Party self, Peers peers) {
    return connect(self, peers, Timeouts.defaults());
  }

  /** Connects {@code self} to the other two parties over plaintext TCP; blocks until both links are up or set-up fails. */
  public static FramedTransport connect(Party self, Peers peers, Timeouts timeouts) {
    return connect(new Connector(self, peers, timeouts, LinkSecurity.plaintext()), null);
  }

  /** As {@link #connect(Party, Peers, Timeouts)}, listening on an already bound socket (see {@link #connect(Connector, ServerSocket)}). */
  public static FramedTransport connect(Party self, Peers peers, Timeouts timeouts, ServerSocket listener) {
    return connect(new Connector(self, peers, timeouts, LinkSecurity.plaintext()), listener);
  }

  /**
   * Connects the connector's party to the other two. {@code listener}, if not null, is an already
   * bound socket to listen on (tests bind port 0 first, so there is no race for a free port); this
   * call takes it over and closes it once set-up ends. A party that listens for nobody (the client)
   * closes it at once.
   */
  public static FramedTransport connect(Connector connector, ServerSocket listener) {
    Party self = connector.self();
    long deadline = System.nanoTime() + connector.timeouts().connectTimeout().toNanos();
    Map<Party, Connector.Connection> connections = new EnumMap<>(Party.class);
    ServerSocket ss = listener;
    boolean ok = false;
    try {
      switch (self) {
        case CLIENT -> {
          Connector.closeQuietly(ss);
          ss = null;
          SessionId session = SessionId.random();
          connections.put(Party.SERVER, connector.dial(Party.SERVER, session, deadline));
          connections.put(Party.HELPER, connector.dial(Party.HELPER, session, deadline));
        }
        case SERVER -> {
          if (ss == null) ss = connector.listen();
          Connector.Connection client = acceptAll(connector, ss, EnumSet.of(Party.CLIENT), connections, deadline);
          connections.put(Party.HELPER, connector.dial(Party.HELPER, client.session(), deadline));
        }
        case HELPER -> {
          if (ss == null) ss = connector.listen();
          acceptAll(connector, ss, EnumSet.of(Party.CLIENT, Party.SERVER), connections, deadline);
        }
      }
      FramedTransport t = connector.transport(connections.values().toArray(Connector.Connection[]::new));
      ok = true;
      return t;
    } finally {
      Connector.closeQuietly(ss);
      if (!ok) for (Connector.Connection c : connections.values()) Connector.closeQuietly(c.socket());
    }
  }

  /** Accepts one connection from each of {@code expected}, all in one session; returns the last. */
  private static Connector.Connection acceptAll(Connector connector, ServerSocket ss, Set<Party> expected,
      Map<Party, Connector.Connection> connections, long deadline) {
    Set<Party> missing = EnumSet.copyOf(expected);
    Connector.Connection last = null;
    SessionId session = null;
    while (!missing.isEmpty()) {
      try {
        last = connector.accept(ss, expected, connections.keySet(), session, deadline);
      } catch (SocketTimeoutException e) {
        String who = missing.stream().map(Party::label).collect(Collectors.joining(" and "));
        throw new TransportException(who + " did not connect to the " + connector.self().label() + " (listening on port " + ss.getLocalPort()
            + ") within " + Timeouts.format(connector.timeouts().connectTimeout())
            + "; is it running, and does its peers file give this machine's address?", e);
      }
      session = last.session();
      connections.put(last.peer(), last);
      missing.remove(last.peer());
    }
    return last;
  }
}
