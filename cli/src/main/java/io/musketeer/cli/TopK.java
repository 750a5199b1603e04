package io.musketeer.cli;

import io.musketeer.core.FloatTensor;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;

/**
 * The top classes of a model's output, per sample: an output of shape [N, ...] holds N samples (the
 * batch axis is the first), each ranked on its own; rank 0 and 1 outputs are one sample.
 */
final class TopK {
  private TopK() {}

  static int samples(FloatTensor t) {
    return t.shape().rank() >= 2 ? t.shape().dim(0) : 1;
  }

  /** The values of sample {@code s}. */
  static float[] sample(FloatTensor t, int s) {
    int n = samples(t);
    int per = n == 0 ? 0 : t.size() / n;
    return Arrays.copyOfRange(t.data(), s * per, (s + 1) * per);
  }

  /** Indices of the k largest values, largest first (ties: the lower index first). */
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

  /** The top-1 class of every sample. */
  static int[] top1(FloatTensor t) {
    int[] out = new int[samples(t)];
    for (int s = 0; s < out.length; s++) out[s] = indices(sample(t, s), 1)[0];
    return out;
  }

  static void print(PrintStream out, String title, FloatTensor t, int k) {
    int n = samples(t);
    out.println(n == 1 ? title : title + " for each of " + n + " samples");
    for (int s = 0; s < n; s++) {
      float[] v = sample(t, s);
      String indent = n == 1 ? "  " : "    ";
      if (n > 1) out.println("  sample " + s + ":");
      for (int i : indices(v, k)) out.printf(Locale.ROOT, "%sclass %5d  %12.6f%n", indent, i, v[i]);
      if (v.length > 1 && allEqual(v)) {
        System.err.printf(Locale.ROOT, "musketeer: warning: all %d outputs%s are equal (%g): is the model without weights?%n", v.length,
            n == 1 ? "" : " of sample " + s, v[0]);
      }
    }
  }

  private static boolean allEqual(float[] v) {
    for (float x : v) if (x != v[0]) return false;
    return true;
  }
}
