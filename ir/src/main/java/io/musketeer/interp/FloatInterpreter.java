package io.musketeer.interp;

import io.musketeer.MusketeerException;
import io.musketeer.core.ConvGeometry;
import io.musketeer.core.FloatKernels;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.IndexMaps;
import io.musketeer.core.PoolGeometry;
import io.musketeer.core.Shape;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import io.musketeer.ir.ShapeInference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The float32 reference semantics of every IR op: the living definition the other executors follow. */
public final class FloatInterpreter {
  private FloatInterpreter() {}

  /** Sees every node's value as it is computed (calibration records ranges this way). */
  @FunctionalInterface
  public interface Observer {
    void value(int node, FloatTensor value);
  }

  /** Runs the graph; returns the outputs in {@code g.outputs()} order. */
  public static List<FloatTensor> run(Graph g, Map<String, FloatTensor> inputs) {
    return run(g, inputs, (node, value) -> {});
  }

  /** Runs the graph, showing {@code observer} each node's value before it may be freed. */
  public static List<FloatTensor> run(Graph g, Map<String, FloatTensor> inputs, Observer observer) {
    FloatTensor[] values = new FloatTensor[g.size()];
    int[] uses = g.useCounts();
    for (int i = 0; i < g.size(); i++) {
      Node n = g.node(i);
      FloatTensor[] in = new FloatTensor[n.arity()];
      for (int j = 0; j < in.length; j++) in[j] = values[n.input(j)];
      values[i] = eval(n, in, inputs);
      observer.value(i, values[i]);
      for (int src : n.inputs()) {
        if (--uses[src] == 0) values[src] = null;
      }
    }
    List<FloatTensor> out = new ArrayList<>();
    for (int o : g.outputs()) out.add(values[o]);
    return out;
  }

  /**
   * One op on known tensors: what constant folding, BatchNorm folding, the importers and the client's
   * final softmax evaluate. Shapes are checked as the IR checker would.
   */
  public static FloatTensor evaluate(Op op, FloatTensor... args) {
    Shape[] shapes = new Shape[args.length];
    int[] ins = new int[args.length];
    for (int k = 0; k < args.length; k++) {
      shapes[k] = args[k].shape();
      ins[k] = k;
    }
    return eval(new Node(op.kind(), op, ins, ShapeInference.infer(op, shapes)), args, Map.of());
  }

  private static FloatTensor eval(Node n, FloatTensor[] in, Map<String, FloatTensor> inputs) {
    Shape shape = n.shape();
    return switch (n.op()) {
      case Op.Input i -> i.valueIn(inputs);
      case Op.Constant c -> c.value();
      case Op.MatMul m -> new FloatTensor(shape, FloatKernels.matmul(in[0].data(), in[1].data(), in[0].shape().dim(0), in[0].shape().dim(1), in[1].shape().dim(1)));
      case Op.Conv2D c -> {
        ConvGeometry geo = ShapeInference.convGeometry(c, in[0].shape(), in[1].shape());
        yield new FloatTensor(shape, FloatKernels.conv2d(in[0].data(), in[1].data(), geo));
      }
      case Op.Add a -> binary(in, shape, (x, y) -> x + y);
      case Op.Sub s -> binary(in, shape, (x, y) -> x - y);
      case Op.Mul m -> binary(in, shape, (x, y) -> x * y);
      case Op.Neg neg -> unary(in[0], x -> -x);
      case Op.Relu r -> unary(in[0], x -> x > 0 ? x : 0f);
      case Op.MaxPool p -> new FloatTensor(shape, FloatKernels.maxPool(in[0].data(), ShapeInference.poolGeometry(p.window(), in[0].shape())));
      case Op.AvgPool p -> new FloatTensor(shape, FloatKernels.avgPool(in[0].data(), ShapeInference.poolGeometry(p.window(), in[0].shape()), p.countPadding()));
      case Op.ReduceSum r -> new FloatTensor(shape, reduceSum(in[0], r.axes(), shape.size(), 1));
      case Op.ReduceMean r -> new FloatTensor(shape, reduceSum(in[0], r.axes(), shape.size(), in[0].size() / Math.max(1, shape.size())));
      case Op.Concat c -> {
        Shape[] shapes = new Shape[in.length];
        for (int j = 0; j < in.length; j++) shapes[j] = in[j].shape();
        int[][] map = IndexMaps.concat(shapes, c.axis());
        float[] out = new float[shape.size()];
        for (int o = 0; o < out.length; o++) out[o] = in[map[0][o]].data()[map[1][o]];
        yield new FloatTensor(shape, out);
      }
      case Op.Reshape r -> in[0].reshape(shape);
      case Op.Pad p -> new FloatTensor(shape, IndexMaps.gather(in[0].data(), IndexMaps.pad(in[0].shape(), p.before(), p.after())));
      case Op.Transpose t -> new FloatTensor(shape, IndexMaps.gather(in[0].data(), IndexMaps.transpose(in[0].shape(), t.perm())));
      case Op.Slice s -> new FloatTensor(shape, IndexMaps.gather(in[0].data(), IndexMaps.slice(in[0].shape(), s.begin(), s.end(), s.stride())));
      case Op.Softmax s -> softmax(in[0]);
      case Op.ArgMax a -> new FloatTensor(shape, argMax(in[0], a.axis()));
      case Op.Truncate t -> in[0]; // exact division by 2^bits is a no-op on real numbers at a fixed scale
    };
  }

