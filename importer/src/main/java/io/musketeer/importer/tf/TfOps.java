package io.musketeer.importer.tf;

import io.musketeer.core.IndexMaps;
import io.musketeer.core.Shape;
import io.musketeer.importer.Known;
import io.musketeer.importer.Value;
import io.musketeer.importer.tf.TfImporter.Ctx;
import io.musketeer.ir.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorShapeProto;

/** The fail-fast table from TensorFlow op types to IR lowerings. */
final class TfOps {
  private TfOps() {}

  @FunctionalInterface
  interface Handler {
    Value[] apply(Ctx c);
  }

  static final Set<String> IGNORED_AS_OUTPUT = Set.of("NoOp", "Const", "Placeholder", "Assert", "SaveV2", "RestoreV2", "VarHandleOp");

  static final Map<String, Handler> TABLE = new HashMap<>();

  private static void op(Handler h, String... names) {
    for (String n : names) TABLE.put(n, h);
  }

  private static Value[] one(int node) {
    return new Value[] {Value.ir(node)};
  }

  private static Value[] one(Known k) {
    return new Value[] {Value.known(k)};
  }

  static {
    op(TfOps::placeholder, "Placeholder", "PlaceholderWithDefault");
    op(c -> one(Tensors.known(c.attr("value").getTensor(), c.name())), "Const");
    op(c -> new Value[] {c.in[0]}, "Identity", "StopGradient", "PreventGradient", "Snapshot", "CheckNumerics", "EnsureShape");
    op(c -> c.in.clone(), "IdentityN");
    op(c -> new Value[0], "NoOp");
    op(TfOps::matmul, "MatMul");
    op(TfOps::batchMatMul, "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3");
    op(TfOps::biasAdd, "BiasAdd");
    op(c -> one(c.emit("", new Op.Add(), c.ir(0), c.ir(1))), "Add", "AddV2");
    op(TfOps::addN, "AddN");
    op(c -> one(c.emit("", new Op.Sub(), c.ir(0), c.ir(1))), "Sub");
    op(c -> one(c.emit("", new Op.Mul(), c.ir(0), c.ir(1))), "Mul");
    op(c -> one(c.emit("", new Op.Mul(), c.ir(0), c.ir(0))), "Square");
    op(TfOps::divide, "RealDiv", "Div", "TruncateDiv");
    op(c -> one(c.emit("", new Op.Neg(), c.ir(0))), "Neg");
    op(c -> one(c.emit("", new Op.Relu(), c.ir(0))), "Relu");
    op(TfOps::relu6, "Relu6");
    op(TfOps::conv2d, "Conv2D");
    op(TfOps::depthwise, "DepthwiseConv2dNative");
    op(c -> pool(c, true), "MaxPool", "MaxPoolV2");
    op(c -> pool(c, false), "AvgPool");
    op(c -> reduce(c, false), "Sum");
    op(c -> reduce(c, true), "Mean");
    op(TfOps::batchNorm, "FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3");
    op(c -> concat(c, c.in.length - 1, 0, c.in.length - 1), "ConcatV2");
    op(c -> concat(c, 0, 1, c.in.length), "Concat");
    op(TfOps::reshape, "Reshape");
    op(TfOps::squeeze, "Squeeze");
    op(TfOps::expandDims, "ExpandDims");
    op(TfOps::pad, "Pad", "PadV2");
    op(c -> one(c.emit("", new Op.Transpose(c.known(1, "permutation").ints()), c.ir(0))), "Transpose");
    op(TfOps::slice, "Slice");
    op(TfOps::stridedSlice, "StridedSlice");
    op(TfOps::softmax, "Softmax");
    op(TfOps::argMax, "ArgMax");
    op(TfOps::pack, "Pack");
    op(TfOps::shape, "Shape");
    op(c -> one(new Known(Shape.of(), new double[] {c.shape(0).size()}, false)), "Size");
    op(c -> one(new Known(Shape.of(), new double[] {c.shape(0).rank()}, false)), "Rank");
    op(TfOps::fill, "Fill");
    op(c -> one(Known.filled(c.shape(0), 0, floating(c, 0))), "ZerosLike");
    op(c -> one(Known.filled(c.shape(0), 1, floating(c, 0))), "OnesLike");
    op(TfOps::cast, "Cast");
    op(c -> knownOnly(c, TfOps::prod), "Prod");
    op(c -> knownOnly(c, TfOps::range), "Range");
    op(TfOps::gather, "GatherV2", "Gather");
    op(c -> knownOnly(c, k -> Known.elementwise(k[0], k[1], (a, b) -> Math.floor(a / b))), "FloorDiv");
    op(c -> maxMin(c, true), "Maximum");
    op(c -> maxMin(c, false), "Minimum");
    op(TfOps::leakyRelu, "LeakyRelu");
    op(TfOps::clipByValue, "ClipByValue");
    op(c -> knownOnly(c, k -> k[0].map(v -> 1 / Math.sqrt(v), true)), "Rsqrt");
    op(c -> knownOnly(c, k -> k[0].map(Math::sqrt, true)), "Sqrt");
    op(c -> knownOnly(c, k -> k[0].map(Math::floor, true)), "Floor");
  }

