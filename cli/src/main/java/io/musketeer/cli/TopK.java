package io.musketeer.cli;

import io.musketeer.core.FloatTensor;
import java.io.PrintStream;
import java.util.Locale;

/** Prints the top classes of a [1, classes] (or [classes]) output. */
final class TopK {
  private TopK() {}

  static int[] indices(float[] v, int k) {
    k = Math.min(k, v.length);
    int[] top = new int[k];
    boolean[] taken = new boolean[v.length];
    for (int t = 0; t < k; t++) {
      int best = -1;
      for (int i = 0; i < v.length; i++) {
        if (!taken[i] && (best < 0 || v[i] > v[best])) best = i;
      }
      top[t] = best;
      taken[best] = true;
    }
    return top;
  }

  static void print(PrintStream out, String title, FloatTensor t, int k) {
    float[] v = t.data();
    out.println(title);
    for (int i : indices(v, k)) out.printf(Locale.ROOT, "  class %5d  %12.6f%n", i, v[i]);
  }
}
