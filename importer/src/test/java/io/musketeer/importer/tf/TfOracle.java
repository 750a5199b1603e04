package io.musketeer.importer.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import java.util.Map;
import java.util.SplittableRandom;
import org.tensorflow.Operand;
import org.tensorflow.OperationBuilder;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.ndarray.buffer.IntDataBuffer;
import org.tensorflow.ndarray.buffer.LongDataBuffer;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/** TensorFlow Java as a reference: runs a TF graph and compares tensors. */
public final class TfOracle {
  private TfOracle() {}

  /** Runs {@code out} ("node" or "node:k") of a TF graph on the given float feeds. */
  public static FloatTensor run(org.tensorflow.Graph g, Map<String, FloatTensor> feeds, String out) {
    try (Session s = new Session(g)) {
      Session.Runner r = s.runner();
      java.util.List<TFloat32> fed = new java.util.ArrayList<>();
      try {
        for (Map.Entry<String, FloatTensor> e : feeds.entrySet()) {
          TFloat32 t = TFloat32.tensorOf(tfShape(e.getValue().shape()), DataBuffers.of(e.getValue().data()));
          fed.add(t);
          r.feed(e.getKey(), t);
        }
        int colon = out.lastIndexOf(':');
        if (colon > 0) r.fetch(out.substring(0, colon), Integer.parseInt(out.substring(colon + 1)));
        else r.fetch(out);
        try (Result res = r.run()) {
          return toFloat(res.get(0));
        }
      } finally {
        for (TFloat32 t : fed) t.close();
      }
    }
  }

  public static FloatTensor toFloat(Tensor t) {
    long[] d = t.shape().asArray();
    int[] dims = new int[d.length];
    for (int i = 0; i < d.length; i++) dims[i] = (int) d[i];
    Shape shape = new Shape(dims);
    float[] v = new float[shape.size()];
    switch (t) {
      case TFloat32 f -> {
        FloatDataBuffer b = DataBuffers.ofFloats(v.length);
        f.copyTo(b);
        b.read(v);
      }
      case TInt64 l -> {
        LongDataBuffer b = DataBuffers.ofLongs(v.length);
        l.copyTo(b);
        for (int i = 0; i < v.length; i++) v[i] = b.getLong(i);
      }
      case TInt32 l -> {
        IntDataBuffer b = DataBuffers.ofInts(v.length);
        l.copyTo(b);
        for (int i = 0; i < v.length; i++) v[i] = b.getInt(i);
      }
      default -> fail("unexpected output type " + t.dataType());
    }
    return new FloatTensor(shape, v);
  }

  public static org.tensorflow.ndarray.Shape tfShape(Shape s) {
    long[] d = new long[s.rank()];
    for (int i = 0; i < d.length; i++) d[i] = s.dim(i);
    return org.tensorflow.ndarray.Shape.of(d);
  }

  public static FloatTensor gaussian(SplittableRandom rng, double sd, int... dims) {
    Shape s = new Shape(dims);
    float[] v = new float[s.size()];
    for (int i = 0; i < v.length; i++) {
      double u = rng.nextDouble(Double.MIN_NORMAL, 1), w = rng.nextDouble();
      v[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w) * sd);
    }
    return new FloatTensor(s, v);
  }

  /** An op TF Java's Ops does not emit under this type name (MaxPool v1, AddV2, ...), with float T. */
  public static Output<TFloat32> raw(Ops tf, String type, Object[] attrs, Operand<?>... inputs) {
    OperationBuilder b = tf.scope().env().opBuilder(type, tf.scope().makeOpName(type), tf.scope());
    for (Operand<?> in : inputs) b.addInput(in.asOutput());
    b.setAttr("T", DataType.DT_FLOAT);
    for (int i = 0; i < attrs.length; i += 2) {
      String key = (String) attrs[i];
      switch (attrs[i + 1]) {
        case String s -> b.setAttr(key, s);
        case long[] l -> b.setAttr(key, l);
        case Long l -> b.setAttr(key, l);
        case Boolean z -> b.setAttr(key, z);
        case Float f -> b.setAttr(key, f);
        default -> throw new IllegalArgumentException(key);
      }
    }
    return b.build().<TFloat32>output(0);
  }

  /** |a-b| <= rel*max(1,|b|) elementwise, with the worst error in the message. Returns the worst error. */
  public static double assertClose(String label, FloatTensor expected, FloatTensor actual, double tol) {
    assertArrayEquals(expected.shape().dims(), actual.shape().dims(), label + ": shape " + actual.shape() + " vs TF " + expected.shape());
    double worst = 0;
    int at = -1;
    for (int i = 0; i < expected.size(); i++) {
      double b = expected.data()[i], a = actual.data()[i];
      double err = Math.abs(a - b) / Math.max(1, Math.abs(b));
      if (!(err <= worst)) {
        worst = err;
        at = i;
      }
    }
    if (!(worst <= tol)) {
      fail(label + ": element " + at + " is " + actual.data()[at] + ", TF says " + expected.data()[at] + " (error " + worst + " > " + tol + ")");
    }
    return worst;
  }
}
