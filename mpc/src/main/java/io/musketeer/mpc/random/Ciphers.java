package io.musketeer.mpc.random;

import java.security.GeneralSecurityException;
import java.security.Provider;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-CTR ciphers lent to one encryption at a time, so that any number of {@link Prg} streams, on any
 * threads, share a few ciphers. Belongs to one session's {@link Randomness}: {@link #wipe()} re-keys
 * every cipher it made with zeros, so no key schedule outlives the session.
 */
final class Ciphers {
  private static final String TRANSFORMATION = "AES/CTR/NoPadding";
  /** Looked up once: the provider search is most of a cipher's set-up. */
  private static final Provider PROVIDER = provider();

  private final ConcurrentLinkedQueue<Cipher> idle = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Cipher> created = new ConcurrentLinkedQueue<>();

  private static Provider provider() {
    try {
      return Cipher.getInstance(TRANSFORMATION).getProvider();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-CTR unavailable in this JDK", e);
    }
  }

  Cipher borrow() {
    Cipher c = idle.poll();
    if (c != null) return c;
    try {
      c = Cipher.getInstance(TRANSFORMATION, PROVIDER);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-CTR unavailable in this JDK", e);
    }
    created.add(c);
    return c;
  }

  void giveBack(Cipher c) {
    idle.offer(c);
  }

  /** Re-keys every cipher made here with zeros and drops them; a later borrow makes a fresh one. */
  void wipe() {
    idle.clear();
    SecretKeySpec zero = new SecretKeySpec(new byte[16], "AES");
    IvParameterSpec iv = new IvParameterSpec(new byte[16]);
    for (Cipher c; (c = created.poll()) != null; ) {
      try {
        c.init(Cipher.ENCRYPT_MODE, zero, iv);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
