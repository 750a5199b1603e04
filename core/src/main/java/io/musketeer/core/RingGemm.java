package io.musketeer.core;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked matrix product over Z_2^64 with the Vector API: C[rows, n] = A[rows, k] * B[k, n],
 * every matrix given as (array, offset, leading dimension). The micro-kernel keeps a 4 x 3L block of C
 * in 12 vector registers (L = lanes of the preferred species: 8 on AVX-512) and streams a panel of B,
 * packed k x 3L contiguous and zero-padded at the right edge, so the inner loop is loads, broadcasts and
 * lane-wise multiply-adds. With AVX-512DQ the lane-wise long multiply is one {@code vpmullq}.
 */
final class RingGemm {
  private RingGemm() {}

  static final VectorSpecies<Long> S = LongVector.SPECIES_PREFERRED;
  static final int L = S.length();
  /** Panel width (columns of C per micro-kernel call). */
  static final int NR = 3 * L;
  /** Rows of C per micro-kernel call. */
  static final int MR = 4;
  /** Rows of A handled per cache block: a block of A stays in L2 while every panel of B passes by. */
  static final int MC = 64;

  /** B cut into column panels of width NR; each panel is (arr, off, ld) with NR readable columns. */
  static final class Panels {
    final int k, n, count;
    final long[][] arr;
    final int[] off, ld;

    private Panels(int k, int n) {
      this.k = k;
      this.n = n;
      this.count = (n + NR - 1) / NR;
      this.arr = new long[count][];
      this.off = new int[count];
      this.ld = new int[count];
    }
  }

  /**
   * Prepares B[k, n] (at {@code b[bOff + p * ldb + j]}). When {@code pack} every panel is copied into
   * one contiguous k x NR block; otherwise full panels are read in place and only the ragged right
   * panel is copied (cheap for products with few rows, where packing would cost as much as the work).
   */
  static Panels panels(long[] b, int bOff, int ldb, int k, int n, boolean pack) {
    Panels ps = new Panels(k, n);
    long[] packed = null;
    if (pack) packed = new long[ps.count * k * NR];
    for (int q = 0; q < ps.count; q++) {
      int j0 = q * NR, w = Math.min(NR, n - j0);
      if (!pack && w == NR) {
        ps.arr[q] = b;
        ps.off[q] = bOff + j0;
        ps.ld[q] = ldb;
        continue;
      }
      long[] dst;
      int base;
      if (pack) {
        dst = packed;
        base = q * k * NR;
      } else {
        dst = new long[k * NR];
        base = 0;
      }
      for (int p = 0; p < k; p++) System.arraycopy(b, bOff + p * ldb + j0, dst, base + p * NR, w);
      ps.arr[q] = dst;
      ps.off[q] = base;
      ps.ld[q] = NR;
    }
    return ps;
  }

  /** C rows [r0, r1) x panels [q0, q1) = A rows x B; C is overwritten there. */
  static void block(long[] a, int aOff, int lda, Panels bp, long[] c, int cOff, int ldc, int r0, int r1, int q0, int q1) {
    int k = bp.k;
    long[] edge = null; // the ragged right panel goes through here: masked stores defeat C2's vector boxing elimination
    for (int rb = r0; rb < r1; rb += MC) {
      int re = Math.min(r1, rb + MC);
      for (int q = q0; q < q1; q++) {
        int j0 = q * NR, w = Math.min(NR, bp.n - j0);
        long[] barr = bp.arr[q];
        int boff = bp.off[q], ldb = bp.ld[q];
        int i = rb;
        if (w == NR) {
          for (; i + MR <= re; i += MR) kernel4(a, aOff + i * lda, lda, k, barr, boff, ldb, c, cOff + i * ldc + j0, ldc);
          for (; i < re; i++) kernel1(a, aOff + i * lda, k, barr, boff, ldb, c, cOff + i * ldc + j0);
        } else {
          if (edge == null) edge = new long[MR * NR];
          for (; i < re; i += MR) {
            int rows = Math.min(MR, re - i);
            if (rows == MR) {
              kernel4(a, aOff + i * lda, lda, k, barr, boff, ldb, edge, 0, NR);
            } else {
              for (int r = 0; r < rows; r++) kernel1(a, aOff + (i + r) * lda, k, barr, boff, ldb, edge, r * NR);
            }
            for (int r = 0; r < rows; r++) System.arraycopy(edge, r * NR, c, cOff + (i + r) * ldc + j0, w);
          }
        }
      }
    }
  }

