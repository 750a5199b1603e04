package io.musketeer.mpc.attest;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Fingerprint;
import io.musketeer.mpc.net.Steps;
import io.musketeer.mpc.net.Transport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Malicious mode's session layer (CrypTFlow's Aramis on today's TEEs): each party proves to each peer,
 * before anything else is sent, which code it runs and that it is the end of this very channel; and
 * no output is opened until every party has confirmed that the whole session ended cleanly.
 *
 * <p><b>Evidence</b> (the first frames on every link). A party sends its {@link Measurement} and its
 * provider's evidence over 64 bytes of report data: SHA-512 of the measurement, the link's channel
 * binding (the TLS exporter, RFC 8446 section 7.5, unique to this connection and known only to its two
 * ends), its TLS public key and both roles. The peer recomputes the report data from its own view of
 * the channel, so evidence replayed from another session or relayed from another connection fails; it
 * verifies the evidence with the provider the policy names for that role, then requires the attested
 * measurement to be one the policy lists for that role. A refused peer is told why and nothing of the
 * session (no program hash, no key, no share) is ever sent to it.
 *
 * <p><b>Why TLS and not another MAC.</b> The TLS endpoint is inside the trusted boundary (it is this
 * process) and its keys are made here for this run ({@link AttestedTls}), so a corrupted host sees only
 * ciphertext: TLS 1.3's record protection (AEAD with an implicit sequence number) already authenticates
 * every message, and any bit flip, replayed, reordered, dropped or injected record fails decryption
 * at the record where it happens. What TLS cannot give, this layer adds: that the far end is attested
 * code (the evidence); that every frame is the one the protocol expects next (the transport's sequence
 * numbers and step ids, checked at every receive); and that the session ended cleanly on all three
 * links, including the two a party cannot see itself.
 *
 * <p><b>End of session</b> ({@link #confirmBeforeReveal}, then {@link #finish}). Once the program has
 * run and only the output's opening is left:
 * <ol>
 *   <li>each party sends CLEAN to both peers and waits for both CLEANs. A CLEAN read where the
 *       receiver expects it proves that every frame before it on that link arrived, intact (TLS) and
 *       in order (the transport's sequence numbers and step ids, checked at every receive: a frame
 *       lost, repeated or left unread shows as a desync there), so no transcript digest is needed;
 *   <li>the helper, with both CLEANs, tells the server so (DONE): it neither opens nor reveals
 *       anything, and only this tells the server that the helper's last messages arrived;
 *   <li>the server sends its output shares (the only opening), the client adds them;
 *   <li>the client sends a RECEIPT to both; the server and the helper end successfully only on it.
 * </ol>
 * Every message before the output shares is one that its receiver waits for before the shares are
 * sent or opened: the last on each link is a CLEAN, the helper's DONE, or the shares themselves. So
 * any failure, close, timeout, dropped or unexpected frame before step 3 ends every party with an
 * abort and no output. The RECEIPT is the last message: a host that suppresses it leaves the server and the helper
 * reporting a failure while the client has its result, as the last message of any protocol must.
 */
public final class AttestedSession {
  static final int STEP_EVIDENCE_LENGTH = Steps.id("attest/evidence/length");
  static final int STEP_EVIDENCE = Steps.id("attest/evidence");
  static final int STEP_CLEAN = Steps.id("attest/confirm/clean");
  static final int STEP_HELPER_DONE = Steps.id("attest/confirm/helper-done");
  static final int STEP_RECEIPT = Steps.id("attest/confirm/receipt");
  static final int MAX_EVIDENCE_BYTES = 256 * 1024;
  private static final byte[] REPORT_LABEL = "musketeer attested session v1".getBytes(StandardCharsets.US_ASCII);

  private final Party self;
  private final Transport transport;

  private AttestedSession(Party self, Transport transport) {
    this.self = self;
    this.transport = transport;
  }

  /**
   * Exchanges evidence with both peers over {@code t} and verifies theirs at time {@code now}.
   *
   * @param own this party's measurement (its role is {@code t.self()})
   * @throws AttestationException naming the refused peer and why; the caller aborts the transport
   */
  public static AttestedSession establish(Transport t, Measurement own, SessionSecurity security, Instant now) {
    Party self = t.self();
    if (own.role() != self) throw new IllegalArgumentException("measurement of the " + own.role().label() + " for the " + self.label());
    if (!security.malicious()) throw new IllegalArgumentException("an attested session needs malicious mode");
    Policy policy = security.policy();
    checkOwn(own, policy);
    Map<Party, IntegrityProvider.Verifier> verifiers = security.verifiers(self);
    byte[] ownMeasurement = own.encode();
    byte[] ownKey = security.tlsPublicKey();
    Map<Party, byte[]> sentMessages = new EnumMap<>(Party.class);
    for (Party p : others(self)) {
      byte[] binding = t.channelBinding(p);
      IntegrityProvider.Binding b = new IntegrityProvider.Binding(reportData(ownMeasurement, binding, ownKey, self, p), binding, ownKey);
      byte[] message = message(security.provider(), ownMeasurement, security.attester().attest(b));
      sentMessages.put(p, message);
      t.send(p, STEP_EVIDENCE_LENGTH, new long[] {message.length});
      t.send(p, STEP_EVIDENCE, message);
    }
    for (Party p : others(self)) {
      long n = t.receiveLongs(p, STEP_EVIDENCE_LENGTH, 1)[0];
      if (n <= 0 || n > MAX_EVIDENCE_BYTES) throw refused(p, "it sent evidence of " + n + " bytes");
      byte[] message = t.receiveBytes(p, STEP_EVIDENCE, (int) n);
      byte[] binding = t.channelBinding(p);
      verifyPeer(p, self, message, binding, t.peerPublicKey(p), own, policy, verifiers.get(p), now);
    }
    return new AttestedSession(self, t);
  }

  /**
   * Refuses to go on when {@code policy} does not list this party's own measurement (its peers would
   * refuse every session): a long-running service checks this once at start.
   */
  public static void checkOwn(Measurement own, Policy policy) {
    List<Fingerprint> mine = policy.measurements(own.role());
    if (mine.isEmpty()) {
      throw new AttestationException("policy " + policy.source() + " lists no measurement for the " + own.role().label() + " (add 'measurement."
          + own.role().label() + " = " + own.digest() + "' as musketeer measure prints it)");
    }
    if (!mine.contains(own.digest())) {
      throw new AttestationException("this " + own.role().label() + "'s measurement " + own.digest() + " is not one that policy " + policy.source()
          + " lists for the " + own.role().label() + " (" + join(mine) + "): the peers would refuse it; is this the build, model, scale and protocol "
          + "the policy was made for? (musketeer measure prints this build's measurements)");
    }
  }

  private static void verifyPeer(Party p, Party self, byte[] message, byte[] binding, byte[] peerKey, Measurement own, Policy policy,
      IntegrityProvider.Verifier verifier, Instant now) {
    String provider;
    byte[] measurementBytes, evidence;
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(message));
      provider = in.readUTF();
      measurementBytes = field(in, Measurement.MAX_BYTES);
      evidence = field(in, MAX_EVIDENCE_BYTES);
      if (in.available() != 0) throw new IOException("trailing bytes");
    } catch (IOException e) {
      throw refused(p, "its evidence message is malformed (" + e.getMessage() + ")");
    }
    String wanted = policy.provider(p);
    if (!wanted.equals(provider)) {
      throw refused(p, "it attested with the '" + printable(provider) + "' provider, policy " + policy.source() + " requires '" + wanted
          + "' for the " + p.label());
    }
    IntegrityProvider.Binding expected = new IntegrityProvider.Binding(reportData(measurementBytes, binding, peerKey, p, self), binding, peerKey);
    try {
      verifier.verify(p, evidence, expected, now);
    } catch (AttestationException e) {
      throw refused(p, e.getMessage());
    }
    Measurement theirs;
    try {
      theirs = Measurement.decode(measurementBytes);
    } catch (IllegalArgumentException e) {
      throw refused(p, "its attested measurement is malformed (" + e.getMessage() + ")");
    }
    if (theirs.role() != p) throw refused(p, "its attested measurement is that of the " + theirs.role().label());
    List<Fingerprint> allowed = policy.measurements(p);
    if (!allowed.contains(theirs.digest())) {
      String diff = own.as(p).differences(theirs);
      throw refused(p, "its measurement " + theirs.digest() + " is not the policy's for the " + p.label() + " (" + join(allowed) + ")"
          + (diff.isEmpty() ? "" : "; against this party's build it differs in: " + diff));
    }
  }

  /**
   * Steps 1 and 2 of the end of session: CLEAN from everyone, then the helper's DONE to the server.
   * Transport failures (a close, a timeout, a frame out of place) come out as they happen.
   */
  public void confirmBeforeReveal() {
    for (Party p : others(self)) transport.send(p, STEP_CLEAN, new long[] {1});
    for (Party p : others(self)) {
      long v = transport.receiveLongs(p, STEP_CLEAN, 1)[0];
      if (v != 1) throw new AttestationException("the " + p.label() + " did not confirm a clean session");
    }
    if (self == Party.HELPER) transport.send(Party.SERVER, STEP_HELPER_DONE, new long[] {1});
    if (self == Party.SERVER && transport.receiveLongs(Party.HELPER, STEP_HELPER_DONE, 1)[0] != 1) {
      throw new AttestationException("the helper did not confirm that the session ended cleanly");
    }
  }

  /** Step 4: the client confirms it has its output; the server and the helper wait for that. */
  public void finish() {
    if (self == Party.CLIENT) {
      for (Party p : others(self)) transport.send(p, STEP_RECEIPT, new long[] {1});
    } else {
      long v = transport.receiveLongs(Party.CLIENT, STEP_RECEIPT, 1)[0];
      if (v != 1) throw new AttestationException("the client did not confirm that it received the result");
    }
  }

  // ---------------------------------------------------------------- encodings

  static byte[] reportData(byte[] measurement, byte[] channelBinding, byte[] publicKey, Party attester, Party verifier) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-512");
      for (byte[] f : new byte[][] {REPORT_LABEL, measurement, channelBinding, publicKey, attester.label().getBytes(StandardCharsets.US_ASCII),
          verifier.label().getBytes(StandardCharsets.US_ASCII)}) {
        d.update(new byte[] {(byte) (f.length >>> 24), (byte) (f.length >>> 16), (byte) (f.length >>> 8), (byte) f.length});
        d.update(f);
      }
      return d.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-512 is missing from this JDK", e);
    }
  }

  private static byte[] message(String provider, byte[] measurement, byte[] evidence) {
    try {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(b);
      out.writeUTF(provider);
      out.writeInt(measurement.length);
      out.write(measurement);
      out.writeInt(evidence.length);
      out.write(evidence);
      return b.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] field(DataInputStream in, int max) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > max) throw new IOException("a field of " + n + " bytes");
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  private static AttestationException refused(Party p, String why) {
    return new AttestationException("refused the " + p.label() + ": " + why);
  }

  private static List<Party> others(Party self) {
    return Arrays.stream(Party.values()).filter(p -> p != self).toList();
  }

  private static String join(List<Fingerprint> f) {
    return f.stream().map(Fingerprint::toString).collect(Collectors.joining(" or "));
  }

  private static String printable(String s) {
    String t = s.chars().filter(c -> c >= 0x20 && c < 0x7f).limit(40).mapToObj(c -> String.valueOf((char) c)).collect(Collectors.joining());
    return t;
  }
}
