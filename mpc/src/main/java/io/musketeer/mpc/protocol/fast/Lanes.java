package io.musketeer.mpc.protocol.fast;

import io.musketeer.mpc.random.Prg;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-parallel kernels over byte columns of Z_p values (one lane per element), with the Vector API.
 *
 * <p>Wire format of Z_p columns: <b>bit planes</b>. A column of values below 2^bits, in groups of 64
 * elements, travels as {@code bits} longs per group, long b holding bit b of the 64 values (element i at
 * bit i). A λ-bit value thus costs exactly λ bits, and packing is one mask extraction per plane. The
 * format does not depend on the machine's vector width.
 */
final class Lanes {
  static final VectorSpecies<Byte> B = ByteVector.SPECIES_PREFERRED;
  /** Lanes per vector: 16, 32 or 64; divides {@link #GROUP}. */
  static final int VL = Math.min(B.length(), 64);
  /** Elements per bit-plane group. */
  static final int GROUP = 64;

  private Lanes() {}

  /** Packs count values (count a multiple of 64) of src[off ..] below 2^bits into dst[dstOff ..]; returns the longs written. */
  static int packPlanes(byte[] src, int off, int count, int bits, long[] dst, int dstOff) {
    int o = dstOff;
    for (int g = 0; g < count; g += GROUP) {
      for (int b = 0; b < bits; b++) {
        byte bit = (byte) (1 << b);
        long word = 0;
        for (int s = 0; s < GROUP; s += VL) {
          ByteVector v = ByteVector.fromArray(B, src, off + g + s);
          word |= (v.and(bit).compare(VectorOperators.NE, (byte) 0).toLong() & laneMask()) << s;
        }
        dst[o++] = word;
      }
    }
    return o - dstOff;
  }

  /** The inverse of {@link #packPlanes}: count values into dst[off ..]; returns the longs read. */
  static int unpackPlanes(long[] src, int srcOff, int count, int bits, byte[] dst, int off) {
    int o = srcOff;
    ByteVector zero = ByteVector.zero(B);
    for (int g = 0; g < count; g += GROUP) {
      for (int s = 0; s < GROUP; s += VL) {
        ByteVector acc = zero;
        for (int b = 0; b < bits; b++) {
          acc = acc.lanewise(VectorOperators.OR, (byte) (1 << b), VectorMask.fromLong(B, src[o + b] >>> s));
        }
        acc.intoArray(dst, off + g + s);
      }
      o += bits;
    }
    return o - srcOff;
  }

  private static long laneMask() {
    return VL == 64 ? -1L : (1L << VL) - 1;
  }

  /** Longs of count values of the given width in bit planes. */
  static int planeLongs(int count, int bits) {
    return count / GROUP * bits;
  }

  /**
   * Whether the CPU compresses byte lanes in hardware (AVX-512 VBMI2). Elsewhere (AVX2, NEON) the
   * Vector API's {@code compress} of bytes falls back to a lane-by-lane Java loop that made the whole
   * protocol about three times slower, so the sampler accepts eight bytes at a time with
   * {@link Long#compress} (one PEXT with BMI2) instead. Both paths yield the same values.
   */
  static final boolean BYTE_COMPRESS = System.getProperty("musketeer.byteCompress") != null
      ? Boolean.getBoolean("musketeer.byteCompress") // either path, on any CPU, for comparisons
      : VL == 64 && cpuFlag("avx512_vbmi2");

  private static boolean cpuFlag(String flag) {
    try (var lines = java.nio.file.Files.lines(java.nio.file.Path.of("/proc/cpuinfo"))) {
      return lines.filter(l -> l.startsWith("flags")).findFirst()
          .map(l -> java.util.Arrays.asList(l.split("[\\s:]+")).contains(flag)).orElse(false);
    } catch (java.io.IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Exactly uniform values of Z_q (or of Z_q \ {0}) from a PRG stream, by rejection on the low b bits
   * of each byte, 2^b the smallest power of two ≥ q: the low bits of a uniform byte are uniform, and
   * conditioned on being accepted they are uniform on the accepted set. Both holders of a stream accept
   * the same bytes, so they stay in step. q = 1 yields zeros and draws nothing.
   */
  static final class Sampler {
    private static final int RAW = 4096;
    private static final java.lang.invoke.VarHandle LONGS =
        java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L, HIGHS = 0x8080808080808080L;
    private final Prg prg;
    private final byte q, mask;
    private final boolean nonZero, vector;
    private final byte[] raw = new byte[RAW];
    private final byte[] vals = new byte[RAW + 64];
    private int pos, count;

    Sampler(Prg prg, int q, boolean nonZero) {
      this(prg, q, nonZero, BYTE_COMPRESS);
    }

    /** {@code vector} chooses the path (tests compare both). */
    Sampler(Prg prg, int q, boolean nonZero, boolean vector) {
      if (q < 1 || q > 127 || (nonZero && q < 2)) throw new IllegalArgumentException("modulus out of range: " + q);
      this.prg = prg;
      this.q = (byte) q;
      this.mask = (byte) (q == 1 ? 0 : (1 << (32 - Integer.numberOfLeadingZeros(q - 1))) - 1);
      this.nonZero = nonZero;
      this.vector = vector;
    }

    private void refill() {
      prg.fill(raw, 0, RAW);
      count = vector ? acceptVector() : acceptEights();
      pos = 0;
    }

    private int acceptVector() {
      int j = 0;
      for (int i = 0; i < RAW; i += VL) {
        ByteVector v = ByteVector.fromArray(B, raw, i).and(mask);
        VectorMask<Byte> ok = v.compare(VectorOperators.LT, q);
        if (nonZero) ok = ok.and(v.compare(VectorOperators.NE, (byte) 0));
        v.compress(ok).intoArray(vals, j);
        j += ok.trueCount();
      }
      return j;
    }

    /**
     * Eight bytes per long: every masked byte is below 128, so adding 128 − q sets its top bit iff it is
     * ≥ q, and adding 127 iff it is non-zero, without carries between bytes; the accepted bytes are then
     * gathered to the low end in one {@link Long#compress}.
     */
    private int acceptEights() {
      long m = (mask & 0xffL) * ONES, tooBig = ((128 - q) & 0xffL) * ONES;
      int j = 0;
      for (int i = 0; i < RAW; i += 8) {
        long v = (long) LONGS.get(raw, i) & m;
        long ok = ~(v + tooBig) & HIGHS;
        if (nonZero) ok &= v + 0x7f7f7f7f7f7f7f7fL;
        LONGS.set(vals, j, Long.compress(v, (ok >>> 7) * 0xff));
        j += Long.bitCount(ok);
      }
      return j;
    }

    /** The next len values into dst[off ..]. */
    void take(byte[] dst, int off, int len) {
      if (q == 1) {
        java.util.Arrays.fill(dst, off, off + len, (byte) 0);
        return;
      }
      while (len > 0) {
        if (pos == count) refill();
        int n = Math.min(len, count - pos);
        System.arraycopy(vals, pos, dst, off, n);
        pos += n;
        off += n;
        len -= n;
      }
    }
  }

  /** x − p where x ≥ p, lane-wise (one conditional subtraction). */
  static ByteVector reduce(ByteVector x, byte p) {
    return x.sub(p, x.compare(VectorOperators.GE, p));
  }
}