  /** C[rows, n] = A * B on {@code pool} (row blocks x panel groups). */
  static void gemm(long[] a, int aOff, int lda, Panels bp, long[] c, int cOff, int ldc, int rows, Parallel pool) {
    if (rows == 0 || bp.n == 0) return;
    if (bp.k == 0) {
      for (int i = 0; i < rows; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + bp.n, 0L);
      return;
    }
    int rowBlocks = (rows + MC - 1) / MC;
    if (pool.threads() <= 1) {
      block(a, aOff, lda, bp, c, cOff, ldc, 0, rows, 0, bp.count);
      return;
    }
    int want = 4 * pool.threads();
    int panelGroups = Math.min(bp.count, Math.max(1, (want + rowBlocks - 1) / rowBlocks));
    int rowTasks = Math.min(rowBlocks, Math.max(1, want / panelGroups));
    int rowsPer = ((rows + rowTasks - 1) / rowTasks + MR - 1) / MR * MR;
    int panelsPer = (bp.count + panelGroups - 1) / panelGroups;
    int rt = (rows + rowsPer - 1) / rowsPer, pt = (bp.count + panelsPer - 1) / panelsPer;
    pool.forEach(rt * pt, t -> {
      int r = t / pt, q = t % pt;
      block(a, aOff, lda, bp, c, cOff, ldc, r * rowsPer, Math.min(rows, (r + 1) * rowsPer),
          q * panelsPer, Math.min(bp.count, (q + 1) * panelsPer));
    });
  }

  private static void kernel4(long[] a, int a0, int lda, int k, long[] b, int b0, int ldb, long[] c, int c0, int ldc) {
    LongVector c00 = LongVector.zero(S), c01 = c00, c02 = c00;
    LongVector c10 = c00, c11 = c00, c12 = c00;
    LongVector c20 = c00, c21 = c00, c22 = c00;
    LongVector c30 = c00, c31 = c00, c32 = c00;
    int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    for (int p = 0, bi = b0; p < k; p++, bi += ldb) {
      LongVector b0v = LongVector.fromArray(S, b, bi);
      LongVector b1v = LongVector.fromArray(S, b, bi + L);
      LongVector b2v = LongVector.fromArray(S, b, bi + 2 * L);
      long x = a[a0 + p];
      c00 = c00.add(b0v.mul(x));
      c01 = c01.add(b1v.mul(x));
      c02 = c02.add(b2v.mul(x));
      x = a[a1 + p];
      c10 = c10.add(b0v.mul(x));
      c11 = c11.add(b1v.mul(x));
      c12 = c12.add(b2v.mul(x));
      x = a[a2 + p];
      c20 = c20.add(b0v.mul(x));
      c21 = c21.add(b1v.mul(x));
      c22 = c22.add(b2v.mul(x));
      x = a[a3 + p];
      c30 = c30.add(b0v.mul(x));
      c31 = c31.add(b1v.mul(x));
      c32 = c32.add(b2v.mul(x));
    }
    store3(c00, c01, c02, c, c0);
    store3(c10, c11, c12, c, c0 + ldc);
    store3(c20, c21, c22, c, c0 + 2 * ldc);
    store3(c30, c31, c32, c, c0 + 3 * ldc);
  }

  private static void kernel1(long[] a, int a0, int k, long[] b, int b0, int ldb, long[] c, int c0) {
    LongVector c00 = LongVector.zero(S), c01 = c00, c02 = c00;
    for (int p = 0, bi = b0; p < k; p++, bi += ldb) {
      long x = a[a0 + p];
      c00 = c00.add(LongVector.fromArray(S, b, bi).mul(x));
      c01 = c01.add(LongVector.fromArray(S, b, bi + L).mul(x));
      c02 = c02.add(LongVector.fromArray(S, b, bi + 2 * L).mul(x));
    }
    store3(c00, c01, c02, c, c0);
  }

  private static void store3(LongVector v0, LongVector v1, LongVector v2, long[] c, int c0) {
    v0.intoArray(c, c0);
    v1.intoArray(c, c0 + L);
    v2.intoArray(c, c0 + 2 * L);
  }
}