  private static boolean floating(Ctx c, int i) {
    return !c.in[i].isKnown() || c.in[i].known().floating();
  }

  private static Value[] placeholder(Ctx c) {
    String name = c.name();
    int dtype = c.attr("dtype") == null ? DataType.DT_FLOAT_VALUE : c.attr("dtype").getTypeValue();
    if (dtype != DataType.DT_FLOAT_VALUE && dtype != DataType.DT_HALF_VALUE && dtype != DataType.DT_DOUBLE_VALUE
        && dtype != DataType.DT_BFLOAT16_VALUE) {
      throw c.fail("has type " + DataType.forNumber(dtype) + "; only floating-point model inputs are supported");
    }
    Shape override = c.options.inputShapes().get(name);
    Shape shape;
    TensorShapeProto proto = c.attr("shape") == null ? null : c.attr("shape").getShape();
    if (proto != null && !proto.getUnknownRank()) {
      int[] dims = new int[proto.getDimCount()];
      for (int i = 0; i < dims.length; i++) {
        long d = proto.getDim(i).getSize();
        if (i == 0 && c.options.batchSize() > 0) d = c.options.batchSize();
        if (i == 0 && d < 0) d = 1;
        if (d < 0 && override == null) throw c.fail("has an unknown dimension " + i + "; give the input shape explicitly");
        dims[i] = (int) Math.max(d, 0);
      }
      shape = new Shape(dims);
      if (override != null) {
        if (override.rank() != dims.length) throw c.fail("has rank " + dims.length + " but the given input shape " + override + " has rank " + override.rank());
        for (int i = 0; i < dims.length; i++) {
          long d = proto.getDim(i).getSize();
          if (d >= 0 && i > 0 && d != override.dim(i)) {
            throw c.fail("has shape " + shape + " which the given input shape " + override + " contradicts");
          }
        }
        shape = override;
      }
    } else if (override != null) {
      shape = override;
    } else {
      throw c.fail("has no shape; give the input shape explicitly");
    }
    return one(c.graph.emit(name, new Op.Input(name, shape)));
  }

  private static Value[] matmul(Ctx c) {
    int a = c.ir(0), b = c.ir(1);
    if (c.boolAttr("transpose_a", false) || c.boolAttr("adj_x", false)) a = c.emit("transpose_a", new Op.Transpose(new int[] {1, 0}), a);
    if (c.boolAttr("transpose_b", false) || c.boolAttr("adj_y", false)) b = c.emit("transpose_b", new Op.Transpose(new int[] {1, 0}), b);
    return one(c.emit("", new Op.MatMul(), a, b));
  }

  /**
   * A batched product by a matrix (Keras 3's Dense on [batch, steps, features]): one MatMul over the
   * flattened leading dimensions.
   */
  private static Value[] batchMatMul(Ctx c) {
    Shape as = c.shape(0), bs = c.shape(1);
    if (c.boolAttr("adj_x", false)) throw c.fail("with adj_x is not supported");
    if (as.rank() < 2 || bs.rank() < 2) throw c.fail("needs operands of rank 2 or more, got " + as + " and " + bs);
    int b = c.ir(1);
    int rows = bs.dim(bs.rank() - 2), cols = bs.dim(bs.rank() - 1);
    if (bs.size() != rows * cols) throw c.fail("multiplies by " + bs + "; only a matrix (or batches of one) on the right is supported");
    if (bs.rank() > 2) b = c.emit("matrix", new Op.Reshape(Shape.of(rows, cols)), b);
    if (c.boolAttr("adj_y", false)) b = c.emit("transpose_b", new Op.Transpose(new int[] {1, 0}), b);
    if (as.rank() == 2) return one(c.emit("", new Op.MatMul(), c.ir(0), b));
    int k = as.dim(as.rank() - 1);
    int a = c.emit("rows", new Op.Reshape(Shape.of(as.size() / k, k)), c.ir(0));
    int[] out = as.dims().clone();
    out[out.length - 1] = c.boolAttr("adj_y", false) ? rows : cols;
    return one(c.emit("", new Op.Reshape(new Shape(out)), c.emit("matmul", new Op.MatMul(), a, b)));
  }

