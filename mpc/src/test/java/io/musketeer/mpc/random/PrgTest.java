package io.musketeer.mpc.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** A Prg is one AES-128-CTR key stream (counter from zero), however its draws are cut and interleaved with other streams'. */
class PrgTest {
  private static byte[] key(int b) {
    byte[] k = new byte[16];
    for (int i = 0; i < 16; i++) k[i] = (byte) (b + 7 * i);
    return k;
  }

  /** The first n bytes of AES-CTR over zeros with the counter block starting at 0, from the JDK directly. */
  private static byte[] keyStream(byte[] key, int n) throws Exception {
    return keyStream(key, 0, n);
  }

  /** As above, the counter block starting at {@code first} (a 128-bit big-endian counter). */
  private static byte[] keyStream(byte[] key, long first, int n) throws Exception {
    byte[] iv = new byte[16];
    ByteBuffer.wrap(iv).putLong(8, first);
    Cipher c = Cipher.getInstance("AES/CTR/NoPadding");
    c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
    return c.doFinal(new byte[n]);
  }

  @Test
  void aChunkIsTheKeyStreamFromItsCounterOn() throws Exception {
    int n = (1 << 14) + 48;
    for (int chunk : new int[] {0, 1, 5, Integer.MAX_VALUE}) {
      long first = (long) chunk << Prg.CHUNK_BLOCKS_LOG2;
      byte[] got = new byte[n];
      Prg p = new Prg(key(3), new Ciphers(), first);
      p.fill(got, 0, 24);
      p.fill(got, 24, n - 24);
      assertArrayEquals(keyStream(key(3), first, n), got, "chunk " + chunk);
    }
  }

  @Test
  void mixedDrawsOfInterleavedStreamsOnOnePoolAreEachOneKeyStream() throws Exception {
    int n = 3 * (1 << 14) + 4096; // several refills and direct fills
    Ciphers pool = new Ciphers();
    Prg a = new Prg(key(1), pool), b = new Prg(key(2), pool);
    byte[] outA = new byte[n], outB = new byte[n];
    ByteBuffer wa = ByteBuffer.wrap(outA).order(ByteOrder.LITTLE_ENDIAN), wb = ByteBuffer.wrap(outB).order(ByteOrder.LITTLE_ENDIAN);
    int at = 0;
    int[] cuts = {8, 40000, 24, 5000, 16, 8};
    for (int round = 0; at < n; round++) {
      int len = Math.min(cuts[round % cuts.length], n - at);
      if (len == 8) {
        wa.putLong(at, a.nextLong());
        wb.putLong(at, b.nextLong());
      } else if (len % 8 == 0 && round % 2 == 0) {
        long[] la = new long[len / 8], lb = new long[len / 8];
        a.fill(la, 0, la.length);
        b.fill(lb, 0, lb.length);
        for (int i = 0; i < la.length; i++) {
          wa.putLong(at + 8 * i, la[i]);
          wb.putLong(at + 8 * i, lb[i]);
        }
      } else {
        a.fill(outA, at, len);
        b.fill(outB, at, len);
      }
      at += len;
    }
    assertArrayEquals(keyStream(key(1), n), outA);
    assertArrayEquals(keyStream(key(2), n), outB);
  }
}
