package io.musketeer.mpc.random;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Steps;
import io.musketeer.mpc.net.Transport;
import io.musketeer.mpc.net.TransportException;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Sets up a party's {@link Randomness} for one session: a fresh X25519 key agreement with each of the
 * other two parties (RFC 7748, the JDK's "XDH"), each shared secret expanded with HKDF-SHA256 (RFC 5869)
 * into the 32-byte pair seed, and a private seed from {@link java.security.SecureRandom}.
 *
 * <p>Every party makes a new key pair for each peer and each session, so a pair seed depends on two
 * private keys that only that pair's members ever hold: the helper sees neither the client's nor the
 * server's key pair for their link (that exchange does not even pass through it), and cannot compute
 * the client–server seed. This replaces the fixed key files of the released Porthos code
 * (PROTOCOLS.md §6, D3).
 *
 * <p>The HKDF info binds the seed to the pair (both roles), to both public keys and to the session
 * context (the program hash, perhaps with a session nonce), so seeds from different sessions,
 * programs or pairs are unrelated even if a key pair were reused.
 *
 * <p><b>Bound to the channel.</b> The public keys travel over the transport's link to that peer,
 * which is TLS 1.3 with both certificates pinned unless a party runs with {@code --plaintext}. The
 * HKDF info also takes the link's {@link Transport#channelBinding channel binding} (the TLS exporter),
 * so a seed exists only for the two ends of that one authenticated channel: a party in the middle
 * would need a pinned certificate's key to be an end at all, and could not relay the exchange into
 * another channel. Over plaintext links (and in memory) the binding is empty and nothing is
 * authenticated: an active network attacker could sit in the middle, which is what {@code --plaintext}
 * warns about.
 *
 * <p>No key, secret or seed is ever logged or put into an exception message.
 */
public final class KeyAgreement {
  static final int STEP = Steps.id("session/key-agreement/x25519");
  static final int KEY_BYTES = 32;
  private static final byte[] SALT = "musketeer/pair-seed/x25519-hkdf-sha256/v1".getBytes(StandardCharsets.UTF_8);

  private KeyAgreement() {}

  /**
   * Runs the key agreement with both peers over {@code t} and returns this party's randomness.
   * All three parties must call this at the same point of the session with the same context.
   *
   * @param sessionContext binds the seeds to this session, e.g. the program hash and a session nonce
   */
  public static Randomness establish(Transport t, String sessionContext) {
    Map<Party, byte[]> seeds = pairSeeds(t, sessionContext);
    byte[] own = Randomness.freshSeed();
    try {
      return new Randomness(t.self(), seeds, own);
    } finally {
      for (byte[] s : seeds.values()) Arrays.fill(s, (byte) 0);
      Arrays.fill(own, (byte) 0);
    }
  }

  /** The 32-byte seed shared with each peer; visible to tests in this package. */
  static Map<Party, byte[]> pairSeeds(Transport t, String sessionContext) {
    Party self = t.self();
    Map<Party, KeyPair> mine = new EnumMap<>(Party.class);
    Map<Party, byte[]> minePublic = new EnumMap<>(Party.class);
    try {
      KeyPairGenerator kpg = KeyPairGenerator.getInstance("X25519");
      for (Party p : Party.values()) {
        if (p == self) continue;
        KeyPair kp = kpg.generateKeyPair();
        byte[] pub = encode((XECPublicKey) kp.getPublic());
        mine.put(p, kp);
        minePublic.put(p, pub);
        t.send(p, STEP, pub);
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("X25519 is unavailable in this JDK", e);
    }
    Map<Party, byte[]> seeds = new EnumMap<>(Party.class);
    for (Party p : Party.values()) {
      if (p == self) continue;
      byte[] theirs = t.receiveBytes(p, STEP, KEY_BYTES);
      byte[] secret;
      try {
        javax.crypto.KeyAgreement ka = javax.crypto.KeyAgreement.getInstance("XDH");
        ka.init(mine.get(p).getPrivate());
        ka.doPhase(decode(theirs), true);
        secret = ka.generateSecret();
      } catch (GeneralSecurityException e) {
        // e.g. a small-order point, whose shared secret would be all zeros (RFC 7748 section 6.1)
        throw new TransportException("key agreement with " + p.label() + " failed: it sent an invalid public key ("
            + e.getClass().getSimpleName() + ")");
      }
      Party lo = self.ordinal() < p.ordinal() ? self : p;
      Party hi = lo == self ? p : self;
      byte[] pkLo = lo == self ? minePublic.get(p) : theirs;
      byte[] pkHi = lo == self ? theirs : minePublic.get(p);
      try {
        seeds.put(p, hkdf(SALT, secret, info(lo, hi, pkLo, pkHi, t.channelBinding(p), sessionContext), 32));
      } finally {
        Arrays.fill(secret, (byte) 0);
      }
    }
    return seeds;
  }

  private static byte[] info(Party lo, Party hi, byte[] pkLo, byte[] pkHi, byte[] channelBinding, String sessionContext) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    field(b, "musketeer pair seed".getBytes(StandardCharsets.UTF_8));
    field(b, lo.label().getBytes(StandardCharsets.UTF_8));
    field(b, hi.label().getBytes(StandardCharsets.UTF_8));
    field(b, pkLo);
    field(b, pkHi);
    field(b, channelBinding);
    field(b, sessionContext.getBytes(StandardCharsets.UTF_8));
    return b.toByteArray();
  }

  /** Length-prefixed, so that no two different field lists give the same bytes. */
  private static void field(ByteArrayOutputStream b, byte[] v) {
    int n = v.length;
    b.write(n >>> 24);
    b.write(n >>> 16);
    b.write(n >>> 8);
    b.write(n);
    b.writeBytes(v);
  }

  /** RFC 7748 encoding: the u-coordinate, 32 bytes little-endian. */
  static byte[] encode(XECPublicKey k) {
    byte[] be = k.getU().toByteArray();
    byte[] out = new byte[KEY_BYTES];
    for (int i = 0; i < KEY_BYTES && i < be.length; i++) out[i] = be[be.length - 1 - i];
    return out;
  }

  static PublicKey decode(byte[] le) throws GeneralSecurityException {
    byte[] be = new byte[KEY_BYTES];
    for (int i = 0; i < KEY_BYTES; i++) be[i] = le[KEY_BYTES - 1 - i];
    be[0] &= 0x7f; // RFC 7748 section 5: ignore the top bit of the last byte
    return KeyFactory.getInstance("XDH").generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, be)));
  }

  /** HKDF-SHA256 (RFC 5869): extract, then expand to {@code length} bytes. Two HMACs from the JDK. */
  static byte[] hkdf(byte[] salt, byte[] ikm, byte[] info, int length) {
    if (length <= 0 || length > 255 * 32) throw new IllegalArgumentException("HKDF-SHA256 gives 1..8160 bytes");
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(salt.length == 0 ? new byte[32] : salt, "HmacSHA256"));
      byte[] prk = mac.doFinal(ikm);
      mac.init(new SecretKeySpec(prk, "HmacSHA256"));
      Arrays.fill(prk, (byte) 0);
      byte[] out = new byte[length];
      byte[] block = new byte[0];
      for (int i = 1, pos = 0; pos < length; i++) {
        mac.update(block);
        mac.update(info);
        mac.update((byte) i);
        Arrays.fill(block, (byte) 0);
        block = mac.doFinal();
        int n = Math.min(block.length, length - pos);
        System.arraycopy(block, 0, out, pos, n);
        pos += n;
      }
      Arrays.fill(block, (byte) 0);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable in this JDK", e);
    }
  }
}
