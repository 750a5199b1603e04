package io.musketeer.mpc.protocol.fast;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Steps;
import io.musketeer.mpc.protocol.Session;
import io.musketeer.mpc.random.Prg;
import java.util.stream.IntStream;

/**
 * FastReLU (FASTRELU.md): DReLU, ReLU and ReLU with fused truncation for inputs in [−2^k, 2^k), in
 * three online flights plus the helper's input-independent dealing.
 *
 * <ol>
 *   <li>The helper deals, per element, the one-hot Z_p encoding of each block of a mask r that it
 *       alone knows (r = r_0 + r_1, each half from a pair stream, never sent), and shares of its
 *       private bit e, of e·r (or r &gt;&gt;&gt; f and e·(r &gt;&gt;&gt; f), and the wrap items ω·…
 *       mod 2^f), and in the exact mode of a second private bit e2 and e·e2 (§3). One half of every
 *       item comes from a pair stream, the other party receives the correction; the halving rule
 *       alternates which party receives per element (PROTOCOLS.md §3.3).
 *   <li>Flight 1: the holders open c = x + 2^k + r to each other (§4.1).
 *   <li>Flight 2: each holder sends the helper its share of BlockCompare's zero-test vector (§4.2):
 *       per block, "&lt;" and "=" of c's block against r's are linear in the dealt one-hot shares;
 *       the vector has a zero iff β XOR [low(c, k) &lt; low(r, k)], its entries are multiplied by
 *       fresh s ∈ Z_p^*, rotated by a fresh uniform ρ and masked by the zero-sharing z (D1), all
 *       common randomness of the two holders.
 *   <li>Flight 3: the helper sends both holders g = δ' XOR r_k XOR e, one bit (§4.3); with e hiding
 *       it, the holders compute [b] and the output shares locally (§4.4).
 * </ol>
 *
 * <p>Every correlated value is derived per chunk of {@link #CHUNK} elements from counter-based pair
 * streams keyed by (operation, purpose, chunk), so the three parties compute chunks in parallel and
 * stay in step regardless of their core counts. All outputs are fresh additive sharings.
 */
public final class FastRelu {
  /** Elements per chunk: the granularity of streams, parallel work and message regions. */
  static final int CHUNK = 4096;
  static final int STEP_DEAL = Steps.id("fast/deal");
  static final int STEP_C = Steps.id("fast/open-c");
  static final int STEP_D = Steps.id("fast/zero-test");
  static final int STEP_G = Steps.id("fast/g");

  /**
   * Test hook (FASTRELU.md §7, §10): when set, every even element's mask has bits k+1..63 all ones,
   * so the wrap item ω is 1 and the wrap path is exercised. Never set outside tests: it makes r
   * non-uniform.
   */
  static volatile boolean forceWrapForTests;

  private FastRelu() {}

  /**
   * One batched call at any party: output shares of n elements at the holders, {@code null} at the
   * helper (which passes {@code null} for x). Consumes one operation id of the session.
   */
  public static long[] run(Session s, Params p, long[] x, int n) {
    long op = s.nextOpId();
    if (n == 0) return s.isHelper() ? null : new long[0];
    if (s.isHelper()) {
      Dealt d = deal(s, op, p, n);
      sendDealt(s, d);
      helperOnline(s, p, n, d.mask());
      return null;
    }
    return holder(s, op, p, x, n, null);
  }

  // ------------------------------------------------------------------ layout

  /** Per-chunk regions (offsets in longs) of one call's messages. */
  static final class Layout {
    final Params p;
    final int n, chunks;
    /** Corrections for the client and for the server: region starts per chunk, total length. */
    final int[][] dealOff = new int[2][];
    final int[] dealLen = new int[2];
    final int[] dOff, gOff;
    final int dLen, gLen;

    Layout(Params p, int n) {
      this.p = p;
      this.n = n;
      this.chunks = (n + CHUNK - 1) / CHUNK;
      for (int t = 0; t < 2; t++) {
        dealOff[t] = new int[chunks];
        int o = 0;
        for (int c = 0; c < chunks; c++) {
          dealOff[t][c] = o;
          o += dealRegion(p, corrected(t, len(c)));
        }
        dealLen[t] = o;
      }
      dOff = new int[chunks];
      gOff = new int[chunks];
      int d = 0, g = 0;
      for (int c = 0; c < chunks; c++) {
        dOff[c] = d;
        gOff[c] = g;
        d += BitPack.longs((long) len(c) * p.positions(), p.lambda());
        g += BitPack.longs((long) len(c) * gBits(p), 1);
      }
      dLen = d;
      gLen = g;
    }

