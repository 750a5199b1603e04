package io.musketeer.mpc.attest;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Fingerprint;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * What one party runs, as its evidence states and a policy expects it: the code
 * ({@link CodeMeasurement}), the role, the program hash (model structure, shapes, scales and the
 * protocol parameters), the protocol parameters again in the clear (so a mismatch message can say
 * what differs), and the security mode. {@link #digest()} is the value a policy pins per role.
 *
 * <p>The encoding is a few lines of ASCII, at most {@link #MAX_BYTES}; {@link #decode} reads a peer's
 * copy strictly (a peer's bytes are untrusted until its evidence is verified).
 */
public record Measurement(Fingerprint code, Party role, String programHash, String protocol, SecurityMode mode) {
  static final int MAX_BYTES = 4096;
  private static final String MAGIC = "musketeer-measurement-v1";

  public Measurement {
    if (!printable(programHash) || !printable(protocol)) throw new IllegalArgumentException("program hash and protocol are one line of printable ASCII");
  }

  /** {@code sha256:HEX} of the encoding: what {@code measurement.ROLE} in a policy names. */
  public Fingerprint digest() {
    MessageDigest d = CodeMeasurement.sha256();
    return new Fingerprint(CodeMeasurement.hex(d.digest(encode())));
  }

  public byte[] encode() {
    String s = MAGIC + "\ncode=" + code + "\nrole=" + role.label() + "\nprogram=" + programHash + "\nprotocol=" + protocol + "\nsecurity=" + mode.label() + "\n";
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** @throws IllegalArgumentException when the bytes are not a measurement */
  static Measurement decode(byte[] b) {
    if (b.length > MAX_BYTES) throw new IllegalArgumentException("a measurement of " + b.length + " bytes");
    String s = new String(b, StandardCharsets.US_ASCII);
    String[] lines = s.split("\n", -1);
    if (lines.length != 7 || !lines[0].equals(MAGIC) || !lines[6].isEmpty()) throw new IllegalArgumentException("not a measurement");
    String[] keys = {"code", "role", "program", "protocol", "security"};
    String[] v = new String[5];
    for (int i = 0; i < 5; i++) {
      String line = lines[i + 1];
      if (!line.startsWith(keys[i] + "=")) throw new IllegalArgumentException("not a measurement");
      v[i] = line.substring(keys[i].length() + 1);
    }
    Measurement m = new Measurement(Fingerprint.parse(v[0]), Party.parse(v[1]), v[2], v[3], SecurityMode.parse(v[4]));
    if (!java.util.Arrays.equals(m.encode(), b)) throw new IllegalArgumentException("not a canonical measurement");
    return m;
  }

  /** The parts in which {@code other} differs from this one, e.g. "code, program"; empty if none. */
  public String differences(Measurement other) {
    List<String> d = new ArrayList<>();
    if (!code.equals(other.code)) d.add("code " + other.code.hex().substring(0, 12) + "… against " + code.hex().substring(0, 12) + "…");
    if (role != other.role) d.add("role " + other.role.label() + " against " + role.label());
    if (!programHash.equals(other.programHash)) d.add("program " + abbreviate(other.programHash) + " against " + abbreviate(programHash));
    if (!protocol.equals(other.protocol)) d.add("protocol " + other.protocol + " against " + protocol);
    if (mode != other.mode) d.add("security " + other.mode.label() + " against " + mode.label());
    return String.join(", ", d);
  }

  /** This measurement as the given role would have it (same code, program, protocol and mode). */
  public Measurement as(Party other) {
    return new Measurement(code, other, programHash, protocol, mode);
  }

  private static String abbreviate(String s) {
    return s.length() > 12 ? s.substring(0, 12) + "…" : s;
  }

  private static boolean printable(String s) {
    return s != null && !s.isEmpty() && s.length() < 1024 && s.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
  }
}
