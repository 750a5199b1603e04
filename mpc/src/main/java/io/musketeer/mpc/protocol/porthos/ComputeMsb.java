package io.musketeer.mpc.protocol.porthos;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Steps;
import io.musketeer.mpc.protocol.Beaver;
import io.musketeer.mpc.protocol.Dealer;
import io.musketeer.mpc.protocol.Session;
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
 *   <li>The helper deals [β'] over Z_L with halving; the server's Beaver C1 for step 5 is dealt
 *       ({@link Beaver#deal}) in an earlier flight.
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
      helperDeal(s, op, n);
      Beaver.deal(s, opTheta, n);
      helperOnline(s, op, n);
      return null;
    }
    Prepared prep = prepare(s, op, n);
    return party(s, opTheta, a, prep, Beaver.receiveC1(s, n));
  }

  /** Helper, step 1 (input-independent): deals the bit and LSB shares of r, one frame to each share holder. */
  static void helperDeal(Session s, long op, int n) {
    long[] r = new long[n], r1 = new long[n];
    OddRing.fill(s.random().shared(Party.CLIENT, "msb/r", op), r, 0, n);
    OddRing.fill(s.random().shared(Party.SERVER, "msb/r", op), r1, 0, n);
    long[] lsb = new long[n];
    for (int i = 0; i < n; i++) {
      r[i] = OddRing.add(r[i], r1[i]);
      lsb[i] = r[i] & 1;
    }
    int nc = Dealer.received(Party.CLIENT, n), ns = Dealer.received(Party.SERVER, n), bits = BitDealer.BITS;
    byte[] toC = s.scratch().bytes("msb/deal-client", nc * (bits + 8)), toS = s.scratch().bytes("msb/deal-server", ns * (bits + 8));
    BitDealer.helperBits(s, "msb/rbits", op, r, n, toC, 0, toS, 0);
    Dealer.helperLongs(s, "msb/lsb", op, lsb, n, Dealer.Z_L, toC, nc * bits, toS, ns * bits);
    s.net().send(Party.CLIENT, STEP_DEAL, toC, 0, nc * (bits + 8));
    s.net().send(Party.SERVER, STEP_DEAL, toS, 0, ns * (bits + 8));
  }

  /** Helper, steps 3–4: opens PrivateCompare and deals β' (one frame to each share holder). */
  static void helperOnline(Session s, long op, int n) {
    byte[] d0 = s.scratch().receive(s.net(), Party.CLIENT, STEP_PC, "helper/pc-client", n * BitDealer.BITS);
    byte[] d1 = s.scratch().receive(s.net(), Party.SERVER, STEP_PC, "helper/pc-server", n * BitDealer.BITS);
    byte[] betaP = PrivateCompare.open(s, d0, d1, n);
    long[] bp = new long[n];
    for (int i = 0; i < n; i++) bp[i] = betaP[i];
    Dealer.deal(s, STEP_BETA, "msb/betap", op, bp, n, Dealer.Z_L);
  }

  /**
   * A share holder's input-independent part of ComputeMSB: its shares of r's bits and of LSB(r) (the
   * helper's dealing) and PrivateCompare's masks.
   */
  record Prepared(long op, int n, byte[] rBits, long[] rho, PrivateCompare.Masks masks) {}

  /** Draws {@link Prepared} and takes the helper's step-1 dealing; DReLU does it while the helper answers ShareConvert. */
  static Prepared prepare(Session s, long op, int n) {
    byte[] rBits = BitDealer.partyBitsDrawn(s, "msb/rbits", op, n);
    PrivateCompare.Masks masks = PrivateCompare.masks(s, "msb", op, n);
    int recv = Dealer.received(s.self(), n), bits = BitDealer.BITS;
    byte[] dealt = s.scratch().receive(s.net(), Party.HELPER, STEP_DEAL, "msb/deal", recv * (bits + 8));
    BitDealer.partyBitsReceived(s, rBits, n, dealt, 0);
    long[] rho = Dealer.partyLongs(s, "msb/lsb", op, n, Dealer.Z_L, dealt, recv * bits);
    return new Prepared(op, n, rBits, rho, masks);
  }

  /** Share holder, steps 2–5: shares of MSB(a) in {0, 1}; c1Theta is the server's C1 of the θ product (null at the client). */
  static long[] party(Session s, long opTheta, long[] a, Prepared prep, long[] c1Theta) {
    long op = prep.op();
    int n = prep.n();
    Beaver.checkLength(a, n);
    Party self = s.self(), other = self.otherHolder();
    boolean p0 = self == Party.CLIENT;
    long[] c = new long[n];
    OddRing.fill(s.random().shared(Party.HELPER, "msb/r", op), c, 0, n);
    for (int i = 0; i < n; i++) c[i] = OddRing.add(OddRing.add(a[i], a[i]), c[i]);
    s.net().send(other, STEP_C, c);
    Prg common = s.random().shared(other, "msb/common", op);
    byte[] beta = new byte[n];
    common.fill(beta, 0, n);
    for (int i = 0; i < n; i++) beta[i] &= 1;
    long[] co = s.net().receiveLongs(other, STEP_C, n);
    for (int i = 0; i < n; i++) c[i] = OddRing.add(c[i], co[i]);
    PrivateCompare.send(s, STEP_PC, prep.rBits(), c, beta, n, prep.masks());

    long[] bp = Dealer.receive(s, STEP_BETA, "msb/betap", op, n, Dealer.Z_L);
    long[] rho = prep.rho();
    long[] gamma = new long[n], delta = new long[n];
    for (int i = 0; i < n; i++) {
      long bt = beta[i], lc = c[i] & 1;
      gamma[i] = (1 - 2 * bt) * bp[i] + (p0 ? bt : 0);
      delta[i] = (1 - 2 * lc) * rho[i] + (p0 ? lc : 0);
    }
    long[] theta = Beaver.multiplyOnline(s, opTheta, gamma, delta, n, c1Theta);
    long[] m = s.random().shared(other, "msb/zero", op).longs(n);
    long[] b = new long[n];
    for (int i = 0; i < n; i++) b[i] = gamma[i] + delta[i] - 2 * theta[i] + (p0 ? m[i] : -m[i]);
    return b;
  }
}
