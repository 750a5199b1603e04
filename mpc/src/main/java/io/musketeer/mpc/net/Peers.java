package io.musketeer.mpc.net;

import io.musketeer.MusketeerException;
import io.musketeer.mpc.Party;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Where the three parties are, and which certificate each must present.
 *
 * <p>Who connects to whom is fixed by role (see {@link TcpTransport}): the client connects to the
 * server and the helper, the server connects to the helper. So the server and the helper listen on
 * their ports, bound to the address given here (that interface only); the client's entry names the
 * machine it runs on but nothing listens on its port (it is kept so that one file describes all three
 * parties). A long-running server's clients come from anywhere: write the client's address as {@code *}.
 *
 * <p>A peers file has one line per role, {@code #} starts a comment:
 *
 * <pre>
 * # role   = host:port        certificate fingerprint(s), as musketeer keygen prints them
 * client   = 10.0.0.1:7000    sha256:3f1a...
 * server   = 10.0.0.2:7001    sha256:9bc4...
 * helper   = helper.example:7002 sha256:04d2... sha256:77e0...   # two: the old key and its successor
 * </pre>
 *
 * With TLS (the default) every party's certificate must be pinned by at least one fingerprint; a
 * party presenting any other certificate is refused before anything is sent. With {@code --plaintext}
 * fingerprints may be left out. IPv6 literals are written in brackets: {@code server = [::1]:7001}.
 */
public record Peers(Address client, Address server, Address helper, Map<Party, List<Fingerprint>> pins) {

  /** A host name or address literal and a TCP port. */
  public record Address(String host, int port) {
    public Address {
      if (host == null || host.isBlank()) throw new IllegalArgumentException("empty host");
      if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port + " is outside 0..65535");
    }

    /** The client's address in a file for a long-running server: clients come from anywhere. */
    public static final Address ANY = new Address("*", 0);

    /** Parses {@code host:port} or {@code [ipv6]:port}; throws IllegalArgumentException with a short reason. */
    public static Address parse(String s) {
      String t = s.strip();
      if (t.equals("*")) return ANY;
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
      if (this.equals(ANY)) return "*";
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
  }

  public Peers {
    if (client == null || server == null || helper == null) throw new IllegalArgumentException("an address is needed for each of client, server and helper");
    if (server.equals(Address.ANY) || helper.equals(Address.ANY)) throw new IllegalArgumentException("only the client's address may be '*'");
    Map<Party, List<Fingerprint>> copy = new EnumMap<>(Party.class);
    for (Party p : Party.values()) copy.put(p, List.copyOf(pins.getOrDefault(p, List.of())));
    pins = java.util.Collections.unmodifiableMap(copy);
  }

  /** Addresses without certificate pins (for plaintext links and tests). */
  public Peers(Address client, Address server, Address helper) {
    this(client, server, helper, Map.of());
  }

  /** The fingerprints a party's certificate may have; empty when none is pinned. */
  public List<Fingerprint> pins(Party p) {
    return pins.get(p);
  }

  /** This file with {@code p}'s pins replaced. */
  public Peers withPins(Party p, List<Fingerprint> fingerprints) {
    Map<Party, List<Fingerprint>> m = new EnumMap<>(pins);
    m.put(p, fingerprints);
    return new Peers(client, server, helper, m);
  }

  /** Every role that lacks a pin, or empty: a TLS run needs one for each party it talks to. */
  public List<Party> unpinned() {
    return java.util.Arrays.stream(Party.values()).filter(p -> pins.get(p).isEmpty()).toList();
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
    Map<Party, List<Fingerprint>> pins = new EnumMap<>(Party.class);
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
      if (eq < 0) throw bad(source, lineNo, "expected 'role = host:port [sha256:FINGERPRINT ...]', got '" + line + "'");
      String roleText = line.substring(0, eq).strip();
      Party role;
      try {
        role = Party.parse(roleText);
      } catch (IllegalArgumentException e) {
        throw bad(source, lineNo, "unknown role '" + roleText + "' (expected client, server or helper)");
      }
      if (found.containsKey(role)) throw bad(source, lineNo, role.label() + " is already given on line " + lineOf.get(role));
      String[] fields = line.substring(eq + 1).strip().split("\\s+");
      Address a;
      try {
        if (fields[0].isEmpty()) throw new IllegalArgumentException("expected host:port after '='");
        a = Address.parse(fields[0]);
        if (a.equals(Address.ANY) && role != Party.CLIENT) {
          throw new IllegalArgumentException("only the client's address may be '*' (the " + role.label() + " is dialed: give its host:port)");
        }
      } catch (IllegalArgumentException e) {
        throw bad(source, lineNo, role.label() + ": " + e.getMessage());
      }
      List<Fingerprint> fps = new java.util.ArrayList<>();
      for (int k = 1; k < fields.length; k++) {
        try {
          Fingerprint f = Fingerprint.parse(fields[k]);
          if (fps.contains(f)) throw new IllegalArgumentException(f + " is given twice");
          fps.add(f);
        } catch (IllegalArgumentException e) {
          throw bad(source, lineNo, role.label() + ": " + e.getMessage());
        }
      }
      for (var other : pins.entrySet()) {
        for (Fingerprint f : fps) {
          if (other.getValue().contains(f)) {
            throw bad(source, lineNo, role.label() + " pins the " + other.getKey().label() + "'s certificate " + f + " (line " + lineOf.get(other.getKey())
                + "); each party needs its own key (musketeer keygen --role " + role.label() + ")");
          }
        }
      }
      for (var other : found.entrySet()) {
        if (a.equals(Address.ANY) || other.getValue().equals(Address.ANY)) continue;
        // two parties on one address would dial themselves or fail to bind
        if (other.getValue().port() == a.port() && other.getValue().host().equalsIgnoreCase(a.host())) {
          throw bad(source, lineNo, role.label() + " has the " + other.getKey().label() + "'s address " + a + " (line " + lineOf.get(other.getKey())
              + "); give each party its own host:port");
        }
      }
      found.put(role, a);
      pins.put(role, fps);
      lineOf.put(role, lineNo);
    }
    for (Party p : Party.values()) {
      if (!found.containsKey(p)) {
        throw new MusketeerException(source + ": no address for the " + p.label() + " (add a line '" + p.label() + " = host:port')");
      }
    }
    return new Peers(found.get(Party.CLIENT), found.get(Party.SERVER), found.get(Party.HELPER), pins);
  }

  private static MusketeerException bad(String source, int line, String what) {
    return new MusketeerException(source + " line " + line + ": " + what);
  }

  /** The text of a peers file that {@link #parse(String, String)} reads back to this value. */
  public String toFileText() {
    StringBuilder b = new StringBuilder();
    for (Party p : Party.values()) {
      b.append(p.label()).append(" = ").append(address(p));
      for (Fingerprint f : pins.get(p)) b.append(' ').append(f);
      b.append('\n');
    }
    return b.toString();
  }

  /**
   * n distinct free loopback ports, for a peers file of parties on one machine. All are held open while
   * they are chosen: a port just closed may be handed out again at once, and two parties would then share it.
   */
  public static int[] freeLoopbackPorts(int n) throws IOException {
    List<java.net.ServerSocket> held = new java.util.ArrayList<>();
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        held.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } finally {
      for (java.net.ServerSocket s : held) s.close();
    }
  }
}
