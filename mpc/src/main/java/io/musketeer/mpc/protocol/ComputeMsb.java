package io.musketeer.mpc.protocol;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Steps;
import io.musketeer.mpc.random.Prg;

/**
 * ComputeMSB over the odd ring (SecureNN, ComputeMSB algorithm; CrypTFlow, Porthos's RUN_MSB_OPTI;
 * Porthos's {@code funcComputeMSB3PC}; PROTOCOLS.md §4.7), in the recommended unscaled variant of §4.8:
 * input [a]' over Z_{L-1}, output [MSB(a)] over Z_L with the bit in {0, 1}, exact (no truncation).
 *
 * <ol>
 *   <li>The helper derives r_j ∈ Z_{L-1} from its stream with party j (r is never sent) and deals, with
 *       halving, the Z_p shares of r's bits and [LSB(r)] over Z_L. Input-independent: in DReLU it rides
 *       in ShareConvert's last flight.
 *   <li>Party j sends c_j = 2a_j + r_j to the other; both open c = 2a + r in Z_{L-1}.
 *   <li>Common bit β; {@link PrivateCompare} of r with c; the helper learns β' = β ⊕ [r &gt; c].
 *   <li>The helper deals [β'] over Z_L with halving, and sends the server the Beaver C1 for step 5 (and
 *       for the caller's next product, so that no extra flight is needed).
 *   <li>γ = [r &gt; c] = (1−2β)·β' + β, δ = [LSB(c) ⊕ LSB(r)] = (1−2·LSB(c))·ρ + LSB(c), θ = γ·δ (Beaver,
 *       untruncated) and b = γ + δ − 2θ plus a client–server zero-sharing.
 * </ol>
 * Why: in the odd ring MSB(a) = LSB(2a), and adding r flips the parity exactly when the sum wraps,
 * that is when r &gt; c.
 *
 * <p>Cost per element: 3·64 + 64·8 bits from each party; 4 flights.
 */
public final class ComputeMsb {
  static final int STEP_DEAL = Steps.id("msb/deal");
  static final int STEP_C = Steps.id("msb/c");
  static final int STEP_PC = Steps.id("msb/pc");
  static final int STEP_BETA = Steps.id("msb/beta");

  private ComputeMsb() {}

  /** Standalone ComputeMSB of n odd-ring shared values; the helper passes {@code null} and gets {@code null}. */
  public static long[] run(Session s, long[] a, int n) {
    long op = s.nextOpId(), opTheta = s.nextOpId();
    if (s.isHelper()) {
      byte[] toC = new byte[dealBytes(Party.CLIENT, n)], toS = new byte[dealBytes(Party.SERVER, n)];
      helperDeal(s, op, n, toC, 0, toS, 0);
      s.net().send(Party.CLIENT, STEP_DEAL, toC);
      s.net().send(Party.SERVER, STEP_DEAL, toS);
      helperOnline(s, op, n, helperC1(s, opTheta, n, -1, 0), 0);
      return null;
    }
    byte[] dealt = s.net().receiveBytes(Party.HELPER, STEP_DEAL, dealBytes(s.self(), n));
    return party(s, op, opTheta, a, n, dealt, 0, -1, 0).b();
  }

  /** Bytes of the step-1 dealing that party p receives. */
  static int dealBytes(Party p, int n) {
    return Dealer.received(p, n) * (Dealer.BITS + 8);
  }

  /** Helper, step 1: writes the dealt bit and LSB shares of r into the two receivers' buffers. */
  static void helperDeal(Session s, long op, int n, byte[] toC, int offC, byte[] toS, int offS) {
    long[] r = new long[n], r1 = new long[n];
    OddRing.fill(s.random().shared(Party.CLIENT, "msb/r", op), r, 0, n);
    OddRing.fill(s.random().shared(Party.SERVER, "msb/r", op), r1, 0, n);
    long[] lsb = new long[n];
    for (int i = 0; i < n; i++) {
      r[i] = OddRing.add(r[i], r1[i]);
      lsb[i] = r[i] & 1;
    }
    Dealer.helperBits(s, "msb/rbits", op, r, n, toC, offC, toS, offS);
    int nc = Dealer.received(Party.CLIENT, n), ns = Dealer.received(Party.SERVER, n);
    Dealer.helperLongs(s, "msb/lsb", op, lsb, n, false, toC, offC + nc * Dealer.BITS, toS, offS + ns * Dealer.BITS);
  }

  /**
   * The server's C1 for θ and for the next product, laid out after its β' shares in the step-4 message
   * (whose first 8·⌊n/2⌋ bytes are left for them). Input-independent, so the helper computes it while it
   * waits for the share holders.
   */
  static byte[] helperC1(Session s, long opTheta, int n, long opNext, int nextMul) {
    int ns = Dealer.received(Party.SERVER, n);
    byte[] toS = s.scratch().bytes("msb/to-server", 8 * (ns + n + nextMul));
    Wire.putLongs(Beaver.helperMultiplyC1(s, opTheta, n), 0, toS, 8 * ns, n);
    if (nextMul > 0) Wire.putLongs(Beaver.helperMultiplyC1(s, opNext, nextMul), 0, toS, 8 * (ns + n), nextMul);
    return toS;
  }

