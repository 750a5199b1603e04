package io.musketeer.mpc.protocol.porthos;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Steps;
import io.musketeer.mpc.protocol.Beaver;
import io.musketeer.mpc.protocol.Dealer;
import io.musketeer.mpc.protocol.Session;
import io.musketeer.mpc.protocol.Wire;
import io.musketeer.mpc.random.Prg;

/**
 * ShareConvert from Z_L to the odd ring Z_{L-1} (SecureNN, ShareConvert algorithm; CrypTFlow, Porthos's
 * RUN_SHARECONV_OPTI; Porthos's {@code funcShareConvertMPC}; PROTOCOLS.md §4.6). Input [a] over Z_L
 * with a ≠ 2^64−1; output [a]' over Z_{L-1}.
 *
 * <ol>
 *   <li>Common r0, r1 (r = r0 + r1, α = wrap(r0, r1)) and a bit η''; party j sends ã_j = a_j + r_j to
 *       the helper and keeps β_j = wrap(a_j, r_j).
 *   <li>The helper opens x = ã_0 + ã_1 and δ = wrap(ã_0, ã_1) (uniform to it) and deals the Z_p shares
 *       of x's bits and [δ]' with the halving rule.
 *   <li>{@link PrivateCompare} of x with r − 1 under β = η''; the helper learns η' = η'' ⊕ [x &gt; r−1].
 *   <li>The helper shares η' over Z_{L-1} with its private randomness and sends one share to each
 *       party (not halved, as in Porthos).
 *   <li>θ_j = η_j + β_j + δ_j (client: − α − 1) and y_j = a_j − θ_j, in Z_{L-1}.
 * </ol>
 *
 * <p><b>Deviation:</b> r = 0 (which makes the result wrong, probability 2^−64) is avoided by redrawing r1
 * from the common stream, so the PrivateCompare special case never occurs here.
 *
 * <p>Cost per element: 64 + 64·8 bits from each share holder, 64·8 + 3·64 from the helper; 4 flights.
 * The halves ({@link #helperDeal}, {@link #helperFinish}; {@link #partyStart}, {@link #partyFinish}) let
 * DReLU interleave ComputeMSB's input-independent work with the waits.
 */
public final class ShareConvert {
  static final int STEP_MASKED = Steps.id("share-convert/masked");
  static final int STEP_DEAL = Steps.id("share-convert/deal");
  static final int STEP_PC = Steps.id("share-convert/pc");
  static final int STEP_ETA = Steps.id("share-convert/eta");

  private ShareConvert() {}

  /** Standalone ShareConvert of n elements; the helper passes {@code null} and gets {@code null}. */
  public static long[] run(Session s, long[] a, int n) {
    long op = s.nextOpId();
    if (s.isHelper()) {
      helperDeal(s, op, n);
      helperFinish(s, op, n);
      return null;
    }
    return partyFinish(s, partyStart(s, op, a, n));
  }

  /** Helper, flights 1–2: opens the masked values and deals x's bits and [δ]' (one frame to each share holder). */
  static void helperDeal(Session s, long op, int n) {
    int nc = Dealer.received(Party.CLIENT, n), ns = Dealer.received(Party.SERVER, n);
    long[] m0 = s.net().receiveLongs(Party.CLIENT, STEP_MASKED, n);
    long[] m1 = s.net().receiveLongs(Party.SERVER, STEP_MASKED, n);
    long[] x = new long[n], delta = new long[n];
    for (int i = 0; i < n; i++) {
      x[i] = m0[i] + m1[i];
      delta[i] = Long.compareUnsigned(x[i], m0[i]) < 0 ? 1 : 0;
    }
    int bits = BitDealer.BITS;
    byte[] toC = s.scratch().bytes("sc/to-client", nc * (bits + 8)), toS = s.scratch().bytes("sc/to-server", ns * (bits + 8));
    BitDealer.helperBits(s, "sc/x", op, x, n, toC, 0, toS, 0);
    Dealer.helperLongs(s, "sc/delta", op, delta, n, OddRing.RING, toC, nc * bits, toS, ns * bits);
    s.net().send(Party.CLIENT, STEP_DEAL, toC, 0, nc * (bits + 8));
    s.net().send(Party.SERVER, STEP_DEAL, toS, 0, ns * (bits + 8));
  }