    int lo(int c) {
      return c * CHUNK;
    }

    int len(int c) {
      return Math.min(CHUNK, n - c * CHUNK);
    }
  }

  /** Elements of a chunk whose halves the client draws from its stream: the first ⌊len/2⌋; the server draws the rest. */
  static int clientSide(int len) {
    return len / 2;
  }

  /** Elements of a chunk for which holder t (0 client, 1 server) receives corrections. */
  static int corrected(int t, int len) {
    return t == 0 ? len - clientSide(len) : clientSide(len);
  }

  /** Longs of one chunk's correction region for count elements: one-hot fields, ring items, wrap fields. */
  static int dealRegion(Params p, int count) {
    return BitPack.longs((long) count * p.oneHotCount(), p.lambda()) + count * p.ringItems()
        + BitPack.longs((long) count * p.wrapItems(), p.f());
  }

  static int gBits(Params p) {
    return p.mode() == Mode.RELU_TRUNC_EXACT ? 2 : 1;
  }

  // ------------------------------------------------------------------ streams

  private static Prg pair(Session s, Party other, String purpose, long op, int chunk) {
    return s.random().shared(other, purpose + "#" + chunk, op);
  }

  /** r_t of one chunk, with the forced-wrap test hook applied. */
  private static long[] maskHalves(Session s, Party holder, Party other, long op, int chunk, int lo, int len, int k) {
    long[] r = pair(s, other, "fast/r", op, chunk).longs(len);
    if (forceWrapForTests && k < 63) {
      long low = (1L << k) - 1, high = ~((1L << (k + 1)) - 1);
      for (int i = 0; i < len; i++) {
        if (((lo + i) & 1) != 0) continue;
        r[i] = holder == Party.CLIENT ? r[i] & low : (r[i] & low) | high;
      }
    }
    return r;
  }

  // ------------------------------------------------------------------ helper: dealing

  /** The helper's input-independent messages for one call, and its per-element bits r_k XOR e (bit 0) and e2 (bit 1). */
  public record Dealt(long[] toClient, long[] toServer, byte[] mask) {}

  /** Helper: deals one call (FASTRELU.md §3). Depends on the parameters, n and the op id only. */
  static Dealt deal(Session s, long op, Params p, int n) {
    Layout lay = new Layout(p, n);
    long[] toC = new long[lay.dealLen[0]], toS = new long[lay.dealLen[1]];
    byte[] mask = new byte[n];
    forEachChunk(lay.chunks, c -> dealChunk(s, op, p, lay, c, toC, toS, mask));
    return new Dealt(toC, toS, mask);
  }

  static void sendDealt(Session s, Dealt d) {
    s.net().send(Party.CLIENT, STEP_DEAL, d.toClient());
    s.net().send(Party.SERVER, STEP_DEAL, d.toServer());
  }

