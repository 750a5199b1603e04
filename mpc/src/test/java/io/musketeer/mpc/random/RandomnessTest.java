package io.musketeer.mpc.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.musketeer.core.Parallel;
import io.musketeer.mpc.Party;
import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Queue;
import org.junit.jupiter.api.Test;

class RandomnessTest {
  private static byte[] seed(int b) {
    byte[] s = new byte[32];
    Arrays.fill(s, (byte) b);
    return s;
  }

  private static Randomness client() {
    Map<Party, byte[]> pairs = new EnumMap<>(Party.class);
    pairs.put(Party.SERVER, seed(1));
    pairs.put(Party.HELPER, seed(2));
    return new Randomness(Party.CLIENT, pairs, seed(3));
  }

  @Test
  void streamsArePerPurposeAndOperationAndTheSameFromAnyThread() {
    Randomness r = client();
    long a = r.shared(Party.SERVER, "x", 1).nextLong();
    assertEquals(a, r.shared(Party.SERVER, "x", 1).nextLong());
    assertNotEquals(a, r.shared(Party.SERVER, "x", 2).nextLong());
    assertNotEquals(a, r.shared(Party.SERVER, "y", 1).nextLong());
    assertNotEquals(a, r.shared(Party.HELPER, "x", 1).nextLong());
    assertNotEquals(a, r.own("x", 1).nextLong());
    long[] fromWorkers = new long[64];
    try (Parallel pool = Parallel.withThreads(4)) {
      pool.forEach(64, i -> fromWorkers[i] = r.shared(Party.SERVER, "x", 1).nextLong());
    }
    long[] want = new long[64];
    Arrays.fill(want, a);
    assertArrayEquals(want, fromWorkers);
  }

  @Test
  void chunksAreStreamsOfTheirOwnAndTheSameFromAnyThreadAndAfterTheKeysAreForgotten() {
    Randomness r = client();
    long c0 = r.sharedChunk(Party.SERVER, "x", 1, 0).nextLong();
    assertNotEquals(c0, r.sharedChunk(Party.SERVER, "x", 1, 1).nextLong());
    assertNotEquals(c0, r.shared(Party.SERVER, "x", 1).nextLong(), "a chunked stream shares its key with the whole stream of its name");
    assertNotEquals(c0, r.sharedChunk(Party.SERVER, "x", 2, 0).nextLong());
    assertNotEquals(c0, r.sharedChunk(Party.HELPER, "x", 1, 0).nextLong());
    assertNotEquals(c0, r.ownChunk("x", 1, 0).nextLong());
    long[] fromWorkers = new long[64];
    try (Parallel pool = Parallel.withThreads(4)) {
      pool.forEach(64, i -> fromWorkers[i] = r.sharedChunk(Party.SERVER, "x", 1, i).nextLong());
    }
    for (int i = 0; i < 3000; i++) r.sharedChunk(Party.SERVER, "fill", i, 0); // more keys than are kept
    for (int i = 0; i < 64; i++) assertEquals(fromWorkers[i], r.sharedChunk(Party.SERVER, "x", 1, i).nextLong());
    assertEquals(c0, fromWorkers[0]);
    assertThrows(IllegalArgumentException.class, () -> r.sharedChunk(Party.CLIENT, "x", 1, 0));
  }

  @Test
  void closingWipesTheSeedsTheKeyedHmacsAndCiphersAndStopsAllDraws() throws Exception {
    Randomness r = client();
    try (Parallel pool = Parallel.withThreads(4)) {
      pool.forEach(64, i -> r.shared(Party.SERVER, "x", i).nextLong()); // keyed HMACs made on worker threads
      pool.forEach(64, i -> r.sharedChunk(Party.SERVER, "x", 1, i).nextLong());
    }
    r.close();
    for (byte[] s : (byte[][]) field(r, "seeds")) assertArrayEquals(new byte[32], s, "a seed survived the session");
    assertEquals(0, ((Queue<?>) field(r, "created")).size(), "keyed HMACs survived the session");
    assertEquals(0, ((Queue<?>) field(field(r, "ciphers"), "created")).size(), "keyed ciphers survived the session");
    assertEquals(0, ((Map<?, ?>) field(r, "chunkKeys")).size(), "chunked streams' keys survived the session");
    assertThrows(IllegalStateException.class, () -> r.shared(Party.SERVER, "x", 1));
    assertThrows(IllegalStateException.class, () -> r.own("x", 1));
    r.close(); // idempotent
  }

  @Test
  void theCallersSeedsAreCopied() {
    Map<Party, byte[]> pairs = new EnumMap<>(Party.class);
    byte[] s = seed(1), h = seed(2), own = seed(3);
    pairs.put(Party.SERVER, s);
    pairs.put(Party.HELPER, h);
    Randomness r = new Randomness(Party.CLIENT, pairs, own);
    Arrays.fill(s, (byte) 0); // KeyAgreement wipes its copies once the Randomness exists
    Arrays.fill(own, (byte) 0);
    assertEquals(client().shared(Party.SERVER, "x", 1).nextLong(), r.shared(Party.SERVER, "x", 1).nextLong());
    assertEquals(client().own("x", 1).nextLong(), r.own("x", 1).nextLong());
    assertThrows(IllegalArgumentException.class, () -> new Randomness(Party.CLIENT, pairs, new byte[16]));
  }

  private static Object field(Object o, String name) throws ReflectiveOperationException {
    Field f = o.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return f.get(o);
  }
}