  private static Value[] biasAdd(Ctx c) {
    int bias = c.ir(1);
    if (c.stringAttr("data_format", "NHWC").equals("NCHW") && c.shape(0).rank() == 4) {
      bias = c.emit("bias_nchw", new Op.Reshape(Shape.of(c.shape(1).size(), 1, 1)), bias);
    }
    return one(c.emit("", new Op.Add(), c.ir(0), bias));
  }

  private static Value[] addN(Ctx c) {
    int acc = c.ir(0);
    for (int i = 1; i < c.in.length; i++) acc = c.emit(i == c.in.length - 1 ? "" : "sum" + i, new Op.Add(), acc, c.ir(i));
    return one(acc);
  }

  private static Value[] divide(Ctx c) {
    Known d = c.known(1, "divisor");
    double[] inv = new double[d.values().length];
    for (int i = 0; i < inv.length; i++) {
      if (d.values()[i] == 0) throw c.fail("divides by zero");
      inv[i] = 1.0 / d.values()[i];
    }
    int recip = c.irOf(Value.known(new Known(d.shape(), inv, true)));
    return one(c.emit("", new Op.Mul(), c.ir(0), recip));
  }

  /** Relu6(x) = Relu(x) - Relu(x - 6): two secure comparisons, no clipping op in the IR. */
  private static Value[] relu6(Ctx c) {
    int x = c.ir(0);
    int six = c.publicConstant("six", 6f);
    int relu = c.emit("relu", new Op.Relu(), x);
    int over = c.emit("relu_over", new Op.Relu(), c.emit("minus6", new Op.Sub(), x, six));
    return one(c.emit("", new Op.Sub(), relu, over));
  }

  /**
   * max(a, b) = Relu(a - b) + b and min(a, b) = a - Relu(a - b): one secure comparison, so
   * {@code tf.maximum(x, 0.)}, {@code tf.clip_by_value} and Keras' ReLU(max_value) import. Maximum with a
   * zero constant that does not widen the input is a plain Relu.
   */
  private static Value[] maxMin(Ctx c, boolean max) {
    if (c.in[0].isKnown() && c.in[1].isKnown()) {
      Known[] k = {c.in[0].known(), c.in[1].known()};
      return one(Known.elementwise(k[0], k[1], max ? Math::max : Math::min));
    }
    int a = 0, b = 1;
    if (c.in[0].isKnown()) {
      a = 1; // both formulas are symmetric in a and b; keep the run-time value first
      b = 0;
    }
    if (max && c.in[b].isKnown() && Arrays.stream(c.in[b].known().values()).allMatch(v -> v == 0)
        && IndexMaps.broadcastShape(c.shape(a), c.shape(b)).equals(c.shape(a))) {
      return one(c.emit("", new Op.Relu(), c.ir(a)));
    }
    return one(maxMin(c, "", c.ir(a), c.ir(b), max, ""));
  }

  private static int maxMin(Ctx c, String prefix, int a, int b, boolean max, String outSuffix) {
    int diff = c.emit(prefix + "diff", new Op.Sub(), a, b);
    int relu = c.emit(prefix + "relu", new Op.Relu(), diff);
    return max ? c.emit(outSuffix, new Op.Add(), relu, b) : c.emit(outSuffix, new Op.Sub(), a, relu);
  }

  /** ClipByValue(x, lo, hi) = min(max(x, lo), hi), as two Relus. */
  private static Value[] clipByValue(Ctx c) {
    int lower = maxMin(c, "lower_", c.ir(0), c.ir(1), true, "lower");
    return one(maxMin(c, "upper_", lower, c.ir(2), false, ""));
  }

