package io.musketeer.mpc.random;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.Provider;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A pseudorandom generator: AES-128 in counter mode over a zero stream (AES-NI through the JDK's
 * intrinsics). Two parties holding the same key draw identical streams; never share a Prg between
 * threads.
 */
public final class Prg {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final int BUFFER = 1 << 14;
  private static final String TRANSFORMATION = "AES/CTR/NoPadding";
  /** Looked up once: a protocol creates thousands of streams, and the provider search is most of their set-up. */
  private static final Provider PROVIDER = provider();

  /** The plaintext of the counter mode: only ever read, so one array serves every stream. */
  private static final byte[] ZEROS = new byte[BUFFER];

  private final Cipher cipher;
  /** Allocated on the first draw that needs it: many streams are drawn straight into their destination. */
  private byte[] buf;
  private int pos = BUFFER;

  /** @param key 16 bytes */
  public Prg(byte[] key) {
    if (key.length != 16) throw new IllegalArgumentException("a Prg key is 16 bytes");
    try {
      cipher = Cipher.getInstance(TRANSFORMATION, PROVIDER);
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-CTR unavailable in this JDK", e);
    }
  }

  private static Provider provider() {
    try {
      return Cipher.getInstance(TRANSFORMATION).getProvider();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-CTR unavailable in this JDK", e);
    }
  }

  private void refill() {
    if (buf == null) buf = new byte[BUFFER];
    try {
      cipher.update(ZEROS, 0, BUFFER, buf, 0);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    pos = 0;
  }

  public long nextLong() {
    if (pos > BUFFER - 8) refill();
    long v = (long) LONGS.get(buf, pos);
    pos += 8;
    return v;
  }

  public void fill(long[] dst, int offset, int length) {
    int i = offset, end = offset + length;
    while (i < end) {
      if (pos > BUFFER - 8) refill();
      int n = Math.min(end - i, (BUFFER - pos) >>> 3);
      for (int k = 0; k < n; k++) dst[i + k] = (long) LONGS.get(buf, pos + 8 * k);
      pos += 8 * n;
      i += n;
    }
  }

  public long[] longs(int n) {
    long[] out = new long[n];
    fill(out, 0, n);
    return out;
  }

  public void fill(byte[] dst, int offset, int length) {
    int i = offset, end = offset + length;
    while (i < end) {
      if (pos == BUFFER && end - i >= 16) {
        // Nothing buffered: encrypt straight into dst (the same key stream, one copy less).
        int n = Math.min(BUFFER, (end - i) & ~15);
        try {
          cipher.update(ZEROS, 0, n, dst, i);
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException(e);
        }
        i += n;
        continue;
      }
      if (pos == BUFFER) refill();
      int n = Math.min(end - i, BUFFER - pos);
      System.arraycopy(buf, pos, dst, i, n);
      pos += n;
      i += n;
    }
  }

  public int nextByte() {
    if (pos == BUFFER) refill();
    return buf[pos++] & 0xff;
  }

  /** Uniform in [0, bound) without modulo bias. */
  public int nextInt(int bound) {
    if (bound <= 0) throw new IllegalArgumentException("bound must be positive");
    int mask = Integer.highestOneBit(Math.max(1, bound - 1)) * 2 - 1;
    while (true) {
      int v = (int) nextLong() & mask;
      if (v < bound) return v;
    }
  }
}