  /**
   * Helper, steps 3–4: opens PrivateCompare, deals β' and sends it, to the server in toS (which holds
   * the C1 from {@link #helperC1} for nextMul elements of the next product).
   */
  static void helperOnline(Session s, long op, int n, byte[] toS, int nextMul) {
    byte[] d0 = s.scratch().receive(s.net(), Party.CLIENT, STEP_PC, "helper/pc-client", n * Dealer.BITS);
    byte[] d1 = s.scratch().receive(s.net(), Party.SERVER, STEP_PC, "helper/pc-server", n * Dealer.BITS);
    byte[] betaP = PrivateCompare.open(d0, d1, n);
    long[] bp = new long[n];
    for (int i = 0; i < n; i++) bp[i] = betaP[i];
    byte[] toC = new byte[8 * Dealer.received(Party.CLIENT, n)];
    Dealer.helperLongs(s, "msb/betap", op, bp, n, false, toC, 0, toS, 0);
    s.net().send(Party.CLIENT, STEP_BETA, toC);
    s.net().send(Party.SERVER, STEP_BETA, toS, 0, 8 * (Dealer.received(Party.SERVER, n) + n + nextMul));
  }

  /** Share-holder result: shares of MSB(a) in {0,1} and, at the server, the C1 of the next product. */
  record PartyResult(long[] b, long[] nextC1) {}

  /** A share holder's input-independent randomness for ComputeMSB: its drawn bit shares of r and PrivateCompare's masks. */
  record Prepared(long op, int n, byte[] rBits, PrivateCompare.Masks masks) {}

  /** Draws {@link Prepared}; DReLU does it while the helper answers ShareConvert. */
  static Prepared prepare(Session s, long op, int n) {
    return new Prepared(op, n, Dealer.partyBitsDrawn(s, "msb/rbits", op, n), PrivateCompare.masks(s, "msb", op, n, true));
  }

  static PartyResult party(Session s, long op, long opTheta, long[] a, int n, byte[] dealt, int off, long opNext, int nextMul) {
    return party(s, opTheta, a, dealt, off, opNext, nextMul, prepare(s, op, n));
  }

  static PartyResult party(Session s, long opTheta, long[] a, byte[] dealt, int off, long opNext, int nextMul, Prepared prep) {
    long op = prep.op();
    int n = prep.n();
    Beaver.checkLength(a, n);
    Party self = s.self(), other = self.otherHolder();
    boolean p0 = self == Party.CLIENT;
    int recv = Dealer.received(self, n);
    long[] c = new long[n];
    OddRing.fill(s.random().shared(Party.HELPER, "msb/r", op), c, 0, n);
    for (int i = 0; i < n; i++) c[i] = OddRing.add(OddRing.add(a[i], a[i]), c[i]);
    s.net().send(other, STEP_C, c);
    byte[] rBits = prep.rBits();
    Dealer.partyBitsReceived(s, rBits, n, dealt, off);
    long[] rho = Dealer.partyLongs(s, "msb/lsb", op, n, false, dealt, off + recv * Dealer.BITS);
    Prg common = s.random().shared(other, "msb/common", op);
    byte[] beta = new byte[n];
    common.fill(beta, 0, n);
    for (int i = 0; i < n; i++) beta[i] &= 1;
    long[] co = s.net().receiveLongs(other, STEP_C, n);
    for (int i = 0; i < n; i++) c[i] = OddRing.add(c[i], co[i]);
    PrivateCompare.send(s, STEP_PC, rBits, c, beta, n, prep.masks());

    byte[] f = s.scratch().receive(s.net(), Party.HELPER, STEP_BETA, "msb/beta", 8 * (recv + (p0 ? 0 : n + nextMul)));
    long[] bp = Dealer.partyLongs(s, "msb/betap", op, n, false, f, 0);
    long[] c1 = null, nextC1 = null;
    if (!p0) {
      c1 = new long[n];
      Wire.getLongs(f, 8 * recv, c1, 0, n);
      nextC1 = new long[nextMul];
      Wire.getLongs(f, 8 * (recv + n), nextC1, 0, nextMul);
    }
    long[] gamma = new long[n], delta = new long[n];
    for (int i = 0; i < n; i++) {
      long bt = beta[i], lc = c[i] & 1;
      gamma[i] = (1 - 2 * bt) * bp[i] + (p0 ? bt : 0);
      delta[i] = (1 - 2 * lc) * rho[i] + (p0 ? lc : 0);
    }
    long[] theta = Beaver.multiplyOnline(s, opTheta, gamma, delta, n, c1);
    long[] m = s.random().shared(other, "msb/zero", op).longs(n);
    long[] b = new long[n];
    for (int i = 0; i < n; i++) b[i] = gamma[i] + delta[i] - 2 * theta[i] + (p0 ? m[i] : -m[i]);
    return new PartyResult(b, nextC1);
  }
}
