package io.musketeer.importer;

import io.musketeer.core.IndexMaps;
import io.musketeer.ir.Op;

/**
 * Framework ops the IR has no op for, written with ReLUs and public constants; shared by the
 * importers. Nodes are named {@code name/suffix}, the result {@code name}.
 */
public final class Lowerings {
  private Lowerings() {}

  private static String at(String name, String suffix) {
    return suffix.isEmpty() ? name : name + "/" + suffix;
  }

  /**
   * max(a, b) = Relu(a - b) + b and min(a, b) = a - Relu(a - b): one secure comparison per element.
   * The max of a value and zeros that do not widen it is a plain Relu; two known values are combined
   * at import.
   */
  public static Value maxMin(ImportGraph g, String name, Value a, Value b, boolean max) {
    if (a.isKnown() && b.isKnown()) return Value.known(Known.elementwise(a.known(), b.known(), max ? Math::max : Math::min));
    if (a.isKnown()) { // both formulas are symmetric in a and b; keep the run-time value first
      Value t = a;
      a = b;
      b = t;
    }
    if (max && b.isKnown() && b.known().allEqual(0) && IndexMaps.broadcastShape(g.shape(a), g.shape(b)).equals(g.shape(a))) {
      return Value.ir(g.emit(name, new Op.Relu(), a.node()));
    }
    return Value.ir(maxMin(g, name, "", g.ir(a, name + "/const"), g.ir(b, name + "/const"), max, ""));
  }

  /** max or min of two IR nodes, the intermediate nodes named {@code prefix}diff and {@code prefix}relu. */
  public static int maxMin(ImportGraph g, String name, String prefix, int a, int b, boolean max, String outSuffix) {
    int diff = g.emit(at(name, prefix + "diff"), new Op.Sub(), a, b);
    int relu = g.emit(at(name, prefix + "relu"), new Op.Relu(), diff);
    return max ? g.emit(at(name, outSuffix), new Op.Add(), relu, b) : g.emit(at(name, outSuffix), new Op.Sub(), a, relu);
  }

  /** min(max(x, lo), hi) as two Relus; either bound may be absent (null). */
  public static int clip(ImportGraph g, String name, int x, Integer lo, Integer hi) {
    if (lo == null && hi == null) return x;
    int lower = lo == null ? x : maxMin(g, name, "lower_", x, lo, true, hi == null ? "" : "lower");
    return hi == null ? lower : maxMin(g, name, "upper_", lower, hi, false, "");
  }

  /** Relu6(x) = Relu(x) - Relu(x - 6): two secure comparisons. */
  public static int relu6(ImportGraph g, String name, int x) {
    int six = g.publicConstant(at(name, "six"), 6f);
    int relu = g.emit(at(name, "relu"), new Op.Relu(), x);
    int over = g.emit(at(name, "relu_over"), new Op.Relu(), g.emit(at(name, "minus6"), new Op.Sub(), x, six));
    return g.emit(name, new Op.Sub(), relu, over);
  }

  /** LeakyRelu(x) = alpha*x + (1 - alpha)*Relu(x), exact for every alpha, with public constants. */
  public static int leakyRelu(ImportGraph g, String name, int x, float alpha) {
    int relu = g.emit(at(name, "relu"), new Op.Relu(), x);
    int scaledRelu = g.emit(at(name, "relu_scaled"), new Op.Mul(), relu, g.publicConstant(at(name, "one_minus_alpha"), 1 - alpha));
    int scaledX = g.emit(at(name, "x_scaled"), new Op.Mul(), x, g.publicConstant(at(name, "alpha"), alpha));
    return g.emit(name, new Op.Add(), scaledX, scaledRelu);
  }
}