  private static void dealChunk(Session s, long op, Params p, Layout lay, int c, long[] toC, long[] toS, byte[] mask) {
    int lo = lay.lo(c), len = lay.len(c), half = clientSide(len);
    int k = p.k(), f = p.f(), lambda = p.lambda(), prime = p.p(), nb = p.nb(), ohn = p.oneHotCount();
    int ring = p.ringItems(), wrap = p.wrapItems();
    long fMask = f == 0 ? 0 : (f == 64 ? -1L : (1L << f) - 1);
    long[] r0 = maskHalves(s, Party.CLIENT, Party.CLIENT, op, c, lo, len, k);
    long[] r1 = maskHalves(s, Party.SERVER, Party.SERVER, op, c, lo, len, k);
    Prg own = s.random().own("fast/e#" + c, op);
    long[] e = own.longs((len + 63) >>> 6);
    long[] e2 = p.mode() == Mode.RELU_TRUNC_EXACT ? own.longs((len + 63) >>> 6) : null;
    int[] off = new int[nb], w = new int[nb];
    for (int j = 0; j < nb; j++) {
      off[j] = p.offset(j);
      w[j] = p.width(j);
    }
    long[] values = new long[ring + wrap];
    byte[] ohHalf = new byte[ohn];
    for (int side = 0; side < 2; side++) {
      // side 0: elements [0, half) have their halves from the client's stream, corrections go to the server
      int from = side == 0 ? 0 : half, to = side == 0 ? half : len, count = to - from;
      if (count == 0) continue;
      Party streamParty = side == 0 ? Party.CLIENT : Party.SERVER;
      int receiver = side == 0 ? 1 : 0;
      long[] msg = receiver == 0 ? toC : toS;
      int base = lay.dealOff[receiver][c];
      BitPack.Writer ohOut = new BitPack.Writer(msg, base);
      int ringBase = base + BitPack.longs((long) count * ohn, lambda);
      BitPack.Writer wrapOut = new BitPack.Writer(msg, ringBase + count * ring);
      SmallSampler ohStream = new SmallSampler(pair(s, streamParty, "fast/oh", op, c), prime, false);
      Prg itemStream = pair(s, streamParty, "fast/it", op, c);
      for (int i = from; i < to; i++) {
        long r = r0[i] + r1[i];
        int ei = (int) (e[i >>> 6] >>> i) & 1;
        int rk = (int) (r >>> k) & 1;
        int e2i = e2 == null ? 0 : (int) (e2[i >>> 6] >>> i) & 1;
        mask[lo + i] = (byte) ((rk ^ ei) | (e2i << 1));
        // one-hot of each block of r, minus the stream party's half
        ohStream.take(ohHalf, 0, ohn);
        int q = 0;
        for (int j = 0; j < nb; j++) {
          int rj = (int) (r >>> off[j]) & ((1 << w[j]) - 1);
          int top = (1 << w[j]) - 1;
          for (int v = 1; v <= top; v++, q++) {
            int corr = (v == rj ? 1 : 0) - ohHalf[q];
            ohOut.put(corr < 0 ? corr + prime : corr, lambda);
          }
        }
        items(p, r, ei, e2i, values);
        int at = ringBase + (i - from) * ring;
        for (int m = 0; m < ring; m++) msg[at + m] = values[m] - itemStream.nextLong();
        for (int m = 0; m < wrap; m++) wrapOut.put((values[ring + m] - itemStream.nextLong()) & fMask, f);
      }
      ohOut.flush();
      wrapOut.flush();
    }
  }

  /** The dealt item values of one element, in wire order: ring items, then wrap items (mod 2^f). */
  private static void items(Params p, long r, long e, long e2, long[] out) {
    int k = p.k(), f = p.f();
    switch (p.mode()) {
      case DRELU -> out[0] = e;
      case RELU -> {
        out[0] = e;
        out[1] = e * r;
      }
      case RELU_TRUNC, RELU_TRUNC_EXACT -> {
        long rh = r >>> f;
        out[0] = e;
        out[1] = rh;
        out[2] = e * rh;
        int at = 3;
        if (p.mode() == Mode.RELU_TRUNC_EXACT) {
          out[3] = e2;
          out[4] = e & e2;
          at = 5;
        }
        long omega = k == 63 ? 1 : ((r >>> (k + 1)) == (1L << (63 - k)) - 1 ? 1 : 0);
        long rk = (r >>> k) & 1;
        out[at] = omega;
        out[at + 1] = omega & e;
        out[at + 2] = omega & rk;
        out[at + 3] = omega & rk & e;
      }
    }
  }

  // ------------------------------------------------------------------ helper: online

