package io.musketeer.mpc.net;

import io.musketeer.MusketeerException;
import io.musketeer.mpc.Party;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * Where the three parties listen: one {@code host:port} per role.
 *
 * <p>Who connects to whom is fixed by role (see {@link TcpTransport}): the client connects to the
 * server and the helper, the server connects to the helper. So the server and the helper listen on
 * their ports, bound to the address given here (that interface only); the client's entry names the
 * machine it runs on but nothing listens on its port (it is kept so that one file describes all three
 * parties).
 *
 * <p>A peers file has one line per role, {@code #} starts a comment:
 *
 * <pre>
 * # three parties on one machine
 * client = 127.0.0.1:7000
 * server = 127.0.0.1:7001
 * helper = 127.0.0.1:7002
 * </pre>
 *
 * IPv6 literals are written in brackets: {@code server = [::1]:7001}.
 */
public record Peers(Address client, Address server, Address helper) {

  /** A host name or address literal and a TCP port. */
  public record Address(String host, int port) {
    public Address {
      if (host == null || host.isBlank()) throw new IllegalArgumentException("empty host");
      if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port + " is outside 0..65535");
    }

    /** Parses {@code host:port} or {@code [ipv6]:port}; throws IllegalArgumentException with a short reason. */
    public static Address parse(String s) {
      String t = s.strip();
      String host;
      String portText;
      if (t.startsWith("[")) {
        int close = t.indexOf(']');
        if (close < 0 || close + 1 >= t.length() || t.charAt(close + 1) != ':') {
          throw new IllegalArgumentException("expected [ipv6-address]:port, got '" + t + "'");
        }
        host = t.substring(1, close);
        portText = t.substring(close + 2);
      } else {
        int colon = t.lastIndexOf(':');
        if (colon < 0) throw new IllegalArgumentException("expected host:port, got '" + t + "' (no port)");
        host = t.substring(0, colon);
        portText = t.substring(colon + 1);
        if (host.indexOf(':') >= 0) throw new IllegalArgumentException("write IPv6 addresses in brackets, as [" + host + "]:" + portText);
      }
      if (host.isBlank()) throw new IllegalArgumentException("expected host:port, got '" + t + "' (no host)");
      int port;
      try {
        port = Integer.parseInt(portText);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("port '" + portText + "' is not a number");
      }
      if (port < 1 || port > 65535) throw new IllegalArgumentException("port " + port + " is outside 1..65535");
      return new Address(host, port);
    }

    @Override
    public String toString() {
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
  }

  public Peers {
    if (client == null || server == null || helper == null) throw new IllegalArgumentException("an address is needed for each of client, server and helper");
  }

  /** Three parties on this machine (127.0.0.1) at the given ports. */
  public static Peers localhost(int clientPort, int serverPort, int helperPort) {
    return new Peers(new Address("127.0.0.1", clientPort), new Address("127.0.0.1", serverPort), new Address("127.0.0.1", helperPort));
  }

  public Address address(Party p) {
    return switch (p) {
      case CLIENT -> client;
      case SERVER -> server;
      case HELPER -> helper;
    };
  }

  /** Reads a peers file; a problem ends in one line naming the file and the line. */
  public static Peers parse(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new MusketeerException("cannot read peers file " + file + " (" + e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "") + ")");
    }
    return parse(text, file.toString());
  }

  /**
   * Parses the text of a peers file.
   *
   * @param source the name used in error messages, such as the file's path
   */
  public static Peers parse(String text, String source) {
    Map<Party, Address> found = new EnumMap<>(Party.class);
    Map<Party, Integer> lineOf = new EnumMap<>(Party.class);
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int lineNo = i + 1;
      String line = lines[i];
      int hash = line.indexOf('#');
      if (hash >= 0) line = line.substring(0, hash);
      line = line.strip();
      if (line.isEmpty()) continue;
      int eq = line.indexOf('=');
      if (eq < 0) throw bad(source, lineNo, "expected 'role = host:port', got '" + line + "'");
      String roleText = line.substring(0, eq).strip();
      Party role;
      try {
        role = Party.parse(roleText);
      } catch (IllegalArgumentException e) {
        throw bad(source, lineNo, "unknown role '" + roleText + "' (expected client, server or helper)");
      }
      if (found.containsKey(role)) throw bad(source, lineNo, role.label() + " is already given on line " + lineOf.get(role));
      Address a;
      try {
        a = Address.parse(line.substring(eq + 1));
      } catch (IllegalArgumentException e) {
        throw bad(source, lineNo, role.label() + ": " + e.getMessage());
      }
      for (var other : found.entrySet()) {
        // two parties on one address would dial themselves or fail to bind
        if (other.getValue().port() == a.port() && other.getValue().host().equalsIgnoreCase(a.host())) {
          throw bad(source, lineNo, role.label() + " has the " + other.getKey().label() + "'s address " + a + " (line " + lineOf.get(other.getKey())
              + "); give each party its own host:port");
        }
      }
      found.put(role, a);
      lineOf.put(role, lineNo);
    }
    for (Party p : Party.values()) {
      if (!found.containsKey(p)) {
        throw new MusketeerException(source + ": no address for the " + p.label() + " (add a line '" + p.label() + " = host:port')");
      }
    }
    return new Peers(found.get(Party.CLIENT), found.get(Party.SERVER), found.get(Party.HELPER));
  }

  private static MusketeerException bad(String source, int line, String what) {
    return new MusketeerException(source + " line " + line + ": " + what);
  }

  /** The text of a peers file that {@link #parse(String, String)} reads back to this value. */
  public String toFileText() {
    return "client = " + client + "\nserver = " + server + "\nhelper = " + helper + "\n";
  }
}
