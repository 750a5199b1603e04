package io.musketeer.mpc.random;

import io.musketeer.mpc.Party;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.crypto.Mac;
import javax.crypto.SecretKey;

/**
 * The one source of randomness of a party. Streams shared with another party are keyed by
 * HMAC-SHA256(pair seed, purpose | op id): a counter-based PRF, so the holders stay in step no matter
 * how much either draws from other streams. Private streams are seeded from {@link SecureRandom}.
 * Pair seeds come from a key agreement per session ({@code KeyAgreement}); tests may inject them.
 *
 * <p>Belongs to one session: {@link #close()} at its end overwrites the seeds and the keyed HMACs
 * (kept in a pool of this object, not in the worker threads, so nothing keyed outlives the session);
 * afterwards every draw fails instead of running on wiped seeds.
 */
public final class Randomness implements AutoCloseable {
  private static final String HMAC = "HmacSHA256";
  private final Party self;
  /** The seed shared with each party by ordinal, the private seed at the self's; wiped on close. */
  private final byte[][] seeds = new byte[Party.values().length][];
  /**
   * Keyed HMACs per seed, lent to one thread at a time: re-keying costs two hashes per stream, and a
   * protocol derives thousands of streams per layer, from several worker threads.
   */
  private final List<ConcurrentLinkedQueue<Mac>> idle = new ArrayList<>();
  private final ConcurrentLinkedQueue<Mac> created = new ConcurrentLinkedQueue<>();
  /**
   * Keys of chunked streams, by stream; wiped on close. Keys dropped to bound the map are not wiped:
   * another thread may be copying one into its Prg at that moment.
   */
  private final Map<StreamId, byte[]> chunkKeys = new ConcurrentHashMap<>();
  private static final int MAX_CHUNK_KEYS = 1024;
  /** The streams' ciphers, wiped with the seeds. */
  private final Ciphers ciphers = new Ciphers();
  private volatile boolean closed;

  /**
   * @param pairSeeds the 32-byte seed this party shares with each other party
   * @param privateSeed this party's own 32-byte seed
   */
  public Randomness(Party self, Map<Party, byte[]> pairSeeds, byte[] privateSeed) {
    this.self = self;
    for (Party p : Party.values()) {
      idle.add(new ConcurrentLinkedQueue<>());
      if (p == self) continue;
      byte[] s = pairSeeds.get(p);
      if (s == null || s.length != 32) throw new IllegalArgumentException("missing 32-byte seed shared with " + p.label());
      seeds[p.ordinal()] = s.clone();
    }
    if (privateSeed.length != 32) throw new IllegalArgumentException("the private seed is 32 bytes");
    seeds[self.ordinal()] = privateSeed.clone();
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
    return stream(derive(other, purpose, opId, WHOLE));
  }

  /** This party's private stream for one purpose of one operation. */
  public Prg own(String purpose, long opId) {
    return stream(derive(self, purpose, opId, WHOLE));
  }

  /**
   * Chunk {@code chunk} of {@link #shared shared(other, purpose, opId)}'s key: that key's stream from
   * counter block chunk·2^32 on, so that the chunks of one call, drawn on several threads, never
   * overlap (each may draw 64 GiB). One HMAC per stream instead of one per chunk: the key is remembered
   * while the session runs.
   */
  public Prg sharedChunk(Party other, String purpose, long opId, int chunk) {
    if (other == self) throw new IllegalArgumentException("no pair stream with oneself");
    return chunk(other, purpose, opId, chunk);
  }

  /** Chunk {@code chunk} of this party's private stream for one purpose of one operation (as {@link #sharedChunk}). */
  public Prg ownChunk(String purpose, long opId, int chunk) {
    return chunk(self, purpose, opId, chunk);
  }

  private Prg stream(byte[] key) {
    try {
      return new Prg(key, ciphers);
    } finally {
      Arrays.fill(key, (byte) 0); // the Prg keeps its own copy
    }
  }

  private Prg chunk(Party with, String purpose, long opId, int chunk) {
    if (chunk < 0) throw new IllegalArgumentException("negative chunk " + chunk);
    StreamId id = new StreamId(with.ordinal(), purpose, opId);
    byte[] key = chunkKeys.get(id);
    if (key == null) {
      // forgetting keys costs only deriving them again; the bound keeps a long session's map small
      if (chunkKeys.size() >= MAX_CHUNK_KEYS) chunkKeys.clear();
      key = derive(with, purpose, opId, CHUNKED);
      chunkKeys.putIfAbsent(id, key);
    }
    if (closed) throw new IllegalStateException("this session's randomness is closed");
    return new Prg(key, ciphers, (long) chunk << Prg.CHUNK_BLOCKS_LOG2);
  }

  private record StreamId(int with, String purpose, long opId) {}

  /** The separator byte of a key's name: a chunked stream never shares a key with a whole one of the same name. */
  private static final byte WHOLE = 0, CHUNKED = 1;

  /** HMAC-SHA256(seed, purpose | kind | op id) truncated to an AES key; the seed shared with {@code with}, or the own seed for self. */
  private byte[] derive(Party with, String purpose, long opId, byte kind) {
    ConcurrentLinkedQueue<Mac> pool = idle.get(with.ordinal());
    Mac mac = pool.poll();
    try {
      if (mac == null) {
        mac = Mac.getInstance(HMAC);
        mac.init(new SeedKey(seeds[with.ordinal()]));
        created.add(mac);
      }
      if (closed) throw new IllegalStateException("this session's randomness is closed");
      byte[] name = purpose.getBytes(StandardCharsets.UTF_8);
      byte[] message = Arrays.copyOf(name, name.length + 9); // purpose | kind | op id, little-endian
      message[name.length] = kind;
      for (int i = 0; i < 8; i++) message[name.length + 1 + i] = (byte) (opId >>> (8 * i));
      byte[] full = mac.doFinal(message);
      byte[] key = Arrays.copyOf(full, 16);
      Arrays.fill(full, (byte) 0);
      return key;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable in this JDK", e);
    } finally {
      if (mac != null && !closed) pool.offer(mac);
    }
  }

  /** Overwrites the seeds and the chunked streams' keys, re-keys every HMAC and cipher made from them with zeros, then drops them. Idempotent. */
  @Override
  public void close() {
    closed = true;
    for (byte[] s : seeds) Arrays.fill(s, (byte) 0);
    byte[] zero = new byte[32];
    for (Mac m; (m = created.poll()) != null; ) {
      try {
        m.init(new SeedKey(zero));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
    for (ConcurrentLinkedQueue<Mac> q : idle) q.clear();
    ciphers.wipe();
    chunkKeys.values().forEach(k -> Arrays.fill(k, (byte) 0));
    chunkKeys.clear();
  }

  /**
   * The HMAC key over a seed array without a copy of its own (a {@code SecretKeySpec} would keep one
   * that nobody can wipe); the HMAC takes its bytes once, at init.
   */
  private record SeedKey(byte[] seed) implements SecretKey {
    @Override
    public String getAlgorithm() {
      return HMAC;
    }

    @Override
    public String getFormat() {
      return "RAW";
    }

    @Override
    public byte[] getEncoded() {
      return seed.clone();
    }

    @Override
    public String toString() {
      return "SeedKey"; // never the bytes
    }
  }

  @Override
  public String toString() {
    return "Randomness(" + self.label() + ")"; // never the seeds
  }
}
