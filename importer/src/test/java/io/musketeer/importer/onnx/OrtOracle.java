package io.musketeer.importer.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** ONNX Runtime as the float reference: runs an ONNX model on float inputs. */
public final class OrtOracle {
  private OrtOracle() {}

  /** The model's outputs in declaration order (float, double, int64 and fp16 outputs as floats). */
  public static List<FloatTensor> run(ModelProto model, Map<String, FloatTensor> feeds) {
    return run(model.toByteArray(), feeds, Map.of());
  }

  /** @param fp16Inputs inputs the model declares as float16 */
  public static List<FloatTensor> run(byte[] model, Map<String, FloatTensor> feeds, Map<String, Boolean> fp16Inputs) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(1);
      try (OrtSession s = env.createSession(model, o)) {
        Map<String, OnnxTensor> in = new HashMap<>();
        try {
          for (var e : feeds.entrySet()) {
            long[] dims = java.util.Arrays.stream(e.getValue().shape().dims()).asLongStream().toArray();
            if (fp16Inputs.getOrDefault(e.getKey(), false)) {
              java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocateDirect(e.getValue().size() * 2).order(java.nio.ByteOrder.nativeOrder());
              for (float f : e.getValue().data()) bb.putShort(Float.floatToFloat16(f));
              bb.rewind();
              in.put(e.getKey(), OnnxTensor.createTensor(env, bb, dims, ai.onnxruntime.OnnxJavaType.FLOAT16));
            } else {
              in.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(e.getValue().data()), dims));
            }
          }
          try (OrtSession.Result r = s.run(in)) {
            List<FloatTensor> out = new ArrayList<>();
            for (Map.Entry<String, OnnxValue> e : r) out.add(toFloat((OnnxTensor) e.getValue()));
            return out;
          }
        } finally {
          in.values().forEach(OnnxTensor::close);
        }
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
    }
  }

  private static FloatTensor toFloat(OnnxTensor t) throws OrtException {
    long[] d = t.getInfo().getShape();
    int[] dims = new int[d.length];
    for (int i = 0; i < d.length; i++) dims[i] = (int) d[i];
    Shape shape = new Shape(dims);
    float[] v = new float[shape.size()];
    switch (t.getInfo().type) {
      case FLOAT -> t.getFloatBuffer().get(v);
      case DOUBLE -> {
        var b = t.getDoubleBuffer();
        for (int i = 0; i < v.length; i++) v[i] = (float) b.get(i);
      }
      case INT64 -> {
        var b = t.getLongBuffer();
        for (int i = 0; i < v.length; i++) v[i] = b.get(i);
      }
      case FLOAT16 -> {
        var b = t.getShortBuffer();
        for (int i = 0; i < v.length; i++) v[i] = Float.float16ToFloat(b.get(i));
      }
      default -> throw new IllegalStateException("unexpected output type " + t.getInfo().type);
    }
    return new FloatTensor(shape, v);
  }
}
