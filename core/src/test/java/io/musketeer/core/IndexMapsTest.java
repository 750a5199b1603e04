package io.musketeer.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Index maps, ring ops, pooling and the fixed-point codec against references written from coordinates
 * (an element's multi-index, never the strides or walks the code under test uses), on 4-D shapes with
 * odd sizes, several batches and channels.
 */
class IndexMapsTest {
  private static final Shape S = Shape.of(2, 3, 5, 4);

  /** The flat row-major index of a multi-index. */
  private static int flat(Shape s, int... idx) {
    int f = 0;
    for (int d = 0; d < s.rank(); d++) f = f * s.dim(d) + idx[d];
    return f;
  }

  /** The multi-index of a flat row-major index. */
  private static int[] coords(Shape s, int f) {
    int[] idx = new int[s.rank()];
    for (int d = s.rank() - 1; d >= 0; d--) {
      idx[d] = f % s.dim(d);
      f /= s.dim(d);
    }
    return idx;
  }

  @Test
  void transposeSendsEachElementToItsPermutedIndex() {
    int[] perm = {0, 3, 1, 2};
    Shape out = IndexMaps.transposeShape(S, perm);
    assertEquals(Shape.of(2, 4, 3, 5), out);
    int[] map = IndexMaps.transpose(S, perm);
    for (int o = 0; o < out.size(); o++) {
      int[] c = coords(out, o), in = new int[4];
      for (int d = 0; d < 4; d++) in[perm[d]] = c[d];
      assertEquals(flat(S, in), map[o], "output " + o);
    }
  }

  @Test
  void sliceTakesEveryStrideThElementFromBegin() {
    int[] begin = {1, 0, 1, 1}, end = {2, 3, 5, 4}, stride = {1, 2, 3, 2};
    Shape out = IndexMaps.sliceShape(begin, end, stride);
    assertEquals(Shape.of(1, 2, 2, 2), out);
    int[] map = IndexMaps.slice(S, begin, end, stride);
    for (int o = 0; o < out.size(); o++) {
      int[] c = coords(out, o), in = new int[4];
      for (int d = 0; d < 4; d++) in[d] = begin[d] + c[d] * stride[d];
      assertEquals(flat(S, in), map[o]);
    }
    assertEquals(Shape.of(0), IndexMaps.sliceShape(new int[] {3}, new int[] {2}, new int[] {1}));
  }

  @Test
  void padMarksPaddedElementsAndMapsTheOthersBack() {
    int[] before = {0, 1, 2, 0}, after = {1, 0, 1, 2};
    Shape out = IndexMaps.padShape(S, before, after);
    assertEquals(Shape.of(3, 4, 8, 6), out);
    int[] map = IndexMaps.pad(S, before, after);
    long[] src = new long[S.size()];
    for (int i = 0; i < src.length; i++) src[i] = i + 1;
    long[] padded = IndexMaps.gather(src, map);
    for (int o = 0; o < out.size(); o++) {
      int[] c = coords(out, o), in = new int[4];
      boolean inside = true;
      for (int d = 0; d < 4; d++) {
        in[d] = c[d] - before[d];
        inside &= in[d] >= 0 && in[d] < S.dim(d);
      }
      assertEquals(inside ? flat(S, in) : -1, map[o], "output " + o);
      assertEquals(inside ? src[flat(S, in)] : 0, padded[o]);
    }
    float[] f = IndexMaps.gather(new float[] {5f, 6f}, new int[] {1, -1, 0});
    assertArrayEquals(new float[] {6f, 0f, 5f}, f);
  }

  @Test
  void broadcastFollowsNumpy() {
    Shape from = Shape.of(3, 1, 4);
    assertEquals(S, IndexMaps.broadcastShape(from, S));
    assertEquals(S, IndexMaps.broadcastShape(S, from));
    assertEquals(Shape.of(2, 3, 5, 4), IndexMaps.broadcastShape(Shape.of(2, 1, 5, 1), Shape.of(3, 1, 4)));
    assertThrows(IllegalArgumentException.class, () -> IndexMaps.broadcastShape(Shape.of(3), Shape.of(4)));
    int[] map = IndexMaps.broadcast(from, S);
    for (int o = 0; o < S.size(); o++) {
      int[] c = coords(S, o);
      assertEquals(flat(from, c[1], 0, c[3]), map[o]);
    }
    long[] expanded = RingOps.expand(new RingTensor(from, seq(from.size())), S);
    for (int o = 0; o < S.size(); o++) assertEquals(map[o] + 1, expanded[o]);
  }

  @Test
  void reduceAndReduceSumAddOverTheAxes() {
    int[] axes = {1, 3};
    assertEquals(Shape.of(2, 1, 5, 1), IndexMaps.reduceShape(S, axes, true));
    assertEquals(Shape.of(2, 5), IndexMaps.reduceShape(S, axes, false));
    long[] x = seq(S.size());
    long[] sum = RingOps.reduceSum(new RingTensor(S, x), axes, 10);
    long[] want = new long[10];
    for (int i = 0; i < x.length; i++) {
      int[] c = coords(S, i);
      want[c[0] * 5 + c[2]] += x[i];
    }
    assertArrayEquals(want, sum);
  }

  @Test
  void concatJoinsAlongTheAxis() {
    Shape a = Shape.of(2, 1, 5, 4), b = Shape.of(2, 2, 5, 4);
    RingTensor ta = new RingTensor(a, seq(a.size())), tb = new RingTensor(b, seq(b.size()));
    for (int i = 0; i < tb.data().length; i++) tb.data()[i] += 1000;
    long[] out = RingOps.concat(new RingTensor[] {ta, tb}, 1, S).data();
    for (int o = 0; o < S.size(); o++) {
      int[] c = coords(S, o);
      long want = c[1] < 1 ? ta.data()[flat(a, c)] : tb.data()[flat(b, c[0], c[1] - 1, c[2], c[3])];
      assertEquals(want, out[o], "output " + o);
    }
  }

  @Test
  void elementwiseRingOpsBroadcastAndWrap() {
    Shape row = Shape.of(4);
    long[] x = seq(S.size()), y = {Long.MAX_VALUE, -1, 7, Long.MIN_VALUE};
    RingTensor tx = new RingTensor(S, x), ty = new RingTensor(row, y);
    long[] add = RingOps.add(tx, ty, S).data(), sub = RingOps.sub(tx, ty, S).data(), mul = RingOps.mul(tx, ty, S).data();
    long[] neg = RingOps.neg(tx).data();
    for (int o = 0; o < S.size(); o++) {
      long v = y[o % 4];
      assertEquals(x[o] + v, add[o]);
      assertEquals(x[o] - v, sub[o]);
      assertEquals(x[o] * v, mul[o]);
      assertEquals(-x[o], neg[o]);
    }
    assertArrayEquals(RingOps.add(ty, tx, S).data(), add, "addition commutes across broadcasting");
  }

  @Test
  void ringOpsAgreeWithTheIndexMapsOnEveryBroadcast() {
    // the row-by-row cases (leading repeats only) and the general one, each operand order
    Shape[] smalls = {Shape.of(4), Shape.of(5, 4), Shape.of(1, 5, 4), Shape.of(1, 1), Shape.of(3, 1, 4), Shape.of(2, 1, 5, 1), Shape.of(3, 5, 1), S};
    boolean[] rowByRow = {true, true, true, true, false, false, false, true};
    SplittableRandom r = new SplittableRandom(11);
    long[] x = new long[S.size()];
    for (int i = 0; i < x.length; i++) x[i] = r.nextLong();
    RingTensor big = new RingTensor(S, x);
    for (int c = 0; c < smalls.length; c++) {
      Shape small = smalls[c];
      long[] y = new long[small.size()];
      for (int i = 0; i < y.length; i++) y[i] = r.nextLong();
      RingTensor t = new RingTensor(small, y);
      int[] m = IndexMaps.broadcast(small, S);
      long[] add = RingOps.add(big, t, S).data(), sub = RingOps.sub(big, t, S).data(), mul = RingOps.mul(big, t, S).data();
      long[] subSwapped = RingOps.sub(t, big, S).data(), mulSwapped = RingOps.mul(t, big, S).data();
      for (int o = 0; o < S.size(); o++) {
        long v = y[m[o]];
        assertEquals(x[o] + v, add[o], small + " + at " + o);
        assertEquals(x[o] - v, sub[o], small + " - at " + o);
        assertEquals(x[o] * v, mul[o], small + " * at " + o);
        assertEquals(v - x[o], subSwapped[o], small + " swapped - at " + o);
        assertEquals(v * x[o], mulSwapped[o], small + " swapped * at " + o);
      }
      assertEquals(rowByRow[c], RingOps.repeatsAlongLeading(small, S), small + ": row by row or not");
    }
  }

  @Test
  void argMaxTakesTheFirstMaximumAlongAnyAxis() {
    SplittableRandom r = new SplittableRandom(5);
    long[] x = new long[S.size()];
    for (int i = 0; i < x.length; i++) x[i] = r.nextInt(3) - 1; // many ties
    x[0] = Long.MIN_VALUE;
    for (int axis = 0; axis < 4; axis++) {
      long[] got = RingOps.argMax(new RingTensor(S, x), axis);
      int len = S.dim(axis);
      int[] outDims = S.dims().clone();
      outDims[axis] = 1;
      Shape out = new Shape(outDims);
      for (int o = 0; o < out.size(); o++) {
        int[] c = coords(out, o);
        int best = 0;
        long bv = Long.MIN_VALUE;
        for (int k = 0; k < len; k++) {
          c[axis] = k;
          long v = x[flat(S, c)];
          if (k == 0 || v > bv) {
            bv = v;
            best = k;
          }
        }
        assertEquals(best, got[o], "axis " + axis + " output " + o);
      }
    }
  }

  /** Windows of 3x2, strides 2x1, padding 1/0/0/1, two images of three channels. */
  private static final PoolGeometry POOL = new PoolGeometry(2, 5, 4, 3, 3, 2, 2, 1, 1, 0, 0, 1);

  @Test
  void poolingAndPoolDivisorsMatchAPlainWindowWalk() {
    PoolGeometry g = POOL;
    SplittableRandom r = new SplittableRandom(6);
    int size = g.n() * g.h() * g.w() * g.c();
    float[] xf = new float[size];
    long[] xl = new long[size];
    for (int i = 0; i < size; i++) {
      xl[i] = r.nextInt(201) - 150; // mostly negative: padding must be ignored by max, not read as 0
      xf[i] = xl[i];
    }
    float[] max = FloatKernels.maxPool(xf, g), avg = FloatKernels.avgPool(xf, g, false), avgPad = FloatKernels.avgPool(xf, g, true);
    long[] sums = RingKernels.windowSum(xl, g), div = RingOps.poolDivisors(g, false), divPad = RingOps.poolDivisors(g, true);
    long[] windows = RingKernels.gatherWindows(xl, g);
    int count = g.n() * g.outH() * g.outW() * g.c();
    for (int b = 0; b < g.n(); b++)
      for (int oy = 0; oy < g.outH(); oy++)
        for (int ox = 0; ox < g.outW(); ox++)
          for (int ch = 0; ch < g.c(); ch++) {
            int o = ((b * g.outH() + oy) * g.outW() + ox) * g.c() + ch;
            double m = Double.NEGATIVE_INFINITY, s = 0;
            int valid = 0;
            for (int ky = 0; ky < g.kh(); ky++)
              for (int kx = 0; kx < g.kw(); kx++) {
                int iy = oy * g.strideH() + ky - g.padTop(), ix = ox * g.strideW() + kx - g.padLeft();
                if (iy < 0 || iy >= g.h() || ix < 0 || ix >= g.w()) continue;
                double v = xl[((b * g.h() + iy) * g.w() + ix) * g.c() + ch];
                m = Math.max(m, v);
                s += v;
                valid++;
              }
            assertEquals(m, max[o], "max " + o);
            assertEquals(s / valid, avg[o], 1e-5, "avg " + o);
            assertEquals(s / (g.kh() * g.kw()), avgPad[o], 1e-5, "avg with padding " + o);
            assertEquals((long) s, sums[o], "window sum " + o);
            assertEquals(valid, div[o]);
            assertEquals(g.kh() * g.kw(), divPad[o]);
            long wm = Long.MIN_VALUE;
            for (int slot = 0; slot < g.kh() * g.kw(); slot++) wm = Math.max(wm, windows[slot * count + o]);
            assertEquals((long) m, wm, "gathered windows hold a valid element in every padded slot, so their max is the max " + o);
          }
  }

  @Test
  void fixedPointRoundsToNearestAndRefusesWhatDoesNotFit() {
    assertEquals(4096, FixedPoint.encode(1.0, 12));
    assertEquals(-2048, FixedPoint.encode(-0.5, 12));
    assertEquals(2, FixedPoint.encode(2.5 / 4096, 12)); // ties to even (Math.rint)
    assertEquals(4, FixedPoint.encode(3.5 / 4096, 12));
    assertEquals(-3, FixedPoint.encode(-2.6 / 4096, 12));
    assertEquals(0.25, FixedPoint.decode(1024, 12));
    assertEquals(-0.25, FixedPoint.decode(-1024, 12));
    assertThrows(IllegalArgumentException.class, () -> FixedPoint.encode(Double.NaN, 12));
    assertThrows(IllegalArgumentException.class, () -> FixedPoint.encode(0x1p51, 12));
    assertEquals((long) 0x1p50 * 4096 / 2, FixedPoint.encode(0x1p49, 12));
    FloatTensor t = new FloatTensor(Shape.of(3), new float[] {1.5f, -0.125f, 3e-4f});
    RingTensor e = FixedPoint.encode(t, 12);
    assertArrayEquals(new long[] {6144, -512, 1}, e.data());
    assertArrayEquals(new float[] {1.5f, -0.125f, 1f / 4096}, FixedPoint.decode(e, 12).data());
    assertThrows(IllegalArgumentException.class, () -> FixedPoint.encode(new FloatTensor(Shape.of(1), new float[] {Float.POSITIVE_INFINITY}), 12));
    assertEquals(-1, FixedPoint.truncate(-1, 12));
    assertEquals(-2, FixedPoint.truncate(-4097, 12));
    assertEquals(1, FixedPoint.truncate(8191, 12));
  }

  @Test
  void subtractionAndProductBroadcastEitherOperand() {
    Shape row = Shape.of(4);
    long[] x = seq(S.size()), y = {Long.MAX_VALUE, -1, 7, Long.MIN_VALUE};
    RingTensor tx = new RingTensor(S, x), ty = new RingTensor(row, y);
    long[] sub = RingOps.sub(ty, tx, S).data(), mul = RingOps.mul(ty, tx, S).data();
    for (int o = 0; o < S.size(); o++) {
      assertEquals(y[o % 4] - x[o], sub[o]);
      assertEquals(y[o % 4] * x[o], mul[o]);
    }
  }

  @Test
  void concatAlongAnInnerAxisInterleavesTheBlocks() {
    int[][] map = IndexMaps.concat(new Shape[] {Shape.of(2, 3), Shape.of(2, 2)}, 1);
    assertArrayEquals(new int[] {0, 0, 0, 1, 1, 0, 0, 0, 1, 1}, map[0]);
    assertArrayEquals(new int[] {0, 1, 2, 0, 1, 3, 4, 5, 2, 3}, map[1]);
  }

  @Test
  void aTensorValueOfExactly2To63IsRefused() {
    // 2^23 at scale 40 is 2^63, one past the largest ring value; 2^63 - 2^39 (the float below) fits
    for (float v : new float[] {0x1p23f, -0x1p23f}) {
      assertThrows(IllegalArgumentException.class, () -> FixedPoint.encode(new FloatTensor(Shape.of(1), new float[] {v}), 40));
    }
    float below = Math.nextDown(0x1p23f);
    assertEquals((long) ((double) below * 0x1p40), FixedPoint.encode(new FloatTensor(Shape.of(1), new float[] {below}), 40).data()[0]);
    assertThrows(IllegalArgumentException.class, () -> FixedPoint.encode(0x1p23, 40));
    assertEquals(Long.MIN_VALUE + (1L << 40), FixedPoint.encode(-0x1p23 + 1, 40));
  }

  @Test
  void shapesPrintTheirDimensions() {
    assertEquals("[2, 3, 0]", Shape.of(2, 3, 0).toString());
    assertEquals("[]", Shape.of().toString());
  }

  private static long[] seq(int n) {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) v[i] = i + 1;
    return v;
  }
}
