package io.musketeer.mpc.random;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A pseudorandom generator: AES-128 in counter mode over a zero stream (AES-NI through the JDK's
 * intrinsics). Two parties holding the same key draw identical streams; never share a Prg between
 * threads.
 *
 * <p>A Prg keeps its key and how many blocks it has drawn, not a cipher: each encryption borrows a
 * cipher from a {@link Ciphers} pool and starts it at that block. A protocol creates thousands of short
 * streams per layer, and a cipher of their own cost each of them the JCE's provider and transformation
 * lookup, code that a cold run then also spent seconds compiling.
 */
public final class Prg {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final int BUFFER = 1 << 14;
  /** Counter blocks of a chunk of a stream: a chunk ends where the next one begins. */
  static final int CHUNK_BLOCKS_LOG2 = 32;

  /** The plaintext of the counter mode: only ever read, so one array serves every stream. */
  private static final byte[] ZEROS = new byte[BUFFER];

  private final SecretKeySpec key;
  private final Ciphers ciphers;
  /** The counter block the next encryption starts at. */
  private long blocks;
  /** The first counter block this stream may not use (the next chunk's). */
  private final long limit;
  /** Allocated on the first draw that needs it: many streams are drawn straight into their destination. */
  private byte[] buf;
  private int pos = BUFFER;

  /** A stream of its own, with a cipher pool of its own. @param key 16 bytes */
  public Prg(byte[] key) {
    this(key, new Ciphers());
  }

  /** @param key 16 bytes */
  Prg(byte[] key, Ciphers ciphers) {
    this(key, ciphers, 0, Long.MAX_VALUE);
  }

  /** The key's stream from counter block {@code first} on, for at most 2^{@value #CHUNK_BLOCKS_LOG2} blocks (a chunk of it). */
  Prg(byte[] key, Ciphers ciphers, long first) {
    this(key, ciphers, first, first + (1L << CHUNK_BLOCKS_LOG2));
  }

  private Prg(byte[] key, Ciphers ciphers, long first, long limit) {
    if (key.length != 16) throw new IllegalArgumentException("a Prg key is 16 bytes");
    this.key = new SecretKeySpec(key, "AES");
    this.ciphers = ciphers;
    this.blocks = first;
    this.limit = limit;
  }

  /** The next n bytes of the key stream (n a multiple of 16, at most {@link #BUFFER}) into dst[at ..]. */
  private void encrypt(byte[] dst, int at, int n) {
    if (limit - blocks < n >>> 4) throw new IllegalStateException("a chunk of a random stream ran into the next chunk");
    Cipher c = ciphers.borrow();
    try {
      byte[] counter = new byte[16]; // big-endian, as counter mode increments it
      for (int i = 0; i < 8; i++) counter[15 - i] = (byte) (blocks >>> (8 * i));
      c.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(counter));
      c.update(ZEROS, 0, n, dst, at);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-CTR failed", e);
    } finally {
      ciphers.giveBack(c);
    }
    blocks += n >>> 4;
  }

  private void refill() {
    if (buf == null) buf = new byte[BUFFER];
    encrypt(buf, 0, BUFFER);
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
        encrypt(dst, i, n);
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
