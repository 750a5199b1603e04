package io.musketeer.mpc.protocol.fast;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Steps;
import io.musketeer.mpc.protocol.Session;
import io.musketeer.mpc.random.Prg;
import java.util.function.IntConsumer;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * FastReLU (FASTRELU.md): DReLU, ReLU and ReLU with fused truncation for inputs in [−2^k, 2^k), in
 * three online flights plus the helper's input-independent dealing.
 *
 * <ol>
 *   <li><b>Dealing</b> (§3). The helper knows a mask r = r_0 + r_1, each half from its stream with one
 *       holder (never sent). Per element it deals Z_p shares of the blocks of r, shares of its private
 *       bit e, of e·r (or of r &gt;&gt;&gt; f and e·(r &gt;&gt;&gt; f), and the wrap items ω, ω·e, ω·r_k,
 *       ω·r_k·e mod 2^f), and in the exact mode of a second private bit e2 and of e·e2. One half of an
 *       item comes from a pair stream and the other holder receives the correction; which holder
 *       receives alternates per element (the halving rule, PROTOCOLS.md §3.3).
 *   <li><b>Flight 1</b> (§4.1): the holders open c = x + 2^k + r to each other.
 *   <li><b>Flight 2</b> (§4.2): each sends the helper its share of BlockCompare's zero-test vector: per
 *       block j, the shares of [C_j &lt; R_j] and [C_j = R_j] are read off the dealt shares by C_j;
 *       the vector has one zero iff β XOR [low(c, k) &lt; low(r, k)] (β common to the holders), its
 *       entries are multiplied by fresh s ∈ Z_p^*, rotated by a fresh uniform ρ and masked by the
 *       zero-sharing z (the fix of D1). The exact mode sends BlockCompare over the blocks below f too.
 *   <li><b>Flight 3</b> (§4.3): the helper sends both holders g = δ' ⊕ r_k ⊕ e, hidden by e; the
 *       holders compute [b] = h + (1 − 2h)[e] with h = c_k ⊕ β ⊕ g, and the output locally (§4.4).
 * </ol>
 *
 * <p><b>Representation choices</b> (same messages' sizes and distributions as FASTRELU.md describes):
 * the block shares are dealt in thermometer form, T_j[v] = [R_j ≥ v] for v = 1 … 2^w − 1, an
 * invertible linear map of §3's one-hot E_j[v] = [R_j = v] that each holder could apply itself, so that
 * [C_j &lt; R_j] = T_j[C_j + 1] and [C_j = R_j] = T_j[C_j] − T_j[C_j + 1] are two lookups; the
 * multiplier is drawn as its discrete logarithm a (s = g^a, g a primitive root), so s·u is two table
 * lookups. Values travel position-major in bit planes ({@link Lanes}). Elements are processed in
 * lanes, a vector of elements at a time.
 *
 * <p>Every correlated value is derived per chunk of {@link #CHUNK} elements from counter-based pair
 * streams keyed by (operation, purpose, chunk), so the parties compute chunks in parallel and stay in
 * step whatever their core counts. Calls are padded to a multiple of 128 elements. All outputs are
 * fresh additive sharings.
 */
public final class FastRelu {
  /** Elements per chunk: the granularity of streams, parallel work and message regions (a multiple of 128). */
  static final int CHUNK = 4096;
  /** Calls are padded to this many elements, so that each half of a chunk fills whole bit-plane groups. */
  static final int PAD = 2 * Lanes.GROUP;
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

  /** Test hook: the zero test's multiplication by table index for every prime, as on machines with lanes fewer than p. */
  static volatile boolean scalarTablesForTests;

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
      helperOnline(s, p, n, d);
      return null;
    }
    return holder(s, op, p, x, n, null, null);
  }

  // ------------------------------------------------------------------ layout

  /** One call's chunks and the regions (offsets in longs) of its messages. */
  static final class Layout {
    final Params p;
    final int n, padded, chunks;
    /** Corrections for the client (0) and the server (1): region start per chunk, and total length. */
    final int[][] dealOff = new int[2][];
    final int[] dealLen = new int[2];
    final int[] dOff;
    final int dLen, gLen;

    Layout(Params p, int n) {
      this.p = p;
      this.n = n;
      this.padded = (n + PAD - 1) / PAD * PAD;
      this.chunks = (padded + CHUNK - 1) / CHUNK;
      for (int t = 0; t < 2; t++) {
        dealOff[t] = new int[chunks];
        int o = 0;
        for (int c = 0; c < chunks; c++) {
          dealOff[t][c] = o;
          o += dealRegion(p, len(c) / 2);
        }
        dealLen[t] = o;
      }
      dOff = new int[chunks];
      int d = 0;
      for (int c = 0; c < chunks; c++) {
        dOff[c] = d;
        d += Lanes.planeLongs(len(c) * p.positions(), p.lambda());
      }
      dLen = d;
      gLen = gWords(p) * padded / 64;
    }

    int lo(int c) {
      return c * CHUNK;
    }

    int len(int c) {
      return Math.min(CHUNK, padded - c * CHUNK);
    }

    /** Longs of the thermometer part of a correction region of count elements. */
    int thermoLongs(int count) {
      return Lanes.planeLongs(count * p.oneHotCount(), p.lambda());
    }
  }

  /** Longs of one chunk's correction region for count elements: thermometer planes, ring items, wrap fields. */
  static int dealRegion(Params p, int count) {
    return Lanes.planeLongs(count * p.oneHotCount(), p.lambda()) + count * p.ringItems()
        + BitPack.longs((long) count * p.wrapItems(), p.f());
  }

  /** g longs per 64 elements: g, and g2 in the exact mode. */
  static int gWords(Params p) {
    return G_WORDS[p.mode().ordinal()];
  }

  /** gWords by mode ordinal: a table, as the kernels call it per chunk (see {@link #ITEM_CODES}). */
  private static final int[] G_WORDS = java.util.Arrays.stream(Mode.values()).mapToInt(m -> m.exactShift() ? 2 : 1).toArray();

  // ------------------------------------------------------------------ streams

  private static Prg pair(Session s, Party other, String purpose, long op, int chunk) {
    return s.random().sharedChunk(other, purpose, op, chunk);
  }

  /** r_t of one chunk, with the forced-wrap test hook applied. */
  static long[] maskHalves(Session s, Party holder, Party other, long op, int chunk, int lo, int len, int k) {
    long[] r = pair(s, other, "fast/r", op, chunk).longs(len);
    if (forceWrapForTests && k < 63) forceWrap(holder, r, lo, k);
    return r;
  }

  /** The forced-wrap transform: even elements get r_0 &lt; 2^k and r_1 with bits k+1..63 set and bit k clear. */
  static void forceWrap(Party holder, long[] r, int lo, int k) {
    long low = (1L << k) - 1, high = ~((1L << (k + 1)) - 1);
    for (int i = 0; i < r.length; i++) {
      if (((lo + i) & 1) != 0) continue;
      r[i] = holder == Party.CLIENT ? r[i] & low : (r[i] & low) | high;
    }
  }

  /** Exp and log tables of Z_p (padded to a vector), for s·u = g^(a + log u). */
  static final class Tables {
    final byte[] exp = new byte[Math.max(Lanes.VL, 64)], log = new byte[Math.max(Lanes.VL, 64)];

    Tables(Params p) {
      int g = p.generator(), x = 1;
      for (int a = 0; a < p.p() - 1; a++) {
        exp[a] = (byte) x;
        log[x] = (byte) a;
        x = x * g % p.p();
      }
    }
  }

  // ------------------------------------------------------------------ helper: dealing

  /** The helper's input-independent messages for one call, and its bits r_k ⊕ e (and e2), 64 elements a long. */
  public record Dealt(long[] toClient, long[] toServer, long[] masks) {}

  /** Helper: deals one call (FASTRELU.md §3). Depends on the parameters, n and the op id only. */
  static Dealt deal(Session s, long op, Params p, int n) {
    long start = System.nanoTime();
    Layout lay = new Layout(p, n);
    long[] toC = new long[lay.dealLen[0]], toS = new long[lay.dealLen[1]];
    long[] masks = new long[lay.gLen];
    forEachChunk(s, lay.chunks, c -> dealChunk(s, op, p, lay, c, toC, toS, masks));
    s.offline().spent(System.nanoTime() - start);
    return new Dealt(toC, toS, masks);
  }

  static void sendDealt(Session s, Dealt d) {
    s.net().send(Party.CLIENT, STEP_DEAL, d.toClient());
    s.net().send(Party.SERVER, STEP_DEAL, d.toServer());
    s.offline().sent(8L * d.toClient().length);
    s.offline().sent(8L * d.toServer().length);
  }

  /** Share holder: receives its dealt message of a call of n elements. */
  static long[] receiveDealt(Session s, Params p, int n) {
    return s.net().receiveLongs(Party.HELPER, STEP_DEAL, new Layout(p, n).dealLen[s.isClient() ? 0 : 1]);
  }

  private static void dealChunk(Session s, long op, Params p, Layout lay, int c, long[] toC, long[] toS, long[] masks) {
    int lo = lay.lo(c), len = lay.len(c), half = len / 2;
    int k = p.k(), f = p.f(), lambda = p.lambda(), nb = p.nb(), ring = p.ringItems(), wrap = p.wrapItems();
    boolean exact = p.mode().exactShift();
    long fMask = (1L << f) - 1; // 0 for f = 0, without a branch on the mode (see Mode)
    long[] r0 = maskHalves(s, Party.CLIENT, Party.CLIENT, op, c, lo, len, k);
    long[] r1 = maskHalves(s, Party.SERVER, Party.SERVER, op, c, lo, len, k);
    long[] r = new long[len];
    for (int i = 0; i < len; i++) r[i] = r0[i] + r1[i];
    Prg own = s.random().ownChunk("fast/e", op, c);
    long[] e = own.longs(len / 64);
    long[] e2 = secondBits(exact, own, len);
    int words = gWords(p);
    maskedBits(r, len, k, e, e2, words, masks, lo / 64 * words);
    byte[] blocks = buffer(0, nb * len); // R_j, block-major
    blocks(p, r, 0, len, blocks);
    byte prime = (byte) p.p();
    byte[] half0 = buffer(1, half), corr = buffer(2, half);
    for (int side = 0; side < 2; side++) {
      // side 0: the client's stream gives the halves of elements [0, half), the server receives corrections
      int from = side * half;
      Party streamParty = side == 0 ? Party.CLIENT : Party.SERVER;
      int receiver = 1 - side;
      long[] msg = receiver == 0 ? toC : toS;
      int base = lay.dealOff[receiver][c];
      // thermometer columns: [R_j ≥ v] minus the stream party's half, mod p
      Lanes.Sampler th = new Lanes.Sampler(pair(s, streamParty, "fast/th", op, c), p.p(), false);
      int o = base;
      for (int j = 0; j < nb; j++) {
        int top = (1 << p.width(j)) - 1;
        for (int v = 1; v <= top; v++) {
          th.take(half0, 0, half);
          thermometerCorrection(blocks, j * len + from, half, v, prime, half0, corr);
          o += Lanes.packPlanes(corr, 0, half, lambda, msg, o);
        }
      }
      // ring items (whole longs) and wrap items (f bits), column-major, minus the stream party's halves
      long[] hv = pair(s, streamParty, "fast/it", op, c).longs((ring + wrap) * half);
      int[] codes = ITEM_CODES[p.mode().ordinal()];
      for (int m = 0; m < codes.length; m++) itemColumn(codes[m], r, e, e2, from, half, k, f, hv, m * half);
      for (int q = 0; q < ring * half; q++) msg[o + q] = hv[q];
      BitPack.Writer wrapOut = new BitPack.Writer(msg, o + ring * half);
      for (int q = ring * half; q < (ring + wrap) * half; q++) wrapOut.put(hv[q] & fMask, f);
      wrapOut.flush();
    }
  }

  /**
   * The helper's bits of one chunk, 64 elements a long: r_k ⊕ e, and e2 after it in the exact mode
   * (words = 2). Kept out of dealChunk by the launcher, as {@link #blocks} is out of zeroTestChunk.
   */
  private static void maskedBits(long[] r, int len, int k, long[] e, long[] e2, int words, long[] masks, int at) {
    for (int w = 0; w < len / 64; w++) {
      long rk = 0;
      for (int i = 0; i < 64; i++) rk |= ((r[64 * w + i] >>> k) & 1) << i;
      masks[at + w * words] = rk ^ e[w];
      if (e2 != null) masks[at + w * words + 1] = e2[w];
    }
  }

  /** corr[i] = [R ≥ v] − stream[i] mod p for count block values R = blocks[at + i]. */
  private static void thermometerCorrection(byte[] blocks, int at, int count, int v, byte prime, byte[] stream, byte[] corr) {
    for (int i = 0; i < count; i += Lanes.VL) {
      ByteVector rj = ByteVector.fromArray(Lanes.B, blocks, at + i);
      ByteVector bit = ByteVector.zero(Lanes.B).blend((byte) 1, rj.compare(VectorOperators.GE, (byte) v));
      Lanes.reduce(bit.add(prime).sub(ByteVector.fromArray(Lanes.B, stream, i)), prime).intoArray(corr, i);
    }
  }

  // the dealt items, by code: E, ER, RH, ERH, E2, EE2, then the wrap items OM, OME, OMRK, OMRKE
  private static final int E = 0, ER = 1, RH = 2, ERH = 3, E2 = 4, EE2 = 5, OM = 6, OME = 7, OMRK = 8, OMRKE = 9;

  /** The dealt items of a mode, in wire order: ring items, then wrap items (mod 2^f). */
  static int[] itemCodes(Mode mode) {
    return switch (mode) {
      case DRELU -> new int[] {E};
      case RELU -> new int[] {E, ER};
      case RELU_TRUNC -> new int[] {E, RH, ERH, OM, OME, OMRK, OMRKE};
      case RELU_TRUNC_EXACT -> new int[] {E, RH, ERH, E2, EE2, OM, OME, OMRK, OMRKE};
      case TRUNC -> new int[] {RH, E2, OM, OME, OMRK, OMRKE};
    };
  }

  /** itemCodes by mode ordinal, read as a table by dealChunk: a switch there would deoptimise it at each new mode. Never modified. */
  private static final int[][] ITEM_CODES = java.util.Arrays.stream(Mode.values()).map(FastRelu::itemCodes).toArray(int[][]::new);

  /**
   * The helper's second private bits e2 of a chunk (the exact mode), or null. Kept out of dealChunk by
   * the launcher, with the branch on the mode inside it (see {@link #exactDraws}).
   */
  private static long[] secondBits(boolean exact, Prg own, int len) {
    return exact ? own.longs(len / 64) : null;
  }

  /**
   * Helper: out[at + i] = item(element from + i) − out[at + i] (the stream party's half there), for one
   * item over half elements of a chunk. r_k = bit k of r; ω = 1 iff bits k+1..63 of r are all ones
   * (always for k = 63, where Java's r >>> 64 would be r).
   */
  private static void itemColumn(int code, long[] r, long[] e, long[] e2, int from, int count, int k, int f, long[] out, int at) {
    long allOnes = k == 63 ? 0 : (1L << (63 - k)) - 1;
    for (int i = 0; i < count; i++) {
      int el = from + i;
      long ri = r[el], ei = (e[el >>> 6] >>> el) & 1;
      long v = switch (code) {
        case E -> ei;
        case ER -> ei * ri;
        case RH -> ri >>> f;
        case ERH -> ei * (ri >>> f);
        case E2 -> (e2[el >>> 6] >>> el) & 1;
        case EE2 -> ei & (e2[el >>> 6] >>> el);
        default -> {
          long omega = k == 63 || (ri >>> (k + 1)) == allOnes ? 1 : 0, rk = (ri >>> k) & 1;
          yield switch (code) {
            case OM -> omega;
            case OME -> omega & ei;
            case OMRK -> omega & rk;
            default -> omega & rk & ei;
          };
        }
      };
      out[at + i] = v - out[at + i];
    }
  }

  // ------------------------------------------------------------------ helper: online

  /** Helper, online: receives both zero-test vectors, sends g (and g2) to both holders (FASTRELU.md §4.3). */
  static void helperOnline(Session s, Params p, int n, Dealt dealt) {
    helperOnline(s, p, n, dealt.masks(), null);
  }

  /** As above, with the masks of the dealing; {@code afterG}, if given, runs right after g is sent (in the same flight). */
  static void helperOnline(Session s, Params p, int n, long[] masks, Runnable afterG) {
    Layout lay = new Layout(p, n);
    long[] d0 = s.net().receiveLongs(Party.CLIENT, STEP_D, lay.dLen);
    long[] d1 = s.net().receiveLongs(Party.SERVER, STEP_D, lay.dLen);
    long[] g = new long[lay.gLen];
    int m = p.nb() + 1, positions = p.positions(), lambda = p.lambda(), words = gWords(p);
    byte prime = (byte) p.p();
    forEachChunk(s, lay.chunks, c -> {
      int lo = lay.lo(c), len = lay.len(c);
      byte[] a = buffer(0, positions * len), b = buffer(1, positions * len);
      Lanes.unpackPlanes(d0, lay.dOff[c], positions * len, lambda, a, 0);
      Lanes.unpackPlanes(d1, lay.dOff[c], positions * len, lambda, b, 0);
      for (int w = 0; w < len / 64; w++) {
        long zero = 0, zero2 = 0;
        for (int sub = 0; sub < 64; sub += Lanes.VL) {
          int e0 = 64 * w + sub;
          VectorMask<Byte> z1 = Lanes.B.maskAll(false), z2 = Lanes.B.maskAll(false);
          for (int q = 0; q < positions; q++) {
            ByteVector sum = ByteVector.fromArray(Lanes.B, a, q * len + e0).add(ByteVector.fromArray(Lanes.B, b, q * len + e0));
            VectorMask<Byte> isZero = sum.compare(VectorOperators.EQ, (byte) 0).or(sum.compare(VectorOperators.EQ, prime));
            if (q < m) z1 = z1.or(isZero);
            else z2 = z2.or(isZero);
          }
          zero |= (z1.toLong() & laneBits()) << sub;
          zero2 |= (z2.toLong() & laneBits()) << sub;
        }
        int at = (lo / 64 + w) * words;
        g[at] = zero ^ masks[at];
        if (words == 2) g[at + 1] = zero2 ^ masks[at + 1];
      }
    });
    s.net().send(Party.CLIENT, STEP_G, g);
    s.net().send(Party.SERVER, STEP_G, g);
    if (afterG != null) afterG.run();
  }

  private static long laneBits() {
    return Lanes.VL == 64 ? -1L : (1L << Lanes.VL) - 1;
  }

  // ------------------------------------------------------------------ holders

  /**
   * Share holder: flights 1–3 and the local output (FASTRELU.md §4.1–4.4). {@code corrections} is this
   * holder's dealt message when it was received ahead of time, or {@code null} to receive it from the
   * helper after sending c; {@code afterG}, if given, runs right after g arrives (to receive what the
   * helper sent in the same flight).
   */
  static long[] holder(Session s, long op, Params p, long[] x, int n, long[] corrections, Runnable afterG) {
    if (x == null || x.length < n) throw new IllegalArgumentException("share array has " + (x == null ? "no" : x.length) + " elements, expected " + n);
    Party self = s.self(), other = self.otherHolder();
    int t = self == Party.CLIENT ? 0 : 1;
    Layout lay = new Layout(p, n);
    int k = p.k();
    long shift = t == 0 ? 1L << k : 0L; // 2^k, added by the client only (k = 63 gives Long.MIN_VALUE, as wanted)
    long[] r = new long[lay.padded];
    long[] mine = new long[lay.padded];
    forEachChunk(s, lay.chunks, c -> {
      int lo = lay.lo(c), len = lay.len(c);
      long[] rc = maskHalves(s, self, Party.HELPER, op, c, lo, len, k);
      System.arraycopy(rc, 0, r, lo, len);
      int real = Math.max(0, Math.min(len, n - lo));
      for (int i = 0; i < real; i++) mine[lo + i] = x[lo + i] + shift + rc[i];
      for (int i = real; i < len; i++) mine[lo + i] = shift + rc[i];
    });
    s.net().send(other, STEP_C, mine);
    long[] corr = corrections != null ? corrections : s.net().receiveLongs(Party.HELPER, STEP_DEAL, lay.dealLen[t]);
    long[] theirs = s.net().receiveLongs(other, STEP_C, lay.padded);
    long[] cOpen = mine;
    for (int i = 0; i < cOpen.length; i++) cOpen[i] += theirs[i];
    long[] d = new long[lay.dLen];
    Tables tables = new Tables(p);
    forEachChunk(s, lay.chunks, c -> zeroTestChunk(s, op, p, lay, tables, t, c, cOpen, corr, d));
    s.net().send(Party.HELPER, STEP_D, d);
    long[] g = s.net().receiveLongs(Party.HELPER, STEP_G, lay.gLen);
    if (afterG != null) afterG.run(); // the next call's dealing, sent in g's flight
    long[] out = new long[n];
    forEachChunk(s, lay.chunks, c -> outputChunk(s, op, p, lay, t, c, cOpen, r, corr, g, out));
    return out;
  }

  /** Per-thread scratch buffers. */
  private static final ThreadLocal<byte[][]> BUFFERS = ThreadLocal.withInitial(() -> new byte[12][]);
  private static final ThreadLocal<long[][]> LONG_BUFFERS = ThreadLocal.withInitial(() -> new long[2][]);

  private static long[] longBuffer(int slot, int length) {
    long[][] b = LONG_BUFFERS.get();
    if (b[slot] == null || b[slot].length < length) b[slot] = new long[length];
    return b[slot];
  }

  private static byte[] buffer(int slot, int length) {
    byte[][] b = BUFFERS.get();
    if (b[slot] == null || b[slot].length < length) b[slot] = new byte[length];
    return b[slot];
  }

  /** Flight 2 for one chunk: BlockCompare(nb) (and BlockCompare(nb_f) in the exact mode) into d's region. */
  private static void zeroTestChunk(Session s, long op, Params p, Layout lay, Tables tables, int t, int c, long[] cOpen, long[] corr, long[] d) {
    int lo = lay.lo(c), len = lay.len(c), half = len / 2;
    int nb = p.nb(), mf = p.nbF(), m = nb + 1, m2 = mf + 1, lambda = p.lambda(), ohn = p.oneHotCount();
    boolean exact = p.mode().exactShift();
    byte prime = (byte) p.p();
    Party other = s.self().otherHolder();
    // thermometer shares, column-major: own stream for the elements this holder draws, corrections for the rest
    byte[] th = buffer(3, ohn * len);
    int from = t == 0 ? 0 : half, cFrom = t == 0 ? half : 0;
    Lanes.Sampler ths = new Lanes.Sampler(pair(s, Party.HELPER, "fast/th", op, c), p.p(), false);
    int o = lay.dealOff[t][c];
    for (int q = 0; q < ohn; q++) {
      ths.take(th, q * len + from, half);
      o += Lanes.unpackPlanes(corr, o, half, lambda, th, q * len + cFrom);
    }
    // c's blocks, block-major
    byte[] cb = buffer(4, nb * len);
    blocks(p, cOpen, lo, len, cb);
    // common randomness of the two holders: β (and β2), rotations, multipliers' logarithms, zero-masks
    long[] beta = pair(s, other, "fast/beta", op, c).longs(2 * (len / 64));
    byte[] rho = buffer(5, 2 * len), la = buffer(6, (m + m2) * len), z = buffer(7, (m + m2) * len);
    new Lanes.Sampler(pair(s, other, "fast/rho", op, c), m, false).take(rho, 0, len);
    Lanes.Sampler as = new Lanes.Sampler(pair(s, other, "fast/s", op, c), p.p() - 1, false);
    Lanes.Sampler zs = new Lanes.Sampler(pair(s, other, "fast/z", op, c), p.p(), false);
    as.take(la, 0, m * len);
    zs.take(z, 0, m * len);
    exactDraws(exact, s, other, op, c, m, m2, len, rho, as, zs, la, z);
    byte[] dv = buffer(8, (m + m2) * len);
    byte[] u = buffer(9, m * len), u2 = buffer(10, m2 * len), scratch = buffer(11, 2 * Math.max(m, m2) * Lanes.VL);
    int[] ohOff = new int[nb], tops = new int[nb];
    for (int j = 0, q = 0; j < nb; j++) {
      ohOff[j] = q;
      tops[j] = (1 << p.width(j)) - 1;
      q += tops[j];
    }
    // Each kernel is its own loop over the chunk, compiled by C2 on its own: a deoptimisation then
    // recompiles that kernel, not one method with all of them inlined (BENCHMARKS.md, the cold JIT).
    blockCompare(cb, th, len, nb, mf, ohOff, tops, t, prime, beta, u, u2);
    finish(u, m, rho, 0, la, z, 0, dv, len, t, prime, tables, scratch);
    finishExact(exact, u2, m2, rho, len, la, z, m * len, dv, len, t, prime, tables, scratch);
    Lanes.packPlanes(dv, 0, p.positions() * len, lambda, d, lay.dOff[c]);
  }

  /**
   * The exact mode's common randomness for its second zero test (rotations, multipliers, zero-masks).
   * This and {@link #finishExact} are methods of their own, kept out of zeroTestChunk by the launcher,
   * with the branch on the mode inside them: C2 compiles such a branch for the modes it has seen, and
   * the first exact layer would otherwise deoptimise and recompile the whole chunk's code.
   */
  private static void exactDraws(boolean exact, Session s, Party other, long op, int c, int m, int m2, int len, byte[] rho,
      Lanes.Sampler as, Lanes.Sampler zs, byte[] la, byte[] z) {
    if (!exact) return;
    new Lanes.Sampler(pair(s, other, "fast/rho2", op, c), m2, false).take(rho, len, len);
    as.take(la, m * len, m2 * len);
    zs.take(z, m * len, m2 * len);
  }

  private static void finishExact(boolean exact, byte[] u2, int m2, byte[] rho, int rhoOff, byte[] la, byte[] z, int first, byte[] dv, int len,
      int t, byte prime, Tables tables, byte[] scratch) {
    if (exact) finish(u2, m2, rho, rhoOff, la, z, first, dv, len, t, prime, tables, scratch);
  }

  /**
   * All blocks of len values, block-major: dst[j·len + i] = block j of src[from + i]. A method of its
   * own, kept out of its callers by the launcher: the block count changes from layer to layer, and the
   * loop-predicate deoptimisation that follows then recompiles this method, not the whole chunk's.
   */
  private static void blocks(Params p, long[] src, int from, int len, byte[] dst) {
    for (int j = 0; j < p.nb(); j++) block(src, from, len, p.offset(j), p.width(j), dst, j * len);
  }

  /** One block of len values: dst[at + i] = bits off .. off + width − 1 of src[from + i]. */
  private static void block(long[] src, int from, int len, int off, int width, byte[] dst, int at) {
    int mask = (1 << width) - 1;
    for (int i = 0; i < len; i++) dst[at + i] = (byte) ((src[from + i] >>> off) & mask);
  }

  /**
   * BlockCompare's entries (FASTRELU.md §4.2, steps 1–4), before rotation, a vector of elements at a
   * time: u[j·len + e] for the blocks j &lt; nb and u[nb·len + e] for the last position; u2 likewise over
   * the blocks below f. Per block, tc = T_j[C_j] (with T_j[0] = one) and tc1 = T_j[C_j + 1] (with
   * T_j[2^w] = 0) are read off the thermometer shares by C_j.
   */
  private static void blockCompare(byte[] cb, byte[] th, int len, int nb, int mf, int[] ohOff, int[] tops, int t, byte prime,
      long[] beta, byte[] u, byte[] u2) {
    ByteVector one = ByteVector.broadcast(Lanes.B, (byte) (t == 0 ? 1 : 0)), zero = ByteVector.zero(Lanes.B);
    for (int e0 = 0; e0 < len; e0 += Lanes.VL) {
      VectorMask<Byte> b1 = VectorMask.fromLong(Lanes.B, beta[e0 >>> 6] >>> (e0 & 63));
      VectorMask<Byte> b21 = VectorMask.fromLong(Lanes.B, beta[len / 64 + (e0 >>> 6)] >>> (e0 & 63));
      ByteVector sum = zero, sum2 = zero;
      for (int j = nb - 1; j >= 0; j--) {
        ByteVector cj = ByteVector.fromArray(Lanes.B, cb, j * len + e0);
        ByteVector tc = one, tc1 = zero;
        VectorMask<Byte> prev = cj.compare(VectorOperators.EQ, (byte) 0);
        for (int v = 1, top = tops[j]; v <= top; v++) {
          ByteVector tv = ByteVector.fromArray(Lanes.B, th, (ohOff[j] + v - 1) * len + e0);
          VectorMask<Byte> here = cj.compare(VectorOperators.EQ, (byte) v);
          tc = tc.blend(tv, here);
          tc1 = tc1.blend(tv, prev);
          prev = here;
        }
        // β = 0: u = one − [C < R] + S; β = 1: u = one − [C > R] + S = [C ≤ R] + S
        ByteVector u0 = one.sub(tc1).add(prime).add(sum), u1 = tc.add(sum);
        Lanes.reduce(Lanes.reduce(u0.blend(u1, b1), prime), prime).intoArray(u, j * len + e0);
        ByteVector neq = Lanes.reduce(Lanes.reduce(one.sub(tc).add(tc1).add(prime), prime), prime);
        if (j < mf) {
          ByteVector v0 = one.sub(tc1).add(prime).add(sum2), v1 = tc.add(sum2);
          Lanes.reduce(Lanes.reduce(v0.blend(v1, b21), prime), prime).intoArray(u2, j * len + e0);
          sum2 = Lanes.reduce(sum2.add(neq), prime);
        }
        sum = Lanes.reduce(sum.add(neq), prime);
      }
      one.blend(sum, b1).intoArray(u, nb * len + e0);
      if (mf > 0) one.blend(sum2, b21).intoArray(u2, mf * len + e0);
    }
  }

  /**
   * The m zero-test entries u[q·len + e], a vector of elements at a time: rotates them by ρ (per lane,
   * by doubling steps, in scratch), multiplies by s = g^a, adds the client's +z or the server's −z,
   * and writes the columns first.. of dv.
   */
  private static void finish(byte[] u, int m, byte[] rho, int rhoOff, byte[] la, byte[] z, int first, byte[] dv, int len, int t,
      byte prime, Tables tables, byte[] scratch) {
    int vl = Lanes.VL;
    boolean vectorTables = prime <= vl && !scalarTablesForTests;
    ByteVector logT = ByteVector.fromArray(Lanes.B, tables.log, 0), expT = ByteVector.fromArray(Lanes.B, tables.exp, 0);
    byte pm1 = (byte) (prime - 1);
    byte[] products = vectorTables ? null : new byte[vl]; // primes above the lane count: the tables by index
    for (int e0 = 0; e0 < len; e0 += vl) {
      for (int q = 0; q < m; q++) ByteVector.fromArray(Lanes.B, u, q * len + e0).intoArray(scratch, q * vl);
      ByteVector r = ByteVector.fromArray(Lanes.B, rho, rhoOff + e0);
      int in = 0, out = m * vl; // double buffer: [0, m·vl) and [m·vl, 2m·vl)
      for (int step = 1; step < m; step <<= 1) {
        VectorMask<Byte> move = r.and((byte) step).compare(VectorOperators.NE, (byte) 0);
        for (int q = 0; q < m; q++) {
          int from = (q + step) % m;
          ByteVector a = ByteVector.fromArray(Lanes.B, scratch, in + q * vl), b = ByteVector.fromArray(Lanes.B, scratch, in + from * vl);
          a.blend(b, move).intoArray(scratch, out + q * vl);
        }
        int tmp = in;
        in = out;
        out = tmp;
      }
      for (int q = 0; q < m; q++) {
        ByteVector uq = ByteVector.fromArray(Lanes.B, scratch, in + q * vl);
        ByteVector aq = ByteVector.fromArray(Lanes.B, la, first + q * len + e0);
        ByteVector zq = ByteVector.fromArray(Lanes.B, z, first + q * len + e0);
        ByteVector prod;
        if (vectorTables) {
          ByteVector sumLog = Lanes.reduce(aq.add(uq.selectFrom(logT)), pm1);
          prod = sumLog.selectFrom(expT).blend((byte) 0, uq.compare(VectorOperators.EQ, (byte) 0));
        } else {
          for (int i = 0, uAt = in + q * vl, aAt = first + q * len + e0; i < vl; i++) {
            byte ui = scratch[uAt + i];
            products[i] = ui == 0 ? 0 : tables.exp[(la[aAt + i] + tables.log[ui]) % (prime - 1)];
          }
          prod = ByteVector.fromArray(Lanes.B, products, 0);
        }
        // the client adds z, the server subtracts it (p − z, or 0 for z = 0)
        ByteVector zt = t == 0 ? zq : Lanes.reduce(ByteVector.broadcast(Lanes.B, prime).sub(zq), prime);
        Lanes.reduce(prod.add(zt), prime).intoArray(dv, first + q * len + e0);
      }
    }
  }

  /** The local output of one chunk (FASTRELU.md §4.4). */
  private static void outputChunk(Session s, long op, Params p, Layout lay, int t, int c, long[] cOpen, long[] r, long[] corr, long[] g, long[] outAll) {
    int lo = lay.lo(c), len = lay.len(c), half = len / 2;
    int real = Math.max(0, Math.min(len, lay.n - lo));
    if (real == 0) return;
    int k = p.k(), f = p.f(), ring = p.ringItems(), wrap = p.wrapItems(), items = ring + wrap;
    Party other = s.self().otherHolder();
    long one = t == 0 ? 1 : 0;
    long fMask = (1L << f) - 1; // 0 for f = 0, without a branch on the mode (see Mode)
    long[] beta = pair(s, other, "fast/beta", op, c).longs(2 * (len / 64));
    // this holder's item halves, item-major: its stream for the elements it draws, corrections for the rest
    long[] it = longBuffer(0, items * len);
    int from = t == 0 ? 0 : half, cFrom = t == 0 ? half : 0;
    long[] hv = pair(s, Party.HELPER, "fast/it", op, c).longs(items * half);
    int ringBase = lay.dealOff[t][c] + lay.thermoLongs(half);
    itemHalves(items, ring, f, fMask, len, half, from, cFrom, hv, corr, ringBase, it);
    int words = gWords(p);
    long[] b1 = new long[real], h = new long[real];
    for (int i = 0; i < real; i++) {
      int e = lo + i;
      // h = c_k ⊕ β ⊕ g = b ⊕ e, public to both holders
      b1[i] = (beta[i >>> 6] >>> i) & 1;
      h[i] = ((cOpen[e] >>> k) & 1) ^ b1[i] ^ ((g[(e >>> 6) * words] >>> e) & 1);
    }
    modeOutput(p.mode(), real, lo, len, k, f, ring, words, one, h, it, cOpen, r, beta, g, outAll);
  }

  /**
   * One method per mode, so that each mode's loop is compiled on its own, and only once it is used; the
   * switch is kept out of outputChunk by the launcher, as {@link #exactDraws} is out of zeroTestChunk.
   */
  private static void modeOutput(Mode mode, int real, int lo, int len, int k, int f, int ring, int words, long one, long[] h, long[] it,
      long[] cOpen, long[] r, long[] beta, long[] g, long[] outAll) {
    switch (mode) {
      case DRELU -> dreluOutput(real, lo, one, h, it, outAll);
      case RELU -> reluOutput(real, lo, len, k, one, h, it, cOpen, r, outAll);
      case TRUNC -> truncOutput(real, lo, len, k, f, ring, words, one, h, it, cOpen, beta, g, outAll);
      case RELU_TRUNC -> reluTruncOutput(real, lo, len, k, f, ring, words, false, one, h, it, cOpen, beta, g, outAll);
      case RELU_TRUNC_EXACT -> reluTruncOutput(real, lo, len, k, f, ring, words, true, one, h, it, cOpen, beta, g, outAll);
    }
  }

  /**
   * The holder's item halves, item-major: its own stream's for the elements it draws, the helper's
   * corrections (ring items whole, wrap items f bits each) for the rest. Kept out of outputChunk by the
   * launcher, as {@link #blocks} is out of zeroTestChunk: the item count changes with the mode.
   */
  private static void itemHalves(int items, int ring, int f, long fMask, int len, int half, int from, int cFrom, long[] hv, long[] corr,
      int ringBase, long[] it) {
    BitPack.Reader wrapIn = new BitPack.Reader(corr, ringBase + ring * half);
    for (int m = 0; m < items; m++) {
      for (int i = 0; i < half; i++) it[m * len + from + i] = m < ring ? hv[m * half + i] : hv[m * half + i] & fMask;
      for (int i = 0; i < half; i++) it[m * len + cFrom + i] = m < ring ? corr[ringBase + m * half + i] : wrapIn.get(f);
    }
  }

  private static void dreluOutput(int real, int lo, long one, long[] h, long[] it, long[] outAll) {
    for (int i = 0; i < real; i++) outAll[lo + i] = one * h[i] + (1 - 2 * h[i]) * it[i];
  }

  private static void reluOutput(int real, int lo, int len, int k, long one, long[] h, long[] it, long[] cOpen, long[] r, long[] outAll) {
    long twoK = 1L << k;
    for (int i = 0; i < real; i++) {
      long hi = h[i], sgn = 1 - 2 * hi, bt = one * hi + sgn * it[i]; // bt: share of b = DReLU(x)
      outAll[lo + i] = (cOpen[lo + i] - twoK) * bt - (hi * r[lo + i] + sgn * it[len + i]);
    }
  }

  private static void truncOutput(int real, int lo, int len, int k, int f, int ring, int words, long one, long[] h, long[] it, long[] cOpen,
      long[] beta, long[] g, long[] outAll) {
    long high = 1L << (k - f);
    int w0 = ring * len;
    for (int i = 0; i < real; i++) {
      // ⌊x/2^f⌋ = (c >>> f) − 2^(k−f) − r_h − t_f + 2^(64−f)·w, with w = ω·γ from the public c_k and a = g ⊕ β
      int e = lo + i;
      long cv = cOpen[e], ck = (cv >>> k) & 1, a = h[i] ^ ck; // a = g ⊕ β
      long h2 = ((beta[len / 64 + (i >>> 6)] >>> i) & 1) ^ ((g[(e >>> 6) * words + 1] >>> e) & 1);
      long tf = one * h2 + (1 - 2 * h2) * it[len + i];
      long om = it[w0 + i], ome = it[w0 + len + i], omrk = it[w0 + 2 * len + i], omrke = it[w0 + 3 * len + i];
      long w = ck == 0 ? omrk + a * (om - omrk) + (1 - 2 * a) * (ome - omrke) : (1 - a) * omrk + (2 * a - 1) * omrke;
      outAll[e] = one * ((cv >>> f) - high) - it[i] - tf + (w << (64 - f));
    }
  }

  private static void reluTruncOutput(int real, int lo, int len, int k, int f, int ring, int words, boolean exact, long one, long[] h, long[] it,
      long[] cOpen, long[] beta, long[] g, long[] outAll) {
    long high = 1L << (k - f);
    int w0 = ring * len;
    for (int i = 0; i < real; i++) {
      int e = lo + i;
      long cv = cOpen[e], ck = (cv >>> k) & 1, hi = h[i], sgn = 1 - 2 * hi, a = hi ^ ck;
      long bt = one * hi + sgn * it[i];
      long res = ((cv >>> f) - high) * bt - (hi * it[len + i] + sgn * it[2 * len + i]);
      // b·w mod 2^f, shifted to the top: the wrap of y + r, from the four ω items
      long bw = ck == 0 ? hi * it[w0 + i] + sgn * it[w0 + len + i] : (1 - a) * it[w0 + 2 * len + i] + (2 * a - 1) * it[w0 + 3 * len + i];
      res += bw << (64 - f);
      if (exact) {
        long h2 = ((beta[len / 64 + (i >>> 6)] >>> i) & 1) ^ ((g[(e >>> 6) * words + 1] >>> e) & 1), sgn2 = 1 - 2 * h2;
        res -= one * hi * h2 + hi * sgn2 * it[3 * len + i] + sgn * h2 * it[i] + sgn * sgn2 * it[4 * len + i];
      }
      outAll[e] = res;
    }
  }

  private static void forEachChunk(Session s, int chunks, IntConsumer body) {
    s.workers().forEach(chunks, body);
  }
}