  /** LeakyRelu(x) = alpha*x + (1 - alpha)*Relu(x), exact for every alpha, with public constants. */
  private static Value[] leakyRelu(Ctx c) {
    float alpha = c.floatAttr("alpha", 0.2f);
    int x = c.ir(0);
    int relu = c.emit("relu", new Op.Relu(), x);
    int scaledRelu = c.emit("relu_scaled", new Op.Mul(), relu, c.publicConstant("one_minus_alpha", 1 - alpha));
    int scaledX = c.emit("x_scaled", new Op.Mul(), x, c.publicConstant("alpha", alpha));
    return one(c.emit("", new Op.Add(), scaledX, scaledRelu));
  }

  private static int[] strides(Ctx c, boolean nchw) {
    return strides(c.intsAttr("strides"), nchw);
  }

  private static int[] strides(int[] s, boolean nchw) {
    if (s == null || s.length != 4) return new int[] {1, 1};
    return nchw ? new int[] {s[2], s[3]} : new int[] {s[1], s[2]};
  }

  /** TensorFlow's padding: SAME puts the odd extra row/column at the bottom/right. */
  private static int[] padding(Ctx c, int h, int w, int kh, int kw, int sh, int sw, boolean nchw) {
    String mode = c.stringAttr("padding", "VALID");
    return switch (mode) {
      case "VALID" -> new int[] {0, 0, 0, 0};
      case "SAME" -> {
        int oh = (h + sh - 1) / sh, ow = (w + sw - 1) / sw;
        int ph = Math.max(0, (oh - 1) * sh + kh - h), pw = Math.max(0, (ow - 1) * sw + kw - w);
        yield new int[] {ph / 2, ph - ph / 2, pw / 2, pw - pw / 2};
      }
      case "EXPLICIT" -> {
        int[] p = c.intsAttr("explicit_paddings");
        if (p == null || p.length != 8) throw c.fail("has EXPLICIT padding without 8 explicit_paddings");
        yield nchw ? new int[] {p[4], p[5], p[6], p[7]} : new int[] {p[2], p[3], p[4], p[5]};
      }
      default -> throw c.fail("has unknown padding '" + mode + "'");
    };
  }

  private static void checkDilations(Ctx c) {
    int[] d = c.intsAttr("dilations");
    if (d != null) for (int v : d) if (v != 1) throw c.fail("uses dilation " + Arrays.toString(d) + "; only dilation 1 is supported");
  }

  private static int toNhwc(Ctx c, int x, boolean nchw) {
    return nchw ? c.emit("to_nhwc", new Op.Transpose(new int[] {0, 2, 3, 1}), x) : x;
  }

  private static Value[] fromNhwc(Ctx c, Op op, int x, int f, boolean nchw) {
    if (!nchw) return one(c.emit("", op, x, f));
    int y = c.emit("nhwc", op, x, f);
    return one(c.emit("", new Op.Transpose(new int[] {0, 3, 1, 2}), y));
  }

  private static Value[] conv2d(Ctx c) {
    checkDilations(c);
    boolean nchw = c.stringAttr("data_format", "NHWC").equals("NCHW");
    Shape xs = c.shape(0), fs = c.shape(1);
    if (xs.rank() != 4 || fs.rank() != 4) throw c.fail("needs a 4-D input and filter, got " + xs + " and " + fs);
    int h = nchw ? xs.dim(2) : xs.dim(1), w = nchw ? xs.dim(3) : xs.dim(2), ch = nchw ? xs.dim(1) : xs.dim(3);
    int[] s = strides(c, nchw);
    int[] p = padding(c, h, w, fs.dim(0), fs.dim(1), s[0], s[1], nchw);
    if (ch % fs.dim(2) != 0) throw c.fail("has filter " + fs + " that does not fit " + ch + " input channels");
    Op op = new Op.Conv2D(s[0], s[1], p[0], p[1], p[2], p[3], ch / fs.dim(2));
    return fromNhwc(c, op, toNhwc(c, c.ir(0), nchw), c.ir(1), nchw);
  }