  /** Helper, online: receives both zero-test vectors, sends g (and g2) to both holders (FASTRELU.md §4.3). */
  static void helperOnline(Session s, Params p, int n, byte[] mask) {
    Layout lay = new Layout(p, n);
    long[] d0 = s.net().receiveLongs(Party.CLIENT, STEP_D, lay.dLen);
    long[] d1 = s.net().receiveLongs(Party.SERVER, STEP_D, lay.dLen);
    long[] g = new long[lay.gLen];
    int m = p.nb(), mf = p.nbF(), lambda = p.lambda(), prime = p.p();
    boolean exact = p.mode() == Mode.RELU_TRUNC_EXACT;
    forEachChunk(lay.chunks, c -> {
      int lo = lay.lo(c), len = lay.len(c);
      BitPack.Reader a = new BitPack.Reader(d0, lay.dOff[c]), b = new BitPack.Reader(d1, lay.dOff[c]);
      BitPack.Writer out = new BitPack.Writer(g, lay.gOff[c]);
      for (int i = 0; i < len; i++) {
        int zero = 0;
        for (int q = 0; q <= m; q++) {
          int sum = (int) a.get(lambda) + (int) b.get(lambda);
          zero |= (sum == 0 || sum == prime) ? 1 : 0;
        }
        int bits = mask[lo + i];
        out.put((zero ^ bits) & 1, 1);
        if (exact) {
          int zero2 = 0;
          for (int q = 0; q <= mf; q++) {
            int sum = (int) a.get(lambda) + (int) b.get(lambda);
            zero2 |= (sum == 0 || sum == prime) ? 1 : 0;
          }
          out.put((zero2 ^ (bits >> 1)) & 1, 1);
        }
      }
      out.flush();
    });
    s.net().send(Party.CLIENT, STEP_G, g);
    s.net().send(Party.SERVER, STEP_G, g);
  }

  // ------------------------------------------------------------------ holders

  /**
   * Share holder: flights 1–3 and the local output (FASTRELU.md §4.1–4.4). {@code corrections} is this
   * holder's dealt message when it was received ahead of time, or {@code null} to receive it from the
   * helper after opening c.
   */
  static long[] holder(Session s, long op, Params p, long[] x, int n, long[] corrections) {
    if (x == null || x.length < n) throw new IllegalArgumentException("share array has " + (x == null ? "no" : x.length) + " elements, expected " + n);
    Party self = s.self(), other = self.otherHolder();
    int t = self == Party.CLIENT ? 0 : 1;
    Layout lay = new Layout(p, n);
    int k = p.k();
    long shift = t == 0 ? 1L << k : 0L; // 2^k, added by the client only (k = 63 gives Long.MIN_VALUE, as wanted)
    long[] r = new long[n];
    long[] mine = new long[n];
    forEachChunk(lay.chunks, c -> {
      int lo = lay.lo(c), len = lay.len(c);
      long[] rc = maskHalves(s, self, Party.HELPER, op, c, lo, len, k);
      System.arraycopy(rc, 0, r, lo, len);
      for (int i = 0; i < len; i++) mine[lo + i] = x[lo + i] + shift + rc[i];
    });
    s.net().send(other, STEP_C, mine);
    long[] corr = corrections != null ? corrections : s.net().receiveLongs(Party.HELPER, STEP_DEAL, lay.dealLen[t]);
    long[] theirs = s.net().receiveLongs(other, STEP_C, n);
    long[] cOpen = mine;
    for (int i = 0; i < n; i++) cOpen[i] += theirs[i];
    long[] d = new long[lay.dLen];
    forEachChunk(lay.chunks, c -> zeroTestChunk(s, op, p, lay, t, c, cOpen, corr, d));
    s.net().send(Party.HELPER, STEP_D, d);
    long[] g = s.net().receiveLongs(Party.HELPER, STEP_G, lay.gLen);
    long[] out = new long[n];
    forEachChunk(lay.chunks, c -> outputChunk(s, op, p, lay, t, c, cOpen, r, corr, g, out));
    return out;
  }

  /** Per-thread buffers of the zero-test computation. */
  private static final ThreadLocal<byte[][]> BUFFERS = ThreadLocal.withInitial(() -> new byte[6][]);

  private static byte[] buffer(int slot, int length) {
    byte[][] b = BUFFERS.get();
    if (b[slot] == null || b[slot].length < length) b[slot] = new byte[length];
    return b[slot];
  }

