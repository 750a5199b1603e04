package io.musketeer.mpc.protocol;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.random.Prg;

/**
 * The helper's dealing of shares of values it knows in the clear, with Porthos's halving rule
 * (PRG_COMM_OPTI; PROTOCOLS.md §3.3). For items i &lt; ⌊n/2⌋ the client's share comes from the
 * client–helper stream and the helper sends the server's; for the other items the server's share comes
 * from the server–helper stream and the helper sends the client's. So the helper sends n items where
 * SecureNN sent 2n; the client receives n − ⌊n/2⌋ of them and the server ⌊n/2⌋. A received share is
 * uniform to its receiver, who lacks the other pair's seed.
 *
 * <p>Items here are single ring values (8 bytes each on the wire), laid out item-major in the
 * receiver's message in item order; the stream of each purpose and operation id is used for nothing
 * else. Porthos's dealing of Z_p bit shares follows the same rule in its own package.
 */
public final class Dealer {
  /** The ring of dealt values: how its elements are drawn and subtracted. */
  public interface Ring {
    /** Uniform elements from prg into dst[off, off+len). */
    void fill(Prg prg, long[] dst, int off, int len);

    long sub(long a, long b);
  }

  /** Z_2^64: 64 stream bits per element, wrapping subtraction. */
  public static final Ring Z_L = new Ring() {
    @Override
    public void fill(Prg prg, long[] dst, int off, int len) {
      prg.fill(dst, off, len);
    }

    @Override
    public long sub(long a, long b) {
      return a - b;
    }
  };

  private Dealer() {}

  /** Items of n that party p receives from the helper. */
  public static int received(Party p, int n) {
    return p == Party.CLIENT ? n - n / 2 : n / 2;
  }

  /** Helper: deals v[0..n) over the ring, one frame to each share holder under {@code step}. */
  public static void deal(Session s, int step, String purpose, long op, long[] v, int n, Ring ring) {
    byte[] toC = new byte[8 * received(Party.CLIENT, n)], toS = new byte[8 * received(Party.SERVER, n)];
    helperLongs(s, purpose, op, v, n, ring, toC, 0, toS, 0);
    s.net().send(Party.CLIENT, step, toC);
    s.net().send(Party.SERVER, step, toS);
  }

  /** Share holder: its shares of the n values the helper sent with {@link #deal}. */
  public static long[] receive(Session s, int step, String purpose, long op, int n, Ring ring) {
    byte[] msg = s.net().receiveBytes(Party.HELPER, step, 8 * received(s.self(), n));
    return partyLongs(s, purpose, op, n, ring, msg, 0);
  }

  /** Helper: writes the dealt shares of v[0..n) into the two receivers' messages, for a frame that carries more. */
  public static void helperLongs(Session s, String purpose, long op, long[] v, int n, Ring ring, byte[] toC, int offC, byte[] toS, int offS) {
    int h = n / 2;
    long[] u = draw(s.random().shared(Party.CLIENT, purpose, op), h, ring);
    for (int i = 0; i < h; i++) Wire.putLong(toS, offS + 8 * i, ring.sub(v[i], u[i]));
    u = draw(s.random().shared(Party.SERVER, purpose, op), n - h, ring);
    for (int i = h; i < n; i++) Wire.putLong(toC, offC + 8 * (i - h), ring.sub(v[i], u[i - h]));
  }

  /** Share holder: its n shares dealt by {@link #helperLongs}, the received ones read from msg at off. */
  public static long[] partyLongs(Session s, String purpose, long op, int n, Ring ring, byte[] msg, int off) {
    int h = n / 2;
    long[] out = new long[n];
    if (s.isClient()) {
      ring.fill(s.random().shared(Party.HELPER, purpose, op), out, 0, h);
      Wire.getLongs(msg, off, out, h, n - h);
    } else {
      Wire.getLongs(msg, off, out, 0, h);
      ring.fill(s.random().shared(Party.HELPER, purpose, op), out, h, n - h);
    }
    return out;
  }

  private static long[] draw(Prg prg, int n, Ring ring) {
    long[] u = new long[n];
    ring.fill(prg, u, 0, n);
    return u;
  }
}