  private static Value[] depthwise(Ctx c) {
    checkDilations(c);
    boolean nchw = c.stringAttr("data_format", "NHWC").equals("NCHW");
    Shape xs = c.shape(0), fs = c.shape(1);
    if (xs.rank() != 4 || fs.rank() != 4) throw c.fail("needs a 4-D input and filter, got " + xs + " and " + fs);
    int h = nchw ? xs.dim(2) : xs.dim(1), w = nchw ? xs.dim(3) : xs.dim(2);
    int[] s = strides(c, nchw);
    int[] p = padding(c, h, w, fs.dim(0), fs.dim(1), s[0], s[1], nchw);
    int ch = fs.dim(2), mult = fs.dim(3);
    // [fh, fw, c, mult] row-major is [fh, fw, 1, c*mult] with output channel c*mult + m, as grouped conv orders it
    int filter = c.emit("filter", new Op.Reshape(Shape.of(fs.dim(0), fs.dim(1), 1, ch * mult)), c.ir(1));
    Op op = new Op.Conv2D(s[0], s[1], p[0], p[1], p[2], p[3], ch);
    return fromNhwc(c, op, toNhwc(c, c.ir(0), nchw), filter, nchw);
  }

  private static Value[] pool(Ctx c, boolean max) {
    boolean nchw = c.stringAttr("data_format", "NHWC").equals("NCHW");
    // MaxPoolV2 takes ksize and strides as (constant) inputs instead of attributes
    boolean v2 = c.node.getOp().endsWith("V2");
    int[] k = v2 ? c.known(1, "ksize").ints() : c.intsAttr("ksize");
    if (k == null || k.length != 4) throw c.fail("needs a 4-element ksize");
    int kh = nchw ? k[2] : k[1], kw = nchw ? k[3] : k[2];
    if ((nchw ? k[0] * k[1] : k[0] * k[3]) != 1) throw c.fail("pools over batch or channels, which is not supported");
    Shape xs = c.shape(0);
    if (xs.rank() != 4) throw c.fail("needs a 4-D input, got " + xs);
    int h = nchw ? xs.dim(2) : xs.dim(1), w = nchw ? xs.dim(3) : xs.dim(2);
    int[] s = v2 ? strides(c.known(2, "strides").ints(), nchw) : strides(c, nchw);
    int[] p = padding(c, h, w, kh, kw, s[0], s[1], nchw);
    Op.Window win = new Op.Window(kh, kw, s[0], s[1], p[0], p[1], p[2], p[3]);
    Op op = max ? new Op.MaxPool(win) : new Op.AvgPool(win, false);
    int x = toNhwc(c, c.ir(0), nchw);
    if (!nchw) return one(c.emit("", op, x));
    return one(c.emit("", new Op.Transpose(new int[] {0, 3, 1, 2}), c.emit("nhwc", op, x)));
  }

  private static int[] axes(Known k, int rank) {
    return Known.axes(k.ints(), rank);
  }

  private static Value[] reduce(Ctx c, boolean mean) {
    int rank = c.shape(0).rank();
    int[] ax = axes(c.known(1, "reduction axes"), rank);
    boolean keep = c.boolAttr("keep_dims", c.boolAttr("keepdims", false));
    Op op = mean ? new Op.ReduceMean(ax, keep) : new Op.ReduceSum(ax, keep);
    return one(c.emit("", op, c.ir(0)));
  }

  /** Inference batch norm as one per-channel multiply and add; the compiler folds both into the conv. */
  private static Value[] batchNorm(Ctx c) {
    // TensorFlow's default is is_training=true, so a node without the attribute (stripped defaults) trains
    if (c.boolAttr("is_training", true)) throw c.fail("is in training mode; freeze the graph for inference (is_training=false)");
    Known scale = c.known(1, "scale"), offset = c.known(2, "offset"), mean = c.known(3, "mean"), var = c.known(4, "variance");
    double eps = c.floatAttr("epsilon", 1e-4f); // the op's default (Keras writes its own 1e-3 explicitly)
    int n = scale.values().length;
    boolean nchw = c.stringAttr("data_format", "NHWC").equals("NCHW");
    Shape xs = c.shape(0);
    if (xs.rank() != 4) throw c.fail("needs a 4-D input, got " + xs);
    int channels = xs.dim(nchw ? 1 : 3);
    for (Known k : List.of(scale, offset, mean, var)) {
      if (k.values().length != channels) throw c.fail("has " + k.values().length + " parameters per input but " + channels + " channels");
    }
    double[] mul = new double[n], add = new double[n];
    for (int i = 0; i < n; i++) {
      if (!(var.values()[i] + eps > 0)) throw c.fail("has a variance plus epsilon that is not positive (channel " + i + ")");
      mul[i] = scale.values()[i] / Math.sqrt(var.values()[i] + eps);
      add[i] = offset.values()[i] - mean.values()[i] * mul[i];
    }
    Shape ps = nchw ? Shape.of(n, 1, 1) : Shape.of(n);
    int m = c.irOf(Value.known(new Known(ps, mul, true)));
    int a = c.irOf(Value.known(new Known(ps, add, true)));
    int y = c.emit("", new Op.Add(), c.emit("scale", new Op.Mul(), c.ir(0), m), a);
    return new Value[] {Value.ir(y)}; // the other outputs (batch statistics) are training-only
  }