  /** Flight 2 for one chunk: BlockCompare(nb) (and BlockCompare(nb_f) in the exact mode) into d's region. */
  private static void zeroTestChunk(Session s, long op, Params p, Layout lay, int t, int c, long[] cOpen, long[] corr, long[] d) {
    int lo = lay.lo(c), len = lay.len(c), half = clientSide(len);
    int nb = p.nb(), mf = p.nbF(), lambda = p.lambda(), prime = p.p(), ohn = p.oneHotCount();
    boolean exact = p.mode() == Mode.RELU_TRUNC_EXACT;
    Party self = s.self(), other = self.otherHolder();
    // one-hot shares: own stream for the elements this holder draws, the helper's corrections for the rest
    byte[] oh = buffer(0, len * ohn);
    int from = t == 0 ? 0 : half, to = t == 0 ? half : len;
    new SmallSampler(pair(s, Party.HELPER, "fast/oh", op, c), prime, false).take(oh, from * ohn, (to - from) * ohn);
    int cFrom = t == 0 ? half : 0, cTo = t == 0 ? len : half;
    BitPack.Reader in = new BitPack.Reader(corr, lay.dealOff[t][c]);
    for (int q = cFrom * ohn, end = cTo * ohn; q < end; q++) oh[q] = (byte) in.get(lambda);
    // common randomness of the two holders
    long[] beta = pair(s, other, "fast/beta", op, c).longs(2 * ((len + 63) >>> 6));
    int betaWords = (len + 63) >>> 6;
    byte[] rho = buffer(1, len), sMul = buffer(2, len * (nb + 1)), zMask = buffer(3, len * (nb + 1));
    new SmallSampler(pair(s, other, "fast/rho", op, c), nb + 1, false).take(rho, 0, len);
    SmallSampler sSampler = new SmallSampler(pair(s, other, "fast/s", op, c), prime, true);
    SmallSampler zSampler = new SmallSampler(pair(s, other, "fast/z", op, c), prime, false);
    sSampler.take(sMul, 0, len * (nb + 1));
    zSampler.take(zMask, 0, len * (nb + 1));
    byte[] rho2 = null, s2 = null, z2 = null;
    if (exact) {
      rho2 = buffer(4, len);
      new SmallSampler(pair(s, other, "fast/rho2", op, c), mf + 1, false).take(rho2, 0, len);
      s2 = buffer(5, 2 * len * (mf + 1));
      sSampler.take(s2, 0, len * (mf + 1));
      zSampler.take(s2, len * (mf + 1), len * (mf + 1));
    }
    ZpMod zp = new ZpMod(prime);
    int one = t == 0 ? 1 : 0;
    int[] off = new int[nb], top = new int[nb], ohOff = new int[nb];
    for (int j = 0, q = 0; j < nb; j++) {
      off[j] = p.offset(j);
      top[j] = (1 << p.width(j)) - 1;
      ohOff[j] = q;
      q += top[j];
    }
    int[] u = new int[nb + 1], u2 = new int[mf + 1];
    BitPack.Writer out = new BitPack.Writer(d, lay.dOff[c]);
    for (int i = 0; i < len; i++) {
      long cv = cOpen[lo + i];
      int b = (int) (beta[i >>> 6] >>> i) & 1;
      int b2 = (int) (beta[betaWords + (i >>> 6)] >>> i) & 1;
      int row = i * ohn;
      int sum = 0, sum2 = 0; // Σ neq over the higher blocks (of all blocks, and of the blocks below f)
      for (int j = nb - 1; j >= 0; j--) {
        int cj = (int) (cv >>> off[j]) & top[j];
        int base = row + ohOff[j] - 1; // entry v of block j at base + v
        int lt = 0;
        for (int v = cj + 1; v <= top[j]; v++) lt += oh[base + v];
        lt = zp.mod(lt);
        int eq = cj == 0 ? zp.mod(one - lt + prime) : oh[base + cj];
        int neq = one - eq + prime;
        u[j] = b == 0 ? one - lt + prime + sum : lt + eq + sum;
        if (j < mf) {
          u2[j] = b2 == 0 ? one - lt + prime + sum2 : lt + eq + sum2;
          sum2 = zp.mod(sum2 + neq);
        }
        sum = zp.mod(sum + neq);
      }
      u[nb] = b == 0 ? one : sum;
      emit(out, u, nb, rho[i], sMul, i * (nb + 1), zMask, i * (nb + 1), t, zp, lambda);
      if (exact) {
        u2[mf] = b2 == 0 ? one : sum2;
        emit(out, u2, mf, rho2[i], s2, i * (mf + 1), s2, len * (mf + 1) + i * (mf + 1), t, zp, lambda);
      }
    }
    out.flush();
  }

