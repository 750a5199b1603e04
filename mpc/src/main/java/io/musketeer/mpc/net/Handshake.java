package io.musketeer.mpc.net;

import io.musketeer.mpc.Party;
import java.nio.charset.StandardCharsets;

/**
 * The first exchange of a session: each party sends its program hash (hex, covering the model, the
 * scales and the protocol parameters) to both peers and compares theirs with its own, so parties that
 * would compute different things refuse to start instead of producing garbage.
 *
 * <p>Each direction carries two frames: the hash's length (one long), then its UTF-8 bytes, so hashes
 * of different lengths (another hash function, another version) still end in the clear mismatch
 * message rather than a frame-length desync.
 */
public final class Handshake {
  static final int STEP_LENGTH = Steps.id("session/program-hash/length");
  static final int STEP_HASH = Steps.id("session/program-hash");
  /** A longer "hash" is not a hash; refuse it rather than allocating what a peer asks for. */
  static final int MAX_HASH_BYTES = 1024;

  private Handshake() {}

  /**
   * Sends {@code programHash} to both peers and checks that theirs are equal to it.
   *
   * @throws TransportException naming the first peer whose hash differs
   */
  public static void verifyProgram(Transport t, String programHash) {
    byte[] ours = programHash.getBytes(StandardCharsets.UTF_8);
    if (ours.length == 0 || ours.length > MAX_HASH_BYTES) {
      throw new IllegalArgumentException("a program hash has 1.." + MAX_HASH_BYTES + " bytes");
    }
    Party self = t.self();
    for (Party p : Party.values()) {
      if (p == self) continue;
      t.send(p, STEP_LENGTH, new long[] {ours.length});
      t.send(p, STEP_HASH, ours);
    }
    for (Party p : Party.values()) {
      if (p == self) continue;
      long n = t.receiveLongs(p, STEP_LENGTH, 1)[0];
      if (n <= 0 || n > MAX_HASH_BYTES) {
        throw new TransportException("program mismatch with " + p.label() + ": it sent a program hash of " + n
            + " bytes; both must run the same Musketeer version, model, scale and protocol");
      }
      String theirs = new String(t.receiveBytes(p, STEP_HASH, (int) n), StandardCharsets.UTF_8);
      if (!theirs.equals(programHash)) {
        int shown = Math.max(8, firstDifference(programHash, theirs) + 4);
        throw new TransportException("program mismatch with " + p.label() + ": our hash " + abbreviate(programHash, shown) + ", theirs "
            + abbreviate(theirs, shown) + "; both must run the same model, scale, protocol and comparison batch");
      }
    }
  }

  private static int firstDifference(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) if (a.charAt(i) != b.charAt(i)) return i;
    return n;
  }

  /** The first {@code n} characters (enough to see where two hashes differ), printable ASCII only. */
  static String abbreviate(String hash, int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < hash.length() && i < n; i++) {
      char c = hash.charAt(i);
      b.append(Character.isLetterOrDigit(c) && c < 128 ? c : '?'); // a peer's bytes go into a log line: keep it printable
    }
    return hash.length() > n ? b + "…" : b.toString();
  }
}
