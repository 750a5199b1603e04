package io.musketeer.mpc.random;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Steps;
import io.musketeer.mpc.net.Transport;
import io.musketeer.mpc.net.TransportException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * Sets up a party's {@link Randomness} for one session: a fresh X25519 key agreement with each of the
 * other two parties (RFC 7748, BouncyCastle's raw X25519, so that the private keys are byte arrays this
 * class overwrites once used; the JDK's key objects cannot be destroyed), each shared secret expanded
 * with HKDF-SHA256 (RFC 5869) into the 32-byte pair seed, and a private seed from
 * {@link java.security.SecureRandom}. The seeds this returns are wiped by {@link Randomness#close()}.
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
    Map<Party, byte[]> mine = new EnumMap<>(Party.class), minePublic = new EnumMap<>(Party.class);
    try {
      SecureRandom random = new SecureRandom();
      for (Party p : Party.values()) {
        if (p == self) continue;
        byte[] k = new byte[KEY_BYTES];
        X25519.generatePrivateKey(random, k);
        mine.put(p, k);
        minePublic.put(p, publicKey(k));
        t.send(p, STEP, minePublic.get(p));
      }
      Map<Party, byte[]> seeds = new EnumMap<>(Party.class);
      for (Party p : Party.values()) {
        if (p == self) continue;
        byte[] theirs = t.receiveBytes(p, STEP, KEY_BYTES);
        byte[] secret = agree(mine.get(p), theirs);
        Arrays.fill(mine.get(p), (byte) 0); // this pair's private key is used once
        if (secret == null) {
          // a point of small order, whose shared secret is all zeros (RFC 7748 section 6.1)
          throw new TransportException("key agreement with " + p.label() + " failed: it sent an invalid public key (a point of small order)");
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
    } finally {
      for (byte[] k : mine.values()) Arrays.fill(k, (byte) 0); // also when a peer fails mid-way
    }
  }

  /** The RFC 7748 public key (u-coordinate, 32 bytes little-endian) of a 32-byte private key. */
  static byte[] publicKey(byte[] privateKey) {
    byte[] pub = new byte[KEY_BYTES];
    X25519.generatePublicKey(privateKey, 0, pub, 0);
    return pub;
  }

  /** X25519(privateKey, theirs): the 32-byte shared secret, or null when it is all zeros (a small-order point). */
  static byte[] agree(byte[] privateKey, byte[] theirs) {
    byte[] secret = new byte[KEY_BYTES];
    return X25519.calculateAgreement(privateKey, 0, theirs, 0, secret, 0) ? secret : null;
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