  private static Value[] concat(Ctx c, int axisInput, int from, int to) {
    int rank = c.shape(from).rank();
    int axis = c.known(axisInput, "axis").scalarInt();
    if (axis < 0) axis += rank;
    int[] ins = new int[to - from];
    for (int i = from; i < to; i++) ins[i - from] = c.ir(i);
    if (ins.length == 1) return one(ins[0]);
    return one(c.emit("", new Op.Concat(axis), ins));
  }

  private static Value[] reshape(Ctx c) {
    int[] dims = c.known(1, "shape").ints();
    int size = c.shape(0).size(), known = 1, unknown = -1;
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] == -1) {
        if (unknown >= 0) throw c.fail("has two -1 dimensions in its shape");
        unknown = i;
      } else {
        known *= dims[i];
      }
    }
    if (unknown >= 0) {
      if (known == 0 || size % known != 0) throw c.fail("cannot reshape " + c.shape(0) + " to " + Arrays.toString(dims));
      dims[unknown] = size / known;
    }
    return one(c.emit("", new Op.Reshape(new Shape(dims)), c.ir(0)));
  }

  private static Value[] squeeze(Ctx c) {
    Shape s = c.shape(0);
    int[] sq = c.intsAttr("squeeze_dims");
    if (sq == null || sq.length == 0) sq = c.intsAttr("axis");
    List<Integer> keep = new ArrayList<>();
    for (int i = 0; i < s.rank(); i++) {
      boolean drop = false;
      if (sq == null || sq.length == 0) {
        drop = s.dim(i) == 1;
      } else {
        for (int a : sq) if ((a < 0 ? a + s.rank() : a) == i) drop = true;
        if (drop && s.dim(i) != 1) throw c.fail("squeezes dimension " + i + " of size " + s.dim(i));
      }
      if (!drop) keep.add(s.dim(i));
    }
    return one(c.emit("", new Op.Reshape(new Shape(keep.stream().mapToInt(Integer::intValue).toArray())), c.ir(0)));
  }

  private static Value[] expandDims(Ctx c) {
    Shape s = c.shape(0);
    int axis = c.known(1, "axis").scalarInt();
    if (axis < 0) axis += s.rank() + 1;
    int[] dims = new int[s.rank() + 1];
    for (int i = 0, j = 0; i < dims.length; i++) dims[i] = i == axis ? 1 : s.dim(j++);
    return one(c.emit("", new Op.Reshape(new Shape(dims)), c.ir(0)));
  }

  private static Value[] pad(Ctx c) {
    Known p = c.known(1, "paddings");
    if (c.in.length > 2) {
      Known value = c.known(2, "constant value");
      if (value.values()[0] != 0) throw c.fail("pads with " + value.values()[0] + "; only zero padding is supported");
    }
    int rank = c.shape(0).rank();
    int[] v = p.ints();
    if (v.length != 2 * rank) throw c.fail("has paddings of shape " + p.shape() + " for a rank-" + rank + " input");
    int[] before = new int[rank], after = new int[rank];
    for (int i = 0; i < rank; i++) {
      before[i] = v[2 * i];
      after[i] = v[2 * i + 1];
    }
    return one(c.emit("", new Op.Pad(before, after), c.ir(0)));
  }

  private static Value[] slice(Ctx c) {
    Shape s = c.shape(0);
    int[] begin = c.known(1, "begin").ints(), size = c.known(2, "size").ints();
    int[] end = new int[s.rank()], stride = new int[s.rank()];
    for (int i = 0; i < s.rank(); i++) {
      end[i] = size[i] < 0 ? s.dim(i) : begin[i] + size[i];
      stride[i] = 1;
    }
    return one(c.emit("", new Op.Slice(begin, end, stride), c.ir(0)));
  }

  /** StridedSlice with all five masks, as a Slice and a Reshape (positive strides only). */
  private static Value[] stridedSlice(Ctx c) {
    Shape s = c.shape(0);
    int[] b = c.known(1, "begin").ints(), e = c.known(2, "end").ints(), st = c.known(3, "strides").ints();
    long beginMask = c.intAttr("begin_mask", 0), endMask = c.intAttr("end_mask", 0), ellipsis = c.intAttr("ellipsis_mask", 0);
    long newAxis = c.intAttr("new_axis_mask", 0), shrink = c.intAttr("shrink_axis_mask", 0);
    int rank = s.rank();
    int[] begin = new int[rank], end = new int[rank], stride = new int[rank];
    for (int i = 0; i < rank; i++) {
      end[i] = s.dim(i);
      stride[i] = 1;
    }
    List<Integer> outDims = new ArrayList<>();
    int dim = 0;
    int specs = b.length;
    int realSpecs = 0;
    for (int k = 0; k < specs; k++) if ((newAxis >> k & 1) == 0 && (ellipsis >> k & 1) == 0) realSpecs++;
    for (int k = 0; k < specs; k++) {
      if ((ellipsis >> k & 1) != 0) {
        int span = rank - realSpecs;
        for (int j = 0; j < span; j++, dim++) outDims.add(s.dim(dim));
        continue;
      }
      if ((newAxis >> k & 1) != 0) {
        outDims.add(1);
        continue;
      }
      if (dim >= rank) throw c.fail("slices more dimensions than the input " + s + " has");
      int n = s.dim(dim);
      if (st[k] <= 0) throw c.fail("uses stride " + st[k] + "; only positive strides are supported");
      boolean shrinks = (shrink >> k & 1) != 0;
      int lo = b[k] < 0 ? b[k] + n : b[k], hi = e[k] < 0 ? e[k] + n : e[k];
      // as in TensorFlow, a shrunk axis takes begin[k] exactly and ignores both masks
      if (!shrinks && (beginMask >> k & 1) != 0) lo = 0;
      if (!shrinks && (endMask >> k & 1) != 0) hi = n;
      lo = Math.max(0, Math.min(n, lo));
      hi = Math.max(lo, Math.min(n, hi));
      if ((shrink >> k & 1) != 0) {
        hi = lo + 1;
        if (lo >= n) throw c.fail("indexes " + b[k] + " past dimension " + dim + " of " + s);
      }
      begin[dim] = lo;
      end[dim] = hi;
      stride[dim] = st[k];
      if ((shrink >> k & 1) == 0) outDims.add((hi - lo + st[k] - 1) / st[k]);
      dim++;
    }
    for (; dim < rank; dim++) outDims.add(s.dim(dim));
    int sliced = c.emit("slice", new Op.Slice(begin, end, stride), c.ir(0));
    Shape out = new Shape(outDims.stream().mapToInt(Integer::intValue).toArray());
    return one(c.emit("", new Op.Reshape(out), sliced));
  }

  private static Value[] softmax(Ctx c) {
    return one(c.emit("", new Op.Softmax(), c.ir(0)));
  }

  private static Value[] argMax(Ctx c) {
    int axis = c.known(1, "dimension").scalarInt();
    if (axis < 0) axis += c.shape(0).rank();
    int x = c.ir(0);
    // softmax is monotone along its axis: argmax(softmax(z)) = argmax(z), and the Softmax (allowed only as
    // a final op) drops out of the graph unless it is an output itself
    if (c.graph.node(x).op() instanceof Op.Softmax && axis == c.shape(0).rank() - 1) x = c.graph.node(x).input(0);
    return one(c.emit("", new Op.ArgMax(axis), x));
  }

  private static Value[] pack(Ctx c) {
    Shape s = c.shape(0);
    int axis = (int) c.intAttr("axis", 0);
    if (axis < 0) axis += s.rank() + 1;
    int[] dims = new int[s.rank() + 1];
    for (int i = 0, j = 0; i < dims.length; i++) dims[i] = i == axis ? 1 : s.dim(j++);
    int[] parts = new int[c.in.length];
    for (int i = 0; i < parts.length; i++) parts[i] = c.emit("expand" + i, new Op.Reshape(new Shape(dims)), c.ir(i));
    return one(parts.length == 1 ? parts[0] : c.emit("", new Op.Concat(axis), parts));
  }

  private static Value[] shape(Ctx c) {
    Shape s = c.shape(0);
    double[] d = new double[s.rank()];
    for (int i = 0; i < d.length; i++) d[i] = s.dim(i);
    return one(new Known(Shape.of(s.rank()), d, false));
  }

  private static Value[] fill(Ctx c) {
    int[] dims = c.known(0, "dims").ints();
    Known v = c.known(1, "value");
    return one(Known.filled(new Shape(dims), v.values()[0], v.floating()));
  }

  private static Value[] cast(Ctx c) {
    if (!c.in[0].isKnown()) return new Value[] {c.in[0]};
    int to = c.attr("DstT") == null ? DataType.DT_FLOAT_VALUE : c.attr("DstT").getTypeValue();
    boolean floating = Tensors.isFloating(to);
    Known k = c.in[0].known();
    double[] d = k.values().clone();
    if (!floating) for (int i = 0; i < d.length; i++) d[i] = (long) d[i];
    return one(new Known(k.shape(), d, floating));
  }

  interface KnownFn {
    Known apply(Known[] in);
  }

  /** Integer side computations that have no IR op: only at import, on known inputs. */
  private static Value[] knownOnly(Ctx c, KnownFn f) {
    Known[] k = new Known[c.in.length];
    for (int i = 0; i < k.length; i++) k[i] = c.known(i, "input " + i);
    return one(f.apply(k));
  }

  private static Known prod(Known[] k) {
    int rank = k[0].shape().rank();
    int[] ax = axes(k[1], rank);
    Shape out = IndexMaps.reduceShape(k[0].shape(), ax, false);
    int[] map = IndexMaps.reduce(k[0].shape(), ax);
    double[] d = new double[out.size()];
    Arrays.fill(d, 1);
    for (int i = 0; i < map.length; i++) d[map[i]] *= k[0].values()[i];
    return new Known(out, d, k[0].floating());
  }

  /** Gather on known values: the shape arithmetic of tf.tensordot (Keras' Dense on inputs of rank 3 and more). */
  private static Value[] gather(Ctx c) {
    if (c.intAttr("batch_dims", 0) != 0) throw c.fail("gathers with batch_dims; not supported");
    Known params = c.known(0, "params"), indices = c.known(1, "indices");
    int rank = params.shape().rank();
    int axis = c.in.length > 2 ? c.known(2, "axis").scalarInt() : 0;
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) throw c.fail("gathers along axis " + axis + " of a rank-" + rank + " tensor");
    int[] dims = params.shape().dims();
    int outer = 1, inner = 1, n = dims[axis];
    for (int i = 0; i < axis; i++) outer *= dims[i];
    for (int i = axis + 1; i < rank; i++) inner *= dims[i];
    int[] idx = indices.ints();
    int[] outDims = new int[rank - 1 + indices.shape().rank()];
    System.arraycopy(dims, 0, outDims, 0, axis);
    System.arraycopy(indices.shape().dims(), 0, outDims, axis, indices.shape().rank());
    System.arraycopy(dims, axis + 1, outDims, axis + indices.shape().rank(), rank - axis - 1);
    double[] out = new double[outer * idx.length * inner];
    for (int o = 0; o < outer; o++) {
      for (int j = 0; j < idx.length; j++) {
        if (idx[j] < 0 || idx[j] >= n) throw c.fail("gathers index " + idx[j] + " of a dimension of size " + n);
        System.arraycopy(params.values(), (o * n + idx[j]) * inner, out, (o * idx.length + j) * inner, inner);
      }
    }
    return one(new Known(new Shape(outDims), out, params.floating()));
  }

  private static Known range(Known[] k) {
    double start = k[0].values()[0], limit = k[1].values()[0], delta = k[2].values()[0];
    int n = (int) Math.max(0, Math.ceil((limit - start) / delta));
    double[] d = new double[n];
    for (int i = 0; i < n; i++) d[i] = start + i * delta;
    return new Known(Shape.of(n), d, k[0].floating());
  }
}
