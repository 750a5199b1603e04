package io.musketeer.importer.onnx;

import io.musketeer.core.IndexMaps;
import io.musketeer.core.Shape;
import io.musketeer.importer.ImportGraph;
import io.musketeer.importer.Known;
import io.musketeer.importer.Lowerings;
import io.musketeer.importer.OpKind;
import io.musketeer.importer.Value;
import io.musketeer.importer.onnx.OnnxImporter.Ctx;
import io.musketeer.importer.onnx.OnnxImporter.Slot;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleBinaryOperator;

/**
 * The fail-fast table from ONNX op types to IR lowerings, with the attribute and input forms of
 * every opset from 7 to 21 (Clip bounds, Squeeze/Unsqueeze axes, Pad amounts, Slice bounds and
 * reduction axes moved from attributes to inputs along the way).
 */
final class OnnxOps {
  private OnnxOps() {}

  @FunctionalInterface
  interface Handler {
    Slot[] apply(Ctx c);
  }

  static final Map<String, Handler> TABLE = new HashMap<>();
  static final Map<String, OpKind> KINDS = new HashMap<>();

  private static void op(Handler h, OpKind kind, String... names) {
    for (String n : names) {
      TABLE.put(n, h);
      KINDS.put(n, kind);
    }
  }

  private static Slot[] one(int node, boolean nhwc) {
    return new Slot[] {Slot.ir(node, nhwc)};
  }

  private static Slot[] one(Known k) {
    return new Slot[] {Slot.of(Value.known(k))};
  }

  private static Slot[] same(Ctx c, int i) {
    return new Slot[] {c.slot(i)};
  }

  static {
    op(OnnxOps::conv, OpKind.CONVOLUTION, "Conv");
    op(OnnxOps::gemm, OpKind.PRODUCT, "Gemm");
    op(OnnxOps::matmul, OpKind.PRODUCT, "MatMul");
    op(c -> binary(c, new Op.Add(), Double::sum), OpKind.ARITHMETIC, "Add");
    op(c -> binary(c, new Op.Sub(), (a, b) -> a - b), OpKind.ARITHMETIC, "Sub");
    op(c -> binary(c, new Op.Mul(), (a, b) -> a * b), OpKind.ARITHMETIC, "Mul");
    op(OnnxOps::div, OpKind.ARITHMETIC, "Div");
    op(OnnxOps::sum, OpKind.ARITHMETIC, "Sum");
    op(c -> maxMin(c, true), OpKind.ACTIVATION, "Max");
    op(c -> maxMin(c, false), OpKind.ACTIVATION, "Min");
    op(c -> c.isKnown(0) ? one(c.known(0, "input").map(v -> -v, c.known(0, "input").floating())) : unary(c, new Op.Neg()), OpKind.ARITHMETIC, "Neg");
    op(c -> unary(c, new Op.Relu()), OpKind.ACTIVATION, "Relu");
    op(c -> one(Lowerings.leakyRelu(c.graph, c.name(), layoutPreserving(c), c.floatAttr("alpha", 0.01f)), c.isNhwc(0)), OpKind.ACTIVATION, "LeakyRelu");
    op(OnnxOps::clip, OpKind.ACTIVATION, "Clip");
    op(c -> pool(c, true), OpKind.POOLING, "MaxPool");
    op(c -> pool(c, false), OpKind.POOLING, "AveragePool");
    op(c -> one(c.emit("", new Op.ReduceMean(new int[] {1, 2}, true), c.nhwc(0)), true), OpKind.POOLING, "GlobalAveragePool");
    op(OnnxOps::globalMaxPool, OpKind.POOLING, "GlobalMaxPool");
    op(OnnxOps::batchNorm, OpKind.NORMALIZATION, "BatchNormalization");
    op(OnnxOps::concat, OpKind.DATA_MOVEMENT, "Concat");
    op(OnnxOps::reshape, OpKind.DATA_MOVEMENT, "Reshape");
    op(OnnxOps::flatten, OpKind.DATA_MOVEMENT, "Flatten");
    op(OnnxOps::transpose, OpKind.DATA_MOVEMENT, "Transpose");
    op(OnnxOps::pad, OpKind.DATA_MOVEMENT, "Pad");
    op(OnnxOps::squeeze, OpKind.DATA_MOVEMENT, "Squeeze");
    op(OnnxOps::unsqueeze, OpKind.DATA_MOVEMENT, "Unsqueeze");
    op(OnnxOps::constant, OpKind.STRUCTURE, "Constant");
    op(OnnxOps::constantOfShape, OpKind.STRUCTURE, "ConstantOfShape");
    op(c -> same(c, 0), OpKind.STRUCTURE, "Identity");
    op(OnnxOps::dropout, OpKind.STRUCTURE, "Dropout");
    op(OnnxOps::cast, OpKind.STRUCTURE, "Cast");
    op(OnnxOps::shape, OpKind.SHAPE_ARITHMETIC, "Shape");
    op(c -> one(Known.scalar(c.shape(0).size(), false)), OpKind.SHAPE_ARITHMETIC, "Size");
    op(OnnxOps::gather, OpKind.DATA_MOVEMENT, "Gather");
    op(OnnxOps::slice, OpKind.DATA_MOVEMENT, "Slice");
    op(c -> reduce(c, true), OpKind.REDUCTION, "ReduceMean");
    op(c -> reduce(c, false), OpKind.REDUCTION, "ReduceSum");
    op(OnnxOps::softmax, OpKind.FINAL, "Softmax");
    op(OnnxOps::argMax, OpKind.FINAL, "ArgMax");
    op(c -> knownUnary(c, Math::sqrt), OpKind.SHAPE_ARITHMETIC, "Sqrt");
    op(c -> knownUnary(c, v -> 1 / v), OpKind.SHAPE_ARITHMETIC, "Reciprocal");
    op(c -> knownUnary(c, Math::floor), OpKind.SHAPE_ARITHMETIC, "Floor");
    op(c -> knownUnary(c, Math::ceil), OpKind.SHAPE_ARITHMETIC, "Ceil");
    op(c -> one(Known.elementwise(c.known(0, "base"), c.known(1, "exponent"), Math::pow)), OpKind.SHAPE_ARITHMETIC, "Pow");
    op(OnnxOps::range, OpKind.SHAPE_ARITHMETIC, "Range");
  }

