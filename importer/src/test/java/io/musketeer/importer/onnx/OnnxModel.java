package io.musketeer.importer.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import io.musketeer.core.FloatTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds ONNX models in code, with the same protobuf classes the importer reads: one graph, one opset. */
public final class OnnxModel {
  /** How an initializer's values are stored. */
  public enum Storage { RAW_FLOAT, TYPED_FLOAT, RAW_FP16, TYPED_FP16, RAW_DOUBLE }

  private final GraphProto.Builder graph = GraphProto.newBuilder().setName("test");
  private final int opset;
  private int counter;

  public OnnxModel(int opset) {
    this.opset = opset;
  }

  public int opset() {
    return opset;
  }

  /** A float input; a negative dimension is open (dim_param "d{i}"). */
  public String input(String name, int... dims) {
    return typedInput(name, TensorProto.DataType.FLOAT_VALUE, dims);
  }

  public String typedInput(String name, int elemType, int... dims) {
    graph.addInput(valueInfo(name, elemType, dims));
    return name;
  }

  public OnnxModel output(String name) {
    graph.addOutput(ValueInfoProto.newBuilder().setName(name)); // type and shape left to inference
    return this;
  }

  private static ValueInfoProto valueInfo(String name, int elemType, int[] dims) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (int i = 0; i < dims.length; i++) {
      s.addDim(dims[i] < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("d" + i) : TensorShapeProto.Dimension.newBuilder().setDimValue(dims[i]));
    }
    return ValueInfoProto.newBuilder().setName(name)
        .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(s))).build();
  }

  public String weight(FloatTensor t) {
    return weight(t, Storage.RAW_FLOAT);
  }

  public String weight(FloatTensor t, Storage storage) {
    String name = "w" + counter++;
    graph.addInitializer(tensor(name, t, storage));
    return name;
  }

  public static TensorProto tensor(String name, FloatTensor t, Storage storage) {
    TensorProto.Builder b = TensorProto.newBuilder().setName(name);
    for (int d : t.shape().dims()) b.addDims(d);
    float[] v = t.data();
    switch (storage) {
      case RAW_FLOAT -> {
        ByteBuffer bb = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) bb.putFloat(f);
        b.setDataType(TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(bb.array()));
      }
      case TYPED_FLOAT -> {
        b.setDataType(TensorProto.DataType.FLOAT_VALUE);
        for (float f : v) b.addFloatData(f);
      }
      case RAW_FP16 -> {
        ByteBuffer bb = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) bb.putShort(Float.floatToFloat16(f));
        b.setDataType(TensorProto.DataType.FLOAT16_VALUE).setRawData(ByteString.copyFrom(bb.array()));
      }
      case TYPED_FP16 -> {
        b.setDataType(TensorProto.DataType.FLOAT16_VALUE);
        for (float f : v) b.addInt32Data(Float.floatToFloat16(f) & 0xffff);
      }
      case RAW_DOUBLE -> {
        ByteBuffer bb = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) bb.putDouble(f);
        b.setDataType(TensorProto.DataType.DOUBLE_VALUE).setRawData(ByteString.copyFrom(bb.array()));
      }
    }
    return b.build();
  }

  /** An int64 initializer (shapes, axes, pads, slice bounds). */
  public String ints(long... v) {
    String name = "i" + counter++;
    TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addDims(v.length);
    for (long x : v) b.addInt64Data(x);
    graph.addInitializer(b);
    return name;
  }

  /** An int64 scalar initializer. */
  public String scalarInt(long v) {
    String name = "i" + counter++;
    graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addInt64Data(v));
    return name;
  }

  /** A float scalar initializer. */
  public String scalar(float v) {
    String name = "s" + counter++;
    graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData(v));
    return name;
  }

  /**
   * A node; attributes as name, value pairs (Long or Integer, Float or Double, String, long[], int[],
   * float[], TensorProto). Returns its first output's name; {@code outputs} more outputs are named too.
   */
  public String node(String op, String[] inputs, Object... attrs) {
    return node(op, inputs, 1, attrs);
  }

  public String node(String op, String[] inputs, int outputs, Object... attrs) {
    String out = op.toLowerCase() + counter++;
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(out);
    for (String in : inputs) n.addInput(in);
    n.addOutput(out);
    for (int k = 1; k < outputs; k++) n.addOutput(out + "_" + k);
    for (int i = 0; i < attrs.length; i += 2) n.addAttribute(attr((String) attrs[i], attrs[i + 1]));
    graph.addNode(n);
    return out;
  }

  static AttributeProto attr(String name, Object v) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
    switch (v) {
      case Long l -> a.setType(AttributeProto.AttributeType.INT).setI(l);
      case Integer i -> a.setType(AttributeProto.AttributeType.INT).setI(i);
      case Float f -> a.setType(AttributeProto.AttributeType.FLOAT).setF(f);
      case Double d -> a.setType(AttributeProto.AttributeType.FLOAT).setF(d.floatValue());
      case String s -> a.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
      case long[] l -> {
        a.setType(AttributeProto.AttributeType.INTS);
        for (long x : l) a.addInts(x);
      }
      case int[] l -> {
        a.setType(AttributeProto.AttributeType.INTS);
        for (int x : l) a.addInts(x);
      }
      case float[] f -> {
        a.setType(AttributeProto.AttributeType.FLOATS);
        for (float x : f) a.addFloats(x);
      }
      case TensorProto t -> a.setType(AttributeProto.AttributeType.TENSOR).setT(t);
      default -> throw new IllegalArgumentException("attribute " + name + ": " + v);
    }
    return a.build();
  }

  public static String[] in(String... names) {
    return names;
  }

  public ModelProto build() {
    return ModelProto.newBuilder().setIrVersion(opset >= 21 ? 10 : opset >= 15 ? 8 : 7).setProducerName("musketeer-test")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).setGraph(graph).build();
  }
}
