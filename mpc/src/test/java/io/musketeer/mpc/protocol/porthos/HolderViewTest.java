package io.musketeer.mpc.protocol.porthos;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Steps;
import io.musketeer.mpc.protocol.Comparison;
import io.musketeer.mpc.protocol.Dealer;
import io.musketeer.mpc.testkit.ThreeParty;
import io.musketeer.mpc.testkit.ThreeParty.Net;
import io.musketeer.mpc.testkit.View;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The client's and the server's actual views inside real ReLU and MaxPool runs: everything a share
 * holder receives (the other holder's masked values E, F and c; the helper's dealt shares, its shares of
 * η' and its Beaver C1) must be uniform to it, so every received frame is tested for uniformity: the
 * Z_127 bit shares over their 127 values, every other payload byte by byte over 256 values (ring and
 * odd-ring elements are uniform 64-bit words). A dealt share drawn from an empty stream, an η' shared
 * without the helper's own randomness, or an unmasked E shows as values 0 and 1 or as a constant.
 *
 * <p>Chi-square limits at false-alarm probability 10^−9 (HelperViewTest's); the runs use fixed seeds.
 */
class HolderViewTest {
  private static final int N = 12_000, SEED = 41;

  enum Source {
    RELU, MAXPOOL
  }

  @ParameterizedTest
  @EnumSource(Source.class)
  void everythingAShareHolderReceivesIsUniform(Source source) {
    Map<Party, View> views = new EnumMap<>(Party.class);
    for (Party p : List.of(Party.CLIENT, Party.SERVER)) views.put(p, new View());
    Random rnd = new Random(source.ordinal() + 7);
    ThreeParty.Runner runner = ThreeParty.over(Net.MEMORY).seed(SEED).wrap((p, t) -> views.containsKey(p) ? views.get(p).record(t) : t);
    switch (source) {
      case RELU -> {
        long[] x = HelperViewTest.inputs(N, rnd);
        long[][] xs = ThreeParty.share(x, rnd);
        runner.run(s -> Porthos.INSTANCE.relu(s, ThreeParty.of(s, xs), N, Comparison.UNBOUNDED));
      }
      case MAXPOOL -> {
        long[] w = new long[9 * 1500];
        for (int i = 0; i < w.length; i++) w[i] = rnd.nextLong() >> 3;
        long[][] ws = ThreeParty.share(w, rnd);
        runner.run(s -> Porthos.INSTANCE.maxPool(s, ThreeParty.of(s, ws), 9, 1500, Comparison.UNBOUNDED));
      }
    }
    int dealSc = Steps.id("share-convert/deal"), dealMsb = Steps.id("msb/deal");
    for (Party p : views.keySet()) {
      // per step: histograms of the Z_p bit shares and of the other bytes
      Map<Integer, long[]> zp = new LinkedHashMap<>(), bytes = new LinkedHashMap<>();
      for (View.Frame f : views.get(p).frames()) {
        if (f.sent()) continue;
        long[] zh = zp.computeIfAbsent(f.step(), k -> new long[Zp.P]), bh = bytes.computeIfAbsent(f.step(), k -> new long[256]);
        if (f.payload() instanceof long[] l) {
          for (long v : l) for (int b = 0; b < 8; b++) bh[(int) (v >>> (8 * b)) & 0xff]++;
          continue;
        }
        byte[] b = f.bytes();
        int bits = 0;
        if (f.step() == dealSc || f.step() == dealMsb) bits = b.length / (BitDealer.BITS + 8) * BitDealer.BITS; // items' bit shares, then one word each
        for (int i = 0; i < bits; i++) zh[b[i]]++;
        for (int i = bits; i < b.length; i++) bh[b[i] & 0xff]++;
      }
      List<String> checked = new ArrayList<>();
      for (var e : zp.entrySet()) {
        if (total(e.getValue()) > 0) {
          HelperViewTest.assertUniform(source + ": the " + p.label() + "'s dealt bit shares (" + step(e.getKey()) + ")", e.getValue());
          checked.add(step(e.getKey()) + " bits");
        }
      }
      for (var e : bytes.entrySet()) {
        if (total(e.getValue()) > 0) {
          HelperViewTest.assertUniform(source + ": what the " + p.label() + " receives under " + step(e.getKey()), e.getValue());
          checked.add(step(e.getKey()));
        }
      }
      assertTrue(checked.size() >= 7, p + " received too few kinds of frame: " + checked);
    }
    assertTrue(Dealer.received(Party.CLIENT, N) > 0);
  }

  private static String step(int id) {
    for (String s : new String[] {"share-convert/masked", "share-convert/deal", "share-convert/pc", "share-convert/eta", "msb/deal", "msb/c",
        "msb/pc", "msb/beta", "beaver/c1", "beaver/ef"}) {
      if (Steps.id(s) == id) return s;
    }
    return Integer.toHexString(id);
  }

  private static long total(long[] h) {
    long t = 0;
    for (long v : h) t += v;
    return t;
  }
}