  // ---- elementwise

  /** The input of a layout-agnostic op, in whatever layout it already has. */
  private static int layoutPreserving(Ctx c) {
    return c.isNhwc(0) ? c.nhwc(0) : c.logical(0);
  }

  private static Slot[] unary(Ctx c, Op op) {
    return one(c.emit("", op, layoutPreserving(c)), c.isNhwc(0));
  }

  private static Slot[] knownUnary(Ctx c, java.util.function.DoubleUnaryOperator f) {
    Known k = c.known(0, "input");
    return one(k.map(f, true));
  }

  /**
   * A broadcasting binary op. Two known operands are combined exactly at import (integer shape
   * arithmetic included); a 4-D result involving an NHWC value is computed in NHWC.
   */
  private static Slot[] binary(Ctx c, Op op, DoubleBinaryOperator f) {
    if (c.isKnown(0) && c.isKnown(1)) return one(Known.elementwise(c.known(0, "operand"), c.known(1, "operand"), f));
    Shape out = IndexMaps.broadcastShape(c.shape(0), c.shape(1));
    if (out.rank() == 4 && (c.isNhwc(0) || c.isNhwc(1))) {
      return one(c.emit("", op, nhwcOperand(c, 0), nhwcOperand(c, 1)), true);
    }
    return one(c.emit("", op, c.logical(0), c.logical(1)), false);
  }

  /** Operand i of a 4-D elementwise op computed in NHWC: lower-rank run-time values are first lifted to 4-D. */
  private static int nhwcOperand(Ctx c, int i) {
    if (c.isNhwc(i)) return c.nhwc(i);
    if (c.isKnown(i)) return c.nhwcConstant(c.known(i, "operand"));
    Shape s = c.shape(i);
    if (s.rank() == 4) return c.nhwc(i);
    int[] d = new int[4];
    Arrays.fill(d, 1);
    for (int k = 0; k < s.rank(); k++) d[4 - s.rank() + k] = s.dim(k);
    int lifted = c.emit("lift" + i, new Op.Reshape(new Shape(d)), c.logical(i));
    return c.emit("lift" + i + "_nhwc", new Op.Transpose(OnnxImporter.TO_NHWC), lifted);
  }

  private static Slot[] div(Ctx c) {
    if (c.isKnown(0) && c.isKnown(1)) {
      Known a = c.known(0, "dividend"), b = c.known(1, "divisor");
      boolean integer = !a.floating() && !b.floating();
      for (double v : b.values()) if (v == 0 && integer) throw c.fail("divides by zero");
      return one(Known.elementwise(a, b, integer ? (x, y) -> (double) (long) (x / y) : (x, y) -> x / y));
    }
    Known d = c.known(1, "divisor");
    for (double v : d.values()) if (v == 0) throw c.fail("divides by zero");
    Known reciprocal = d.map(v -> 1 / v, true);
    Slot[] in = {c.slot(0), Slot.of(Value.known(reciprocal))};
    return binaryOf(c, in, new Op.Mul(), (a, b) -> a * b);
  }

  /** A binary op over two given slots (not the node's own inputs). */
  private static Slot[] binaryOf(Ctx c, Slot[] operands, Op op, DoubleBinaryOperator f) {
    return binary(new Ctx(c, operands), op, f);
  }

  /** Sum of any number of operands, as a chain of Adds. */
  private static Slot[] sum(Ctx c) {
    Slot acc = c.slot(0);
    for (int i = 1; i < c.in.length; i++) acc = binaryOf(c.renamed(i == c.in.length - 1 ? "" : "sum" + i), new Slot[] {acc, c.slot(i)}, new Op.Add(), Double::sum)[0];
    return new Slot[] {acc};
  }

  /** Max or Min of any number of operands, one comparison per pair (see {@link Lowerings#maxMin}). */
  private static Slot[] maxMin(Ctx c, boolean max) {
    Slot acc = c.slot(0);
    for (int i = 1; i < c.in.length; i++) {
      Ctx pair = new Ctx(c.renamed(i == c.in.length - 1 ? "" : "step" + i), new Slot[] {acc, c.slot(i)});
      boolean nhwc = IndexMaps.broadcastShape(pair.shape(0), pair.shape(1)).rank() == 4 && (pair.isNhwc(0) || pair.isNhwc(1));
      Value a = nhwc ? Value.ir(nhwcOperand(pair, 0)) : pair.slot(0).value().isKnown() ? pair.slot(0).value() : Value.ir(pair.logical(0));
      Value b = nhwc ? Value.ir(nhwcOperand(pair, 1)) : pair.slot(1).value().isKnown() ? pair.slot(1).value() : Value.ir(pair.logical(1));
      acc = new Slot(Lowerings.maxMin(c.graph, pair.name(), a, b, max), nhwc && !(a.isKnown() && b.isKnown()));
    }
    return new Slot[] {acc};
  }

  /** Clip: bounds are attributes before opset 11, optional inputs from 11 on. */
  private static Slot[] clip(Ctx c) {
    Float lo, hi;
    if (c.opset < 11) {
      float l = c.floatAttr("min", Float.NEGATIVE_INFINITY), h = c.floatAttr("max", Float.POSITIVE_INFINITY);
      lo = l <= -3.4e38f ? null : l; // opset 6 writes -FLT_MAX for "no bound"
      hi = h >= 3.4e38f ? null : h;
    } else {
      lo = c.has(1) ? (float) c.known(1, "min").values()[0] : null;
      hi = c.has(2) ? (float) c.known(2, "max").values()[0] : null;
    }
    if (c.isKnown(0)) {
      Known k = c.known(0, "input");
      double l = lo == null ? Double.NEGATIVE_INFINITY : lo, h = hi == null ? Double.POSITIVE_INFINITY : hi;
      return one(k.map(v -> Math.min(Math.max(v, l), h), k.floating()));
    }
    int x = layoutPreserving(c);
    if (lo != null && lo == 0f && hi != null && hi == 6f) return one(Lowerings.relu6(c.graph, c.name(), x), c.isNhwc(0));
    if (lo != null && lo == 0f && hi == null) return one(c.emit("", new Op.Relu(), x), c.isNhwc(0));
    Integer l = lo == null ? null : c.publicConstant("min", lo), h = hi == null ? null : c.publicConstant("max", hi);
    return one(Lowerings.clip(c.graph, c.name(), x, l, h), c.isNhwc(0));
  }