  /** Helper, flights 3–4: opens PrivateCompare and sends each share holder its share of η' (one frame each). */
  static void helperFinish(Session s, long op, int n) {
    long[] e0 = new long[n];
    OddRing.fill(s.random().own("sc/eta", op), e0, 0, n);
    byte[] d0 = s.scratch().receive(s.net(), Party.CLIENT, STEP_PC, "helper/pc-client", n * BitDealer.BITS);
    byte[] d1 = s.scratch().receive(s.net(), Party.SERVER, STEP_PC, "helper/pc-server", n * BitDealer.BITS);
    byte[] etaP = PrivateCompare.open(s, d0, d1, n);
    byte[] toC = s.scratch().bytes("sc/last-client", 8 * n), toS = s.scratch().bytes("sc/last-server", 8 * n);
    for (int i = 0; i < n; i++) {
      Wire.putLong(toC, 8 * i, e0[i]);
      Wire.putLong(toS, 8 * i, OddRing.sub(etaP[i], e0[i]));
    }
    s.net().send(Party.CLIENT, STEP_ETA, toC, 0, 8 * n);
    s.net().send(Party.SERVER, STEP_ETA, toS, 0, 8 * n);
  }

  /** A share holder's state between its PrivateCompare message and the helper's answer. */
  record Pending(long[] a, int n, long[] r0, long[] r1, byte[] eta2, long[] masked, long[] delta) {}

  /** Share holder, flights 1–3: masks its share, takes the dealing and sends its PrivateCompare message. */
  static Pending partyStart(Session s, long op, long[] a, int n) {
    Beaver.checkLength(a, n);
    Party self = s.self(), other = self.otherHolder();
    boolean p0 = self == Party.CLIENT;
    Prg common = s.random().shared(other, "sc/common", op);
    long[] r0 = common.longs(n), r1 = common.longs(n);
    byte[] eta2 = new byte[n];
    common.fill(eta2, 0, n);
    Prg redraw = null;
    long[] masked = new long[n];
    for (int i = 0; i < n; i++) {
      while (r0[i] + r1[i] == 0) { // r = 0 would break the comparison with r - 1
        if (redraw == null) redraw = s.random().shared(other, "sc/redraw", op);
        r1[i] = redraw.nextLong();
      }
      eta2[i] &= 1;
      masked[i] = a[i] + (p0 ? r0[i] : r1[i]);
    }
    s.net().send(Party.HELPER, STEP_MASKED, masked);

    // Input-independent randomness, drawn while the helper deals.
    PrivateCompare.Masks masks = PrivateCompare.masks(s, "sc", op, n);
    byte[] xBits = BitDealer.partyBitsDrawn(s, "sc/x", op, n);
    int recv = Dealer.received(self, n), bits = BitDealer.BITS;
    byte[] deal = s.scratch().receive(s.net(), Party.HELPER, STEP_DEAL, "sc/deal", recv * (bits + 8));
    BitDealer.partyBitsReceived(s, xBits, n, deal, 0);
    long[] delta = Dealer.partyLongs(s, "sc/delta", op, n, OddRing.RING, deal, recv * bits);
    long[] rMinus1 = new long[n];
    for (int i = 0; i < n; i++) rMinus1[i] = r0[i] + r1[i] - 1;
    PrivateCompare.send(s, STEP_PC, xBits, rMinus1, eta2, n, masks);
    return new Pending(a, n, r0, r1, eta2, masked, delta);
  }

  /** Share holder, flight 4: the odd-ring shares from the helper's η' shares. */
  static long[] partyFinish(Session s, Pending st) {
    int n = st.n();
    boolean p0 = s.isClient();
    long[] a = st.a(), r0 = st.r0(), r1 = st.r1(), masked = st.masked(), delta = st.delta();
    byte[] eta2 = st.eta2();
    byte[] last = s.scratch().receive(s.net(), Party.HELPER, STEP_ETA, "sc/last", 8 * n);
    long[] y = new long[n];
    for (int i = 0; i < n; i++) {
      long etaP = Wire.getLong(last, 8 * i);
      long eta = eta2[i] == 0 ? etaP : (p0 ? OddRing.sub(1, etaP) : OddRing.neg(etaP));
      long betaJ = Long.compareUnsigned(masked[i], a[i]) < 0 ? 1 : 0;
      long theta = OddRing.add(OddRing.add(eta, betaJ), delta[i]);
      if (p0) {
        long alpha = Long.compareUnsigned(r0[i] + r1[i], r0[i]) < 0 ? 1 : 0;
        theta = OddRing.sub(theta, alpha + 1);
      }
      y[i] = OddRing.sub(a[i], theta);
    }
    return y;
  }
}