  /** d[q] = s[q]·u[(q + ρ) mod (m+1)] ± z[q] mod p for q = 0..m, packed (the client adds z, the server subtracts it). */
  private static void emit(BitPack.Writer out, int[] u, int m, int rho, byte[] sMul, int sAt, byte[] zMask, int zAt, int t, ZpMod zp, int lambda) {
    int p = zp.p;
    for (int q = 0; q <= m; q++) {
      int idx = q + rho;
      if (idx > m) idx -= m + 1;
      int z = zMask[zAt + q];
      int v = sMul[sAt + q] * zp.mod(u[idx]) + (t == 0 ? z : p - z);
      out.put(zp.mod(v), lambda);
    }
  }

  /** The local output of one chunk (FASTRELU.md §4.4). */
  private static void outputChunk(Session s, long op, Params p, Layout lay, int t, int c, long[] cOpen, long[] r, long[] corr, long[] g, long[] outAll) {
    int lo = lay.lo(c), len = lay.len(c), half = clientSide(len);
    int k = p.k(), f = p.f(), ring = p.ringItems(), wrap = p.wrapItems(), items = ring + wrap;
    Party other = s.self().otherHolder();
    long one = t == 0 ? 1 : 0;
    long fMask = f == 0 ? 0 : (1L << f) - 1;
    int betaWords = (len + 63) >>> 6;
    long[] beta = pair(s, other, "fast/beta", op, c).longs(2 * betaWords);
    // this holder's item halves: from its stream for the elements it draws, from the corrections for the rest
    long[] it = new long[len * items];
    int from = t == 0 ? 0 : half, to = t == 0 ? half : len;
    pair(s, Party.HELPER, "fast/it", op, c).fill(it, from * items, (to - from) * items);
    for (int q = from * items, end = to * items; q < end; q++) {
      if ((q % items) >= ring) it[q] &= fMask;
    }
    int cFrom = t == 0 ? half : 0, cTo = t == 0 ? len : half, count = cTo - cFrom;
    int ringBase = lay.dealOff[t][c] + BitPack.longs((long) count * p.oneHotCount(), p.lambda());
    BitPack.Reader wrapIn = new BitPack.Reader(corr, ringBase + count * ring);
    for (int i = cFrom; i < cTo; i++) {
      for (int m = 0; m < ring; m++) it[i * items + m] = corr[ringBase + (i - cFrom) * ring + m];
      for (int m = 0; m < wrap; m++) it[i * items + ring + m] = wrapIn.get(f);
    }
    BitPack.Reader gIn = new BitPack.Reader(g, lay.gOff[c]);
    boolean exact = p.mode() == Mode.RELU_TRUNC_EXACT;
    long twoK = 1L << k;
    for (int i = 0; i < len; i++) {
      long cv = cOpen[lo + i];
      int b = (int) (beta[i >>> 6] >>> i) & 1;
      int gi = (int) gIn.get(1);
      int g2 = exact ? (int) gIn.get(1) : 0;
      int ck = (int) (cv >>> k) & 1;
      long h = ck ^ b ^ gi;
      long sgn = 1 - 2 * h;
      int q = i * items;
      long bt = one * h + sgn * it[q]; // share of b = DReLU(x)
      long res;
      switch (p.mode()) {
        case DRELU -> res = bt;
        case RELU -> res = (cv - twoK) * bt - (h * r[lo + i] + sgn * it[q + 1]);
        default -> {
          res = ((cv >>> f) - (1L << (k - f))) * bt - (h * it[q + 1] + sgn * it[q + 2]);
          int wq = q + ring;
          long a = gi ^ b;
          long bw = ck == 0 ? h * it[wq] + sgn * it[wq + 1] : (1 - a) * it[wq + 2] + (2 * a - 1) * it[wq + 3];
          res += bw << (64 - f);
          if (exact) {
            long b2 = (beta[betaWords + (i >>> 6)] >>> i) & 1;
            long h2 = b2 ^ g2;
            long sgn2 = 1 - 2 * h2;
            res -= one * h * h2 + h * sgn2 * it[q + 3] + sgn * h2 * it[q] + sgn * sgn2 * it[q + 4];
          }
        }
      }
      outAll[lo + i] = res;
    }
  }

  private static void forEachChunk(int chunks, java.util.function.IntConsumer body) {
    if (chunks == 1) body.accept(0);
    else IntStream.range(0, chunks).parallel().forEach(body);
  }
}