  // ---- convolution and pooling

  private static int[] pair(int[] v, int dflt, Ctx c, String what) {
    if (v == null) return new int[] {dflt, dflt};
    if (v.length != 2) throw c.fail("has " + v.length + " " + what + "; only 2-D (NCHW) convolution and pooling are supported");
    return v;
  }

  /** {top, bottom, left, right} from pads ([top, left, bottom, right]) or auto_pad. */
  private static int[] padding(Ctx c, int h, int w, int kh, int kw, int sh, int sw) {
    String auto = c.stringAttr("auto_pad", "NOTSET");
    return switch (auto) {
      case "NOTSET", "" -> {
        int[] p = c.intsAttr("pads");
        if (p == null) yield new int[4];
        if (p.length != 4) throw c.fail("has " + p.length + " pads; 2-D ops take 4");
        for (int v : p) if (v < 0) throw c.fail("has negative pads " + Arrays.toString(p));
        yield new int[] {p[0], p[2], p[1], p[3]};
      }
      case "VALID" -> new int[4];
      case "SAME_UPPER", "SAME_LOWER" -> {
        boolean upper = auto.equals("SAME_UPPER");
        int[] ph = same(h, kh, sh, upper), pw = same(w, kw, sw, upper);
        yield new int[] {ph[0], ph[1], pw[0], pw[1]};
      }
      default -> throw c.fail("has unknown auto_pad '" + auto + "'");
    };
  }

  /** SAME padding of one axis, {before, after}: the odd element after (UPPER) or before (LOWER). */
  private static int[] same(int in, int k, int s, boolean upper) {
    int out = (in + s - 1) / s;
    int total = Math.max(0, (out - 1) * s + k - in);
    int small = total / 2;
    return upper ? new int[] {small, total - small} : new int[] {total - small, small};
  }

  private static Slot[] conv(Ctx c) {
    Shape xs = c.shape(0), ws = c.shape(1);
    if (xs.rank() != 4 || ws.rank() != 4) throw c.fail("needs a 4-D (NCHW) input and filter, got " + xs + " and " + ws + "; only 2-D convolution is supported");
    int group = (int) c.intAttr("group", 1);
    int cin = xs.dim(1), cout = ws.dim(0);
    if (group < 1 || ws.dim(1) * group != cin || cout % group != 0) {
      throw c.fail("has filter " + ws + " and group " + group + ", which do not fit " + cin + " input channels");
    }
    int[] st = pair(c.intsAttr("strides"), 1, c, "strides"), dil = pair(c.intsAttr("dilations"), 1, c, "dilations");
    int kh = ws.dim(2), kw = ws.dim(3);
    int ekh = (kh - 1) * dil[0] + 1, ekw = (kw - 1) * dil[1] + 1;
    int filter;
    if (c.isKnown(1)) {
      filter = c.graph.ir(Value.known(hwio(c.known(1, "filter"), dil)), c.name() + "/filter");
    } else {
      if (dil[0] != 1 || dil[1] != 1) throw c.fail("has a dilated filter computed at run time, which is not supported");
      filter = c.emit("filter_hwio", new Op.Transpose(new int[] {2, 3, 1, 0}), c.logical(1));
    }
    int[] p = padding(c, xs.dim(2), xs.dim(3), ekh, ekw, st[0], st[1]);
    Op conv = new Op.Conv2D(st[0], st[1], p[0], p[1], p[2], p[3], group);
    if (!c.has(2)) return one(c.emit("", conv, c.nhwc(0), filter), true);
    int y = c.emit("conv", conv, c.nhwc(0), filter);
    Shape bs = c.shape(2);
    if (bs.size() != cout) throw c.fail("has a bias of shape " + bs + " for " + cout + " output channels");
    int bias = c.isKnown(2) ? c.graph.ir(Value.known(c.known(2, "bias").reshape(Shape.of(cout))), c.name() + "/bias")
        : c.emit("bias", new Op.Reshape(Shape.of(cout)), c.logical(2));
    return one(c.emit("", new Op.Add(), y, bias), true);
  }

  /** An ONNX filter [M, C/group, kh, kw] as the IR's HWIO, dilated by zeros between taps. */
  private static Known hwio(Known w, int[] dil) {
    Known t = w.transpose(new int[] {2, 3, 1, 0});
    if (dil[0] == 1 && dil[1] == 1) return t;
    Shape s = t.shape();
    int kh = s.dim(0), kw = s.dim(1), inner = s.dim(2) * s.dim(3);
    int ekh = (kh - 1) * dil[0] + 1, ekw = (kw - 1) * dil[1] + 1;
    double[] d = new double[ekh * ekw * inner];
    for (int y = 0; y < kh; y++)
      for (int x = 0; x < kw; x++)
        System.arraycopy(t.values(), (y * kw + x) * inner, d, ((y * dil[0]) * ekw + x * dil[1]) * inner, inner);
    return new Known(Shape.of(ekh, ekw, s.dim(2), s.dim(3)), d, true);
  }