  interface FloatBinary {
    float apply(float x, float y);
  }

  interface FloatUnary {
    float apply(float x);
  }

  private static FloatTensor binary(FloatTensor[] in, Shape shape, FloatBinary f) {
    float[] a = in[0].data(), b = in[1].data();
    float[] out = new float[shape.size()];
    if (in[0].shape().equals(shape) && in[1].shape().equals(shape)) {
      for (int i = 0; i < out.length; i++) out[i] = f.apply(a[i], b[i]);
    } else {
      int[] ma = IndexMaps.broadcast(in[0].shape(), shape), mb = IndexMaps.broadcast(in[1].shape(), shape);
      for (int i = 0; i < out.length; i++) out[i] = f.apply(a[ma[i]], b[mb[i]]);
    }
    return new FloatTensor(shape, out);
  }

  private static FloatTensor unary(FloatTensor x, FloatUnary f) {
    float[] a = x.data();
    float[] out = new float[a.length];
    for (int i = 0; i < a.length; i++) out[i] = f.apply(a[i]);
    return new FloatTensor(x.shape(), out);
  }

  private static float[] reduceSum(FloatTensor x, int[] axes, int outSize, int divisor) {
    int[] map = IndexMaps.reduce(x.shape(), axes);
    double[] acc = new double[outSize];
    float[] a = x.data();
    for (int i = 0; i < a.length; i++) acc[map[i]] += a[i];
    float[] out = new float[outSize];
    for (int i = 0; i < outSize; i++) out[i] = (float) (acc[i] / divisor);
    return out;
  }

  private static FloatTensor softmax(FloatTensor x) {
    int last = x.shape().rank() == 0 ? 1 : x.shape().dim(-1);
    float[] a = x.data();
    float[] out = new float[a.length];
    for (int base = 0; base < a.length; base += last) {
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < last; j++) max = Math.max(max, a[base + j]);
      double sum = 0;
      for (int j = 0; j < last; j++) sum += Math.exp(a[base + j] - max);
      for (int j = 0; j < last; j++) out[base + j] = (float) (Math.exp(a[base + j] - max) / sum);
    }
    return new FloatTensor(x.shape(), out);
  }

  private static float[] argMax(FloatTensor x, int axis) {
    Shape s = x.shape();
    int outer = 1, inner = 1;
    for (int i = 0; i < axis; i++) outer *= s.dim(i);
    for (int i = axis + 1; i < s.rank(); i++) inner *= s.dim(i);
    int len = s.dim(axis);
    float[] a = x.data();
    float[] out = new float[outer * inner];
    for (int o = 0; o < outer; o++)
      for (int in = 0; in < inner; in++) {
        int best = 0;
        float bv = a[o * len * inner + in];
        for (int k = 1; k < len; k++) {
          float v = a[(o * len + k) * inner + in];
          if (v > bv) {
            bv = v;
            best = k;
          }
        }
        out[o * inner + in] = best;
      }
    return out;
  }
}
