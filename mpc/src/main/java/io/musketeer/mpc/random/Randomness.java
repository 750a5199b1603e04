package io.musketeer.mpc.random;

import io.musketeer.mpc.Party;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The one source of randomness of a party. Streams shared with another party are keyed by
 * HMAC-SHA256(pair seed, purpose | op id): a counter-based PRF, so the holders stay in step no matter
 * how much either draws from other streams. Private streams are seeded from {@link SecureRandom}.
 * Pair seeds come from a key agreement per session ({@code KeyAgreement}); tests may inject them.
 */
public final class Randomness {
  private static final String HMAC = "HmacSHA256";
  private final Party self;
  private final Map<Party, byte[]> pairSeeds = new EnumMap<>(Party.class);
  private final byte[] privateSeed;
  /** Per thread, an HMAC keyed with each seed (by party ordinal; the own seed at the self's): re-keying costs two hashes per stream. */
  private final ThreadLocal<Mac[]> macs = ThreadLocal.withInitial(() -> new Mac[Party.values().length]);

  /**
   * @param pairSeeds the 32-byte seed this party shares with each other party
   * @param privateSeed this party's own 32-byte seed
   */
  public Randomness(Party self, Map<Party, byte[]> pairSeeds, byte[] privateSeed) {
    this.self = self;
    for (Party p : Party.values()) {
      if (p == self) continue;
      byte[] s = pairSeeds.get(p);
      if (s == null || s.length != 32) throw new IllegalArgumentException("missing 32-byte seed shared with " + p.label());
      this.pairSeeds.put(p, s.clone());
    }
    this.privateSeed = privateSeed.clone();
  }

  /** Fresh private seed from the operating system's secure source. */
  public static byte[] freshSeed() {
    byte[] s = new byte[32];
    new SecureRandom().nextBytes(s);
    return s;
  }

  public Party self() {
    return self;
  }

  /** The stream this party shares with {@code other} for one purpose of one operation. */
  public Prg shared(Party other, String purpose, long opId) {
    if (other == self) throw new IllegalArgumentException("no pair stream with oneself");
    return new Prg(derive(other, purpose, opId));
  }

  /** This party's private stream for one purpose of one operation. */
  public Prg own(String purpose, long opId) {
    return new Prg(derive(self, purpose, opId));
  }

  /** HMAC-SHA256(seed, purpose | 0 | op id) truncated to an AES key; the seed shared with {@code with}, or the own seed for self. */
  private byte[] derive(Party with, String purpose, long opId) {
    try {
      Mac[] keyed = macs.get();
      Mac mac = keyed[with.ordinal()];
      if (mac == null) {
        mac = Mac.getInstance(HMAC);
        mac.init(new SecretKeySpec(with == self ? privateSeed : pairSeeds.get(with), HMAC));
        keyed[with.ordinal()] = mac;
      }
      mac.update(purpose.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 0);
      for (int i = 0; i < 8; i++) mac.update((byte) (opId >>> (8 * i)));
      return Arrays.copyOf(mac.doFinal(), 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable in this JDK", e);
    }
  }

  @Override
  public String toString() {
    return "Randomness(" + self.label() + ")"; // never the seeds
  }
}