  private static Slot[] pool(Ctx c, boolean max) {
    Shape xs = c.shape(0);
    if (xs.rank() != 4) throw c.fail("needs a 4-D (NCHW) input, got " + xs + "; only 2-D pooling is supported");
    int[] k = c.intsAttr("kernel_shape");
    if (k == null) throw c.fail("has no kernel_shape");
    k = pair(k, 1, c, "kernel dimensions");
    int[] st = pair(c.intsAttr("strides"), 1, c, "strides"), dil = pair(c.intsAttr("dilations"), 1, c, "dilations");
    if (dil[0] != 1 || dil[1] != 1) throw c.fail("uses dilations " + Arrays.toString(dil) + "; only undilated pooling is supported");
    if (c.intAttr("storage_order", 0) != 0) throw c.fail("uses column-major storage_order, which is not supported");
    int h = xs.dim(2), w = xs.dim(3);
    int[] p = padding(c, h, w, k[0], k[1], st[0], st[1]);
    boolean ceil = c.intAttr("ceil_mode", 0) != 0 && c.stringAttr("auto_pad", "NOTSET").matches("NOTSET|VALID|");
    int extraH = ceil ? ceilExtra(c, h, k[0], st[0], p[0], p[1]) : 0, extraW = ceil ? ceilExtra(c, w, k[1], st[1], p[2], p[3]) : 0;
    int x = c.nhwc(0);
    if (max) {
      return new Slot[] {Slot.ir(c.emit("", new Op.MaxPool(new Op.Window(k[0], k[1], st[0], st[1], p[0], p[1] + extraH, p[2], p[3] + extraW)), x), true)};
    }
    // count_include_pad divides by the whole window, the cells ceil_mode adds included (as ONNX Runtime does)
    boolean countPadding = c.intAttr("count_include_pad", 0) != 0;
    return one(c.emit("", new Op.AvgPool(new Op.Window(k[0], k[1], st[0], st[1], p[0], p[1] + extraH, p[2], p[3] + extraW), countPadding), x), true);
  }

  /**
   * Cells ceil_mode adds after the end padding so the last, partial window counts: ONNX Runtime's
   * output ceil((in + pads - k) / s) + 1. A last window that would start in the end padding (where
   * PyTorch drops it and ONNX Runtime outputs padding) is refused.
   */
  private static int ceilExtra(Ctx c, int in, int k, int s, int before, int after) {
    int span = in + before + after - k;
    int out = Math.floorDiv(span + s - 1, s) + 1;
    if ((out - 1) * s >= in + before) {
      throw c.fail("with ceil_mode makes a last window that lies wholly in the padding (ONNX Runtime and PyTorch disagree on it); "
          + "export with less padding or without ceil_mode");
    }
    return Math.max(0, (out - 1) * s + k - (in + before + after));
  }

  private static Slot[] globalMaxPool(Ctx c) {
    Shape xs = c.shape(0);
    if (xs.rank() != 4) throw c.fail("needs a 4-D (NCHW) input, got " + xs);
    return one(c.emit("", new Op.MaxPool(new Op.Window(xs.dim(2), xs.dim(3), 1, 1, 0, 0, 0, 0)), c.nhwc(0)), true);
  }

  /** Inference batch norm as a per-channel multiply and add, which the compiler folds into a preceding conv. */
  private static Slot[] batchNorm(Ctx c) {
    if (c.intAttr("training_mode", 0) != 0) throw c.fail("is in training mode; export the model for inference (model.eval())");
    if (c.opset < 9 && c.intAttr("spatial", 1) == 0) throw c.fail("normalizes per element (spatial=0), which is not supported");
    Shape xs = c.shape(0);
    if (xs.rank() < 2) throw c.fail("needs an input with a channel axis, got " + xs);
    int ch = xs.dim(1);
    Known scale = c.known(1, "scale"), bias = c.known(2, "bias"), mean = c.known(3, "mean"), var = c.known(4, "variance");
    for (Known k : List.of(scale, bias, mean, var)) {
      if (k.values().length != ch) throw c.fail("has " + k.values().length + " parameters per input but " + ch + " channels");
    }
    double eps = c.floatAttr("epsilon", 1e-5f);
    double[] mul = new double[ch], add = new double[ch];
    for (int i = 0; i < ch; i++) {
      if (!(var.values()[i] + eps > 0)) throw c.fail("has a variance plus epsilon that is not positive (channel " + i + ")");
      mul[i] = scale.values()[i] / Math.sqrt(var.values()[i] + eps);
      add[i] = bias.values()[i] - mean.values()[i] * mul[i];
    }
    boolean nhwc = c.isNhwc(0);
    int[] pd = new int[nhwc ? 1 : xs.rank() - 1];
    Arrays.fill(pd, 1);
    pd[0] = ch;
    Shape ps = new Shape(pd); // per channel: the last axis in NHWC, axis 1 of [N, C, ...] otherwise
    int x = nhwc ? c.nhwc(0) : c.logical(0);
    int m = c.graph.ir(Value.known(new Known(ps, mul, true)), c.name() + "/scale");
    int a = c.graph.ir(Value.known(new Known(ps, add, true)), c.name() + "/shift");
    return one(c.emit("", new Op.Add(), c.emit("scale", new Op.Mul(), x, m), a), nhwc);
  }

  // ---- matrix products

  private static Slot[] gemm(Ctx c) {
    float alpha = c.floatAttr("alpha", 1f), beta = c.floatAttr("beta", 1f);
    boolean ta = c.intAttr("transA", 0) != 0, tb = c.intAttr("transB", 0) != 0;
    if (c.shape(0).rank() != 2 || c.shape(1).rank() != 2) throw c.fail("needs 2-D operands, got " + c.shape(0) + " and " + c.shape(1));
    int a = c.logical(0);
    if (ta) a = c.emit("transpose_a", new Op.Transpose(new int[] {1, 0}), a);
    int b;
    boolean alphaDone = false;
    if (c.isKnown(1)) {
      Known kb = c.known(1, "B");
      if (tb) kb = kb.transpose(new int[] {1, 0});
      if (alpha != 1f) {
        kb = kb.map(v -> v * alpha, true);
        alphaDone = true;
      }
      b = c.graph.ir(Value.known(kb), c.name() + "/B");
    } else {
      b = c.logical(1);
      if (tb) b = c.emit("transpose_b", new Op.Transpose(new int[] {1, 0}), b);
    }
    boolean bias = c.has(2) && beta != 0f;
    int y = c.emit(bias || (!alphaDone && alpha != 1f) ? "matmul" : "", new Op.MatMul(), a, b);
    if (!alphaDone && alpha != 1f) y = c.emit(bias ? "alpha" : "", new Op.Mul(), y, c.publicConstant("alpha_value", alpha));
    if (!bias) return one(y, false);
    int cc;
    if (c.isKnown(2)) {
      Known kc = c.known(2, "C");
      cc = c.graph.ir(Value.known(beta == 1f ? kc : kc.map(v -> v * beta, true)), c.name() + "/C");
    } else {
      cc = c.logical(2);
      if (beta != 1f) cc = c.emit("beta", new Op.Mul(), cc, c.publicConstant("beta_value", beta));
    }
    return one(c.emit("", new Op.Add(), y, cc), false);
  }

