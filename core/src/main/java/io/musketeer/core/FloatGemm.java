package io.musketeer.core;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 twin of {@link RingGemm}: the same 4 x 3L register blocking and panel packing, with
 * fused multiply-adds accumulated in float (as TensorFlow's Eigen kernels do). Uses 256-bit vectors:
 * float needs no more to be fast here, and narrower panels waste less on small channel counts.
 */
final class FloatGemm {
  private FloatGemm() {}

  static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
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
    final float[][] arr;
    final int[] off, ld;

    private Panels(int k, int n) {
      this.k = k;
      this.n = n;
      this.count = (n + NR - 1) / NR;
      this.arr = new float[count][];
      this.off = new int[count];
      this.ld = new int[count];
    }
  }

  /**
   * Prepares B[k, n] (at {@code b[bOff + p * ldb + j]}). When {@code pack} every panel is copied into
   * one contiguous k x NR block; otherwise full panels are read in place and only the ragged right
   * panel is copied (cheap for products with few rows, where packing would cost as much as the work).
   */
  static Panels panels(float[] b, int bOff, int ldb, int k, int n, boolean pack) {
    Panels ps = new Panels(k, n);
    float[] packed = null;
    if (pack) packed = new float[ps.count * k * NR];
    for (int q = 0; q < ps.count; q++) {
      int j0 = q * NR, w = Math.min(NR, n - j0);
      if (!pack && w == NR) {
        ps.arr[q] = b;
        ps.off[q] = bOff + j0;
        ps.ld[q] = ldb;
        continue;
      }
      float[] dst;
      int base;
      if (pack) {
        dst = packed;
        base = q * k * NR;
      } else {
        dst = new float[k * NR];
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
  static void block(float[] a, int aOff, int lda, Panels bp, float[] c, int cOff, int ldc, int r0, int r1, int q0, int q1) {
    int k = bp.k;
    float[] edge = null; // the ragged right panel goes through here: masked stores defeat C2's vector boxing elimination
    for (int rb = r0; rb < r1; rb += MC) {
      int re = Math.min(r1, rb + MC);
      for (int q = q0; q < q1; q++) {
        int j0 = q * NR, w = Math.min(NR, bp.n - j0);
        float[] barr = bp.arr[q];
        int boff = bp.off[q], ldb = bp.ld[q];
        int i = rb;
        if (w == NR) {
          for (; i + MR <= re; i += MR) kernel4(a, aOff + i * lda, lda, k, barr, boff, ldb, c, cOff + i * ldc + j0, ldc);
          for (; i < re; i++) kernel1(a, aOff + i * lda, k, barr, boff, ldb, c, cOff + i * ldc + j0);
        } else {
          if (edge == null) edge = new float[MR * NR];
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
  static void gemm(float[] a, int aOff, int lda, Panels bp, float[] c, int cOff, int ldc, int rows, Parallel pool) {
    if (rows == 0 || bp.n == 0) return;
    if (bp.k == 0) {
      for (int i = 0; i < rows; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + bp.n, 0f);
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

  private static void kernel4(float[] a, int a0, int lda, int k, float[] b, int b0, int ldb, float[] c, int c0, int ldc) {
    FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
    FloatVector c10 = c00, c11 = c00, c12 = c00;
    FloatVector c20 = c00, c21 = c00, c22 = c00;
    FloatVector c30 = c00, c31 = c00, c32 = c00;
    int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    for (int p = 0, bi = b0; p < k; p++, bi += ldb) {
      FloatVector b0v = FloatVector.fromArray(S, b, bi);
      FloatVector b1v = FloatVector.fromArray(S, b, bi + L);
      FloatVector b2v = FloatVector.fromArray(S, b, bi + 2 * L);
      FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
      c00 = b0v.fma(x, c00);
      c01 = b1v.fma(x, c01);
      c02 = b2v.fma(x, c02);
      x = FloatVector.broadcast(S, a[a1 + p]);
      c10 = b0v.fma(x, c10);
      c11 = b1v.fma(x, c11);
      c12 = b2v.fma(x, c12);
      x = FloatVector.broadcast(S, a[a2 + p]);
      c20 = b0v.fma(x, c20);
      c21 = b1v.fma(x, c21);
      c22 = b2v.fma(x, c22);
      x = FloatVector.broadcast(S, a[a3 + p]);
      c30 = b0v.fma(x, c30);
      c31 = b1v.fma(x, c31);
      c32 = b2v.fma(x, c32);
    }
    store3(c00, c01, c02, c, c0);
    store3(c10, c11, c12, c, c0 + ldc);
    store3(c20, c21, c22, c, c0 + 2 * ldc);
    store3(c30, c31, c32, c, c0 + 3 * ldc);
  }

  private static void kernel1(float[] a, int a0, int k, float[] b, int b0, int ldb, float[] c, int c0) {
    FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
    for (int p = 0, bi = b0; p < k; p++, bi += ldb) {
      FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
      c00 = FloatVector.fromArray(S, b, bi).fma(x, c00);
      c01 = FloatVector.fromArray(S, b, bi + L).fma(x, c01);
      c02 = FloatVector.fromArray(S, b, bi + 2 * L).fma(x, c02);
    }
    store3(c00, c01, c02, c, c0);
  }

  private static void store3(FloatVector v0, FloatVector v1, FloatVector v2, float[] c, int c0) {
    v0.intoArray(c, c0);
    v1.intoArray(c, c0 + L);
    v2.intoArray(c, c0 + 2 * L);
  }
}