  /** MatMul of matrices, of a batch of rows (N-D times 2-D) and of vectors, numpy style. */
  private static Slot[] matmul(Ctx c) {
    Shape as = c.shape(0), bs = c.shape(1);
    if (bs.rank() > 2) throw c.fail("multiplies by a " + bs.rank() + "-D right operand " + bs + "; only 1-D and 2-D right operands are supported");
    int a = c.logical(0), b = c.logical(1);
    if (bs.rank() == 1) b = c.emit("b_column", new Op.Reshape(Shape.of(bs.dim(0), 1)), b);
    int k = bs.rank() == 1 ? bs.dim(0) : bs.dim(0), n = bs.rank() == 1 ? 1 : bs.dim(1);
    if (as.rank() == 0) throw c.fail("multiplies a scalar");
    if (as.dim(-1) != k) throw c.fail("multiplies " + as + " by " + bs);
    int rows = as.size() / Math.max(1, k);
    boolean plain = as.rank() == 2 && bs.rank() == 2;
    if (!plain) a = c.emit("a_rows", new Op.Reshape(Shape.of(rows, k)), a);
    int y = c.emit(plain ? "" : "matmul", new Op.MatMul(), a, b);
    if (plain) return one(y, false);
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < as.rank() - 1; i++) out.add(as.dim(i));
    if (bs.rank() == 2) out.add(n);
    return one(c.emit("", new Op.Reshape(new Shape(out.stream().mapToInt(Integer::intValue).toArray())), y), false);
  }

  // ---- shapes and data movement

  private static int axis(Ctx c, long a, int rank) {
    long v = a < 0 ? a + rank : a;
    if (v < 0 || v >= rank) throw c.fail("has axis " + a + " out of range for rank " + rank);
    return (int) v;
  }

  private static Slot[] concat(Ctx c) {
    int n = 0;
    for (int i = 0; i < c.in.length; i++) if (c.has(i)) n++;
    int rank = c.shape(0).rank();
    int ax = axis(c, c.intAttr("axis", 1), rank);
    boolean anyNhwc = false;
    for (int i = 0; i < c.in.length; i++) anyNhwc |= c.has(i) && c.isNhwc(i);
    int[] ins = new int[n];
    for (int i = 0, j = 0; i < c.in.length; i++) {
      if (!c.has(i)) continue;
      if (c.shape(i).rank() != rank) throw c.fail("concatenates inputs of ranks " + rank + " and " + c.shape(i).rank());
      ins[j++] = anyNhwc ? (c.isKnown(i) ? c.nhwcConstant(c.known(i, "operand")) : c.nhwc(i)) : c.logical(i);
    }
    if (n == 1) return new Slot[] {Slot.ir(ins[0], anyNhwc)};
    int irAxis = anyNhwc ? OnnxImporter.TO_NCHW[ax] : ax;
    return one(c.emit("", new Op.Concat(irAxis), ins), anyNhwc);
  }

  private static Slot[] reshape(Ctx c) {
    int[] target = c.opset < 5 ? c.intsAttr("shape") : c.known(1, "shape").ints();
    boolean allowZero = c.intAttr("allowzero", 0) != 0;
    Shape in = c.shape(0);
    int[] dims = target.clone();
    int unknown = -1;
    long known = 1;
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] == 0 && !allowZero) {
        if (i >= in.rank()) throw c.fail("copies dimension " + i + " of " + in + ", which it does not have");
        dims[i] = in.dim(i);
      }
      if (dims[i] == -1) {
        if (unknown >= 0) throw c.fail("has two -1 dimensions in " + Arrays.toString(target));
        unknown = i;
      } else if (dims[i] < 0) {
        throw c.fail("has an invalid dimension " + dims[i] + " in " + Arrays.toString(target));
      } else {
        known *= dims[i];
      }
    }
    if (unknown >= 0) {
      if (known == 0 || in.size() % known != 0) throw c.fail("cannot reshape " + in + " to " + Arrays.toString(target));
      dims[unknown] = (int) (in.size() / known);
    }
    Shape out = new Shape(dims);
    if (out.size() != in.size()) throw c.fail("cannot reshape " + in + " to " + Arrays.toString(target));
    return reshapeTo(c, out);
  }

  private static Slot[] reshapeTo(Ctx c, Shape out) {
    if (c.isKnown(0)) return one(c.known(0, "input").reshape(out));
    if (c.shape(0).equals(out)) return same(c, 0);
    return one(c.emit("", new Op.Reshape(out), c.logical(0)), false);
  }

  private static Slot[] flatten(Ctx c) {
    Shape in = c.shape(0);
    int ax = (int) c.intAttr("axis", 1);
    if (ax < 0) ax += in.rank();
    if (ax < 0 || ax > in.rank()) throw c.fail("has axis " + c.intAttr("axis", 1) + " out of range for " + in);
    int outer = 1;
    for (int i = 0; i < ax; i++) outer *= in.dim(i);
    return reshapeTo(c, Shape.of(outer, in.size() / Math.max(1, outer)));
  }

  private static Slot[] transpose(Ctx c) {
    int rank = c.shape(0).rank();
    int[] perm = c.intsAttr("perm");
    if (perm == null) {
      perm = new int[rank];
      for (int i = 0; i < rank; i++) perm[i] = rank - 1 - i;
    }
    if (perm.length != rank) throw c.fail("has permutation " + Arrays.toString(perm) + " for rank " + rank);
    if (c.isKnown(0)) return one(c.known(0, "input").transpose(perm));
    if (c.isNhwc(0)) {
      // compose with the IR's layout: output axis i is ONNX axis perm[i], held at IR axis TO_NCHW[perm[i]]
      int[] q = new int[4];
      boolean identity = true;
      for (int i = 0; i < 4; i++) {
        q[i] = OnnxImporter.TO_NCHW[perm[i]];
        identity &= q[i] == i;
      }
      if (identity) return one(c.nhwc(0), false);
      return one(c.emit("", new Op.Transpose(q), c.nhwc(0)), false);
    }
    return one(c.emit("", new Op.Transpose(perm), c.logical(0)), false);
  }

  /** Pad: amounts are an attribute before opset 11, inputs (with optional value and, from 18, axes) after. */
  private static Slot[] pad(Ctx c) {
    String mode = c.stringAttr("mode", "constant");
    if (!mode.equals("constant")) throw c.fail("uses mode '" + mode + "'; only constant (zero) padding is supported");
    int rank = c.shape(0).rank();
    int[] p;
    double value = 0;
    int[] axes = null;
    if (c.opset < 11) {
      p = c.intsAttr(c.opset < 2 ? "paddings" : "pads");
      value = c.floatAttr("value", 0f);
    } else {
      p = c.known(1, "pads").ints();
      if (c.has(2)) value = c.known(2, "constant value").values()[0];
      if (c.has(3)) axes = c.known(3, "axes").ints();
    }
    if (value != 0) throw c.fail("pads with " + value + "; only zero padding is supported");
    if (axes == null) {
      axes = new int[rank];
      for (int i = 0; i < rank; i++) axes[i] = i;
    }
    if (p == null || p.length != 2 * axes.length) throw c.fail("has " + (p == null ? 0 : p.length) + " pad amounts for " + axes.length + " axes");
    int[] before = new int[rank], after = new int[rank];
    for (int i = 0; i < axes.length; i++) {
      int a = axis(c, axes[i], rank);
      before[a] = p[i];
      after[a] = p[i + axes.length];
      if (before[a] < 0 || after[a] < 0) throw c.fail("has negative pads " + Arrays.toString(p) + ", which crop; only padding is supported");
    }
    if (c.isNhwc(0)) {
      int[] b = new int[4], a = new int[4];
      for (int j = 0; j < 4; j++) {
        b[j] = before[OnnxImporter.TO_NHWC[j]];
        a[j] = after[OnnxImporter.TO_NHWC[j]];
      }
      return one(c.emit("", new Op.Pad(b, a), c.nhwc(0)), true);
    }
    if (c.isKnown(0)) {
      return foldedOnKnown(c, new Op.Pad(before, after));
    }
    return one(c.emit("", new Op.Pad(before, after), c.logical(0)), false);
  }

  /** An IR op applied to a known input, at import (its result is known too). */
  private static Slot[] foldedOnKnown(Ctx c, Op op) {
    Known k = c.known(0, "input");
    Value[] v = ImportGraph.fold(g -> new Value[] {Value.ir(g.emit("x", op, g.ir(Value.known(k), "k")))}, k.floating());
    return new Slot[] {Slot.of(v[0])};
  }

  /** Axes from the attribute (before {@code inputFrom}) or from input 1 (from it on); null when absent. */
  private static int[] axesOf(Ctx c, int inputFrom) {
    if (c.opset < inputFrom) return c.intsAttr("axes");
    return c.has(1) ? c.known(1, "axes").ints() : null;
  }

  private static Slot[] squeeze(Ctx c) {
    Shape s = c.shape(0);
    int[] axes = axesOf(c, 13);
    boolean[] drop = new boolean[s.rank()];
    if (axes == null || axes.length == 0) {
      for (int i = 0; i < s.rank(); i++) drop[i] = s.dim(i) == 1;
    } else {
      for (int a : axes) {
        int i = axis(c, a, s.rank());
        if (s.dim(i) != 1) throw c.fail("squeezes axis " + a + " of " + s + ", which has size " + s.dim(i));
        drop[i] = true;
      }
    }
    List<Integer> keep = new ArrayList<>();
    for (int i = 0; i < s.rank(); i++) if (!drop[i]) keep.add(s.dim(i));
    return reshapeTo(c, new Shape(keep.stream().mapToInt(Integer::intValue).toArray()));
  }

  private static Slot[] unsqueeze(Ctx c) {
    Shape s = c.shape(0);
    int[] axes = axesOf(c, 13);
    if (axes == null) throw c.fail("has no axes");
    int rank = s.rank() + axes.length;
    boolean[] added = new boolean[rank];
    for (int a : axes) {
      int i = axis(c, a, rank);
      if (added[i]) throw c.fail("inserts axis " + a + " twice");
      added[i] = true;
    }
    int[] dims = new int[rank];
    for (int i = 0, j = 0; i < rank; i++) dims[i] = added[i] ? 1 : s.dim(j++);
    return reshapeTo(c, new Shape(dims));
  }

  private static Slot[] constant(Ctx c) {
    Known t = c.tensorAttr("value");
    if (t != null) return one(t);
    if (c.attr("value_float") != null) return one(Known.scalar(c.floatAttr("value_float", 0), true));
    if (c.attr("value_int") != null) return one(Known.scalar(c.intAttr("value_int", 0), false));
    float[] fs = c.floatsAttr("value_floats");
    if (fs != null) {
      double[] d = new double[fs.length];
      for (int i = 0; i < d.length; i++) d[i] = fs[i];
      return one(new Known(Shape.of(d.length), d, true));
    }
    int[] is = c.intsAttr("value_ints");
    if (is != null) return one(Known.ints(is));
    throw c.fail("has no numeric value (sparse and string constants are not supported)");
  }

  private static Slot[] constantOfShape(Ctx c) {
    int[] dims = c.known(0, "shape").ints();
    for (int d : dims) if (d < 0) throw c.fail("has a negative dimension in " + Arrays.toString(dims));
    Known v = c.tensorAttr("value");
    double fill = v == null ? 0 : v.values().length == 1 ? v.values()[0] : Double.NaN;
    if (Double.isNaN(fill)) throw c.fail("has a value that is not a single element");
    return one(Known.filled(new Shape(dims), fill, v == null || v.floating()));
  }

  private static Slot[] dropout(Ctx c) {
    // from opset 12 the ratio and training mode are inputs; inference ignores the ratio
    if (c.opset >= 12 && c.has(2) && c.known(2, "training mode").values()[0] != 0) throw c.fail("is in training mode; export for inference");
    return new Slot[] {c.slot(0), null};
  }

  private static Slot[] cast(Ctx c) {
    int to = (int) c.intAttr("to", ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT_VALUE);
    boolean floating = OnnxTensors.isFloating(to);
    if (!c.isKnown(0)) {
      if (!floating) throw c.fail("casts a value computed at run time to " + OnnxTensors.typeName(to) + "; only casts between floating types are supported");
      return same(c, 0);
    }
    Known k = c.known(0, "input");
    boolean bool = to == ai.onnx.proto.OnnxMl.TensorProto.DataType.BOOL_VALUE;
    return one(k.map(v -> floating ? v : bool ? (v != 0 ? 1 : 0) : (double) (long) v, floating));
  }

  private static Slot[] shape(Ctx c) {
    Shape s = c.shape(0);
    int rank = s.rank();
    int start = 0, end = rank;
    if (c.opset >= 15) {
      start = (int) c.intAttr("start", 0);
      end = (int) c.intAttr("end", rank);
      if (start < 0) start += rank;
      if (end < 0) end += rank;
      start = Math.max(0, Math.min(rank, start));
      end = Math.max(start, Math.min(rank, end));
    }
    int[] d = Arrays.copyOfRange(s.dims(), start, end);
    return one(Known.ints(d));
  }

  /** Gather along an axis with known indices: of known data at import, of run-time data as slices. */
  private static Slot[] gather(Ctx c) {
    Shape s = c.shape(0);
    int ax = axis(c, c.intAttr("axis", 0), s.rank());
    Known idx = c.known(1, "indices");
    int n = s.dim(ax);
    int[] ix = idx.ints();
    for (int i = 0; i < ix.length; i++) {
      if (ix[i] < -n || ix[i] >= n) throw c.fail("gathers index " + ix[i] + " of an axis of size " + n);
      if (ix[i] < 0) ix[i] += n;
    }
    // output shape: data dims before the axis, the indices' dims, data dims after it
    int[] od = new int[s.rank() - 1 + idx.shape().rank()];
    int o = 0;
    for (int i = 0; i < ax; i++) od[o++] = s.dim(i);
    for (int i = 0; i < idx.shape().rank(); i++) od[o++] = idx.shape().dim(i);
    for (int i = ax + 1; i < s.rank(); i++) od[o++] = s.dim(i);
    Shape out = new Shape(od);
    if (c.isKnown(0)) {
      Known k = c.known(0, "data");
      int outer = 1, inner = 1;
      for (int i = 0; i < ax; i++) outer *= s.dim(i);
      for (int i = ax + 1; i < s.rank(); i++) inner *= s.dim(i);
      double[] d = new double[out.size()];
      for (int a = 0, p = 0; a < outer; a++)
        for (int j : ix)
          for (int b = 0; b < inner; b++) d[p++] = k.values()[(a * n + j) * inner + b];
      return one(new Known(out, d, k.floating()));
    }
    int x = c.logical(0);
    int[] parts = new int[ix.length];
    for (int i = 0; i < ix.length; i++) {
      int[] begin = new int[s.rank()], end = s.dims(), stride = new int[s.rank()];
      Arrays.fill(stride, 1);
      begin[ax] = ix[i];
      end[ax] = ix[i] + 1;
      parts[i] = c.emit("slice" + i, new Op.Slice(begin, end, stride), x);
    }
    int joined = parts.length == 1 ? parts[0] : c.emit("concat", new Op.Concat(ax), parts);
    return one(c.emit("", new Op.Reshape(out), joined), false);
  }

  /** Slice: bounds are attributes before opset 10, inputs (with axes and steps) from 10 on. */
  private static Slot[] slice(Ctx c) {
    Shape s = c.shape(0);
    int rank = s.rank();
    long[] starts, ends, axes = null, steps = null;
    if (c.opset < 10) {
      starts = longs(c.intsAttr("starts"));
      ends = longs(c.intsAttr("ends"));
      int[] a = c.intsAttr("axes");
      if (a != null) axes = longs(a);
    } else {
      starts = longs(c.known(1, "starts"));
      ends = longs(c.known(2, "ends"));
      if (c.has(3)) axes = longs(c.known(3, "axes"));
      if (c.has(4)) steps = longs(c.known(4, "steps"));
    }
    if (starts == null || ends == null || starts.length != ends.length) throw c.fail("has starts and ends of different lengths");
    int[] begin = new int[rank], end = s.dims(), stride = new int[rank];
    Arrays.fill(stride, 1);
    for (int i = 0; i < starts.length; i++) {
      int a = axes == null ? i : axis(c, axes[i], rank);
      long step = steps == null ? 1 : steps[i];
      if (step <= 0) throw c.fail("uses step " + step + "; only positive steps are supported");
      long n = s.dim(a);
      long lo = starts[i] < 0 ? starts[i] + n : starts[i], hi = ends[i] < 0 ? ends[i] + n : ends[i];
      lo = Math.max(0, Math.min(n, lo));
      hi = Math.max(lo, Math.min(n, hi));
      begin[a] = (int) lo;
      end[a] = (int) hi;
      stride[a] = (int) Math.min(Integer.MAX_VALUE, step);
    }
    if (c.isKnown(0)) return one(c.known(0, "data").slice(begin, end, stride));
    return one(c.emit("", new Op.Slice(begin, end, stride), c.logical(0)), false);
  }

  private static long[] longs(int[] v) {
    return v == null ? null : Arrays.stream(v).asLongStream().toArray();
  }

  private static long[] longs(Known k) {
    long[] out = new long[k.values().length];
    for (int i = 0; i < out.length; i++) out[i] = (long) k.values()[i]; // saturates INT64_MAX "to the end"
    return out;
  }

  /** ReduceMean/ReduceSum: axes an attribute before opset 18 (13 for ReduceSum), an optional input after. */
  private static Slot[] reduce(Ctx c, boolean mean) {
    Shape s = c.shape(0);
    int[] axes = axesOf(c, mean ? 18 : 13);
    boolean keep = c.intAttr("keepdims", 1) != 0;
    if (axes == null || axes.length == 0) {
      if (c.intAttr("noop_with_empty_axes", 0) != 0) return same(c, 0);
      axes = new int[s.rank()];
      for (int i = 0; i < axes.length; i++) axes[i] = i;
    }
    int[] ax = Known.axes(axes, s.rank());
    if (c.isNhwc(0)) {
      // reduce the IR's axes; stay in NHWC when the axes left keep ONNX's order (keepdims, or C reduced, or H and W)
      int[] irAxes = new int[ax.length];
      for (int i = 0; i < ax.length; i++) irAxes[i] = OnnxImporter.TO_NCHW[ax[i]];
      Arrays.sort(irAxes);
      int last = -1;
      boolean ordered = true;
      for (int j = 0; j < 4; j++) {
        if (Arrays.binarySearch(irAxes, j) >= 0) continue;
        ordered &= OnnxImporter.TO_NHWC[j] > last;
        last = OnnxImporter.TO_NHWC[j];
      }
      if (keep) return one(c.emit("", mean ? new Op.ReduceMean(irAxes, true) : new Op.ReduceSum(irAxes, true), c.nhwc(0)), true);
      if (ordered) return one(c.emit("", mean ? new Op.ReduceMean(irAxes, false) : new Op.ReduceSum(irAxes, false), c.nhwc(0)), false);
    }
    if (c.isKnown(0)) return foldedOnKnown(c, mean ? new Op.ReduceMean(ax, keep) : new Op.ReduceSum(ax, keep));
    return one(c.emit("", mean ? new Op.ReduceMean(ax, keep) : new Op.ReduceSum(ax, keep), c.logical(0)), false);
  }

  /**
   * Softmax, a final op computed by the client on its opened output. Before opset 13 it normalizes
   * the input flattened to 2-D at the axis, from 13 on along one axis. The IR's softmax runs over the
   * last axis, so the output is given as [rows, classes] (e.g. [1, 1000] for a [1, 1000, 1, 1] model output).
   */
  private static Slot[] softmax(Ctx c) {
    Shape s = c.shape(0);
    int rank = s.rank();
    int ax = axis(c, c.intAttr("axis", c.opset < 13 ? 1 : -1), rank);
    int x = c.logical(0);
    int[] perm = null; // from opset 13, one axis with others after it: moved last
    if (c.opset >= 13 && !trailingOnes(s, ax)) {
      perm = new int[rank];
      for (int i = 0, j = 0; i < rank; i++) if (i != ax) perm[j++] = i;
      perm[rank - 1] = ax;
      x = c.emit("axis_last", new Op.Transpose(perm), x);
    }
    Shape before = perm == null ? s : OnnxImporter.transposeShape(s, perm);
    int outer = 1, group = 1;
    for (int i = 0; i < (perm == null ? ax : rank - 1); i++) outer *= before.dim(i);
    group = before.size() / Math.max(1, outer);
    boolean rows = !(before.rank() == 2 && before.dim(1) == group);
    if (rows) x = c.emit("rows", new Op.Reshape(Shape.of(outer, group)), x);
    int sm = c.emit(rows || perm != null ? "softmax" : "", new Op.Softmax(), x);
    if (!rows && perm == null) return one(sm, false);
    // back to the ONNX shape for any reader; a graph output reads the Softmax itself (softmaxUnder)
    int y = rows ? c.emit(perm == null ? "" : "unrows", new Op.Reshape(before), sm) : sm;
    if (perm != null) {
      int[] inv = new int[rank];
      for (int i = 0; i < rank; i++) inv[perm[i]] = i;
      y = c.emit("", new Op.Transpose(inv), y);
    }
    return one(y, false);
  }

  private static boolean trailingOnes(Shape s, int ax) {
    for (int i = ax + 1; i < s.rank(); i++) if (s.dim(i) != 1) return false;
    return true;
  }

  /** The Softmax a graph output reads through shape-only ops, so the lowering finds it final; else the node. */
  static int softmaxUnder(ImportGraph g, int node) {
    int n = node;
    while (g.node(n).op() instanceof Op.Reshape || g.node(n).op() instanceof Op.Transpose) n = g.node(n).input(0);
    return g.node(n).op() instanceof Op.Softmax ? n : node;
  }

  private static Slot[] argMax(Ctx c) {
    Shape s = c.shape(0);
    int ax = axis(c, c.intAttr("axis", 0), s.rank());
    if (c.intAttr("select_last_index", 0) != 0) throw c.fail("selects the last index on ties, which is not supported");
    boolean keep = c.intAttr("keepdims", 1) != 0;
    // on the ONNX layout: the axes left then keep their order
    int x = c.logical(0);
    // softmax is monotone: argmax along a softmax's axis reads its logits (when the axis is the
    // softmax's last, with only unit axes after it), and the Softmax drops out of the graph
    int sm = softmaxUnder(c.graph, x);
    Node under = c.graph.node(sm);
    if (under.op() instanceof Op.Softmax && trailingOnes(s, ax) && c.graph.shape(Value.ir(sm)).dim(-1) == s.dim(ax)) {
      x = c.emit("logits", new Op.Reshape(s), under.input(0));
    }
    int am = c.emit(keep ? "argmax" : "", new Op.ArgMax(ax), x);
    int[] od = s.dims();
    od[ax] = 1;
    Shape kept = new Shape(od);
    if (keep) return one(c.emit("", new Op.Reshape(kept), am), false);
    return one(am, false);
  }

  private static Slot[] range(Ctx c) {
    double start = c.known(0, "start").values()[0], limit = c.known(1, "limit").values()[0], delta = c.known(2, "delta").values()[0];
    if (delta == 0) throw c.fail("has step 0");
    int n = (int) Math.max(0, Math.ceil((limit - start) / delta));
    double[] d = new double[n];
    for (int i = 0; i < n; i++) d[i] = start + i * delta;
    return one(new Known(Shape.of(n), d, c.known(0, "start").floating()));
  }
}
