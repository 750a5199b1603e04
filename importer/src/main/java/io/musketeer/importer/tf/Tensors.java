package io.musketeer.importer.tf;

import io.musketeer.core.Shape;
import io.musketeer.importer.ModelImportException;
import io.musketeer.importer.Known;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/** Reads TensorFlow TensorProto constants (packed content or repeated values, with TF's fill rule). */
final class Tensors {
  private Tensors() {}

  static boolean isFloating(int dtype) {
    return dtype == DataType.DT_FLOAT_VALUE || dtype == DataType.DT_DOUBLE_VALUE || dtype == DataType.DT_HALF_VALUE
        || dtype == DataType.DT_BFLOAT16_VALUE;
  }

  static Known known(TensorProto t, String node) {
    if (t == null) throw new ModelImportException("Const node '" + node + "' has no value");
    Shape shape = shape(t.getTensorShape(), node);
    int n = shape.size();
    int dtype = t.getDtypeValue();
    double[] v = new double[n];
    ByteBuffer content = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    boolean packed = content.remaining() > 0;
    int width = switch (dtype) {
      case DataType.DT_FLOAT_VALUE, DataType.DT_INT32_VALUE -> 4;
      case DataType.DT_DOUBLE_VALUE, DataType.DT_INT64_VALUE -> 8;
      case DataType.DT_HALF_VALUE, DataType.DT_BFLOAT16_VALUE, DataType.DT_INT16_VALUE -> 2;
      case DataType.DT_INT8_VALUE, DataType.DT_UINT8_VALUE, DataType.DT_BOOL_VALUE -> 1;
      default -> throw new ModelImportException("Const node '" + node + "' has unsupported type " + DataType.forNumber(dtype));
    };
    if (packed) {
      if (content.remaining() != (long) n * width) {
        throw new ModelImportException("Const node '" + node + "' holds " + content.remaining() + " bytes for shape " + shape + "; the file is corrupt");
      }
      for (int i = 0; i < n; i++) {
        v[i] = switch (dtype) {
          case DataType.DT_FLOAT_VALUE -> content.getFloat(i * 4);
          case DataType.DT_INT32_VALUE -> content.getInt(i * 4);
          case DataType.DT_DOUBLE_VALUE -> content.getDouble(i * 8);
          case DataType.DT_INT64_VALUE -> content.getLong(i * 8);
          case DataType.DT_HALF_VALUE -> Float.float16ToFloat(content.getShort(i * 2));
          case DataType.DT_BFLOAT16_VALUE -> Float.intBitsToFloat((content.getShort(i * 2) & 0xffff) << 16);
          case DataType.DT_INT16_VALUE -> content.getShort(i * 2);
          case DataType.DT_UINT8_VALUE -> content.get(i) & 0xff;
          default -> content.get(i);
        };
      }
    } else {
      int count = switch (dtype) {
        case DataType.DT_FLOAT_VALUE -> t.getFloatValCount();
        case DataType.DT_DOUBLE_VALUE -> t.getDoubleValCount();
        case DataType.DT_INT64_VALUE -> t.getInt64ValCount();
        case DataType.DT_BOOL_VALUE -> t.getBoolValCount();
        case DataType.DT_HALF_VALUE, DataType.DT_BFLOAT16_VALUE -> t.getHalfValCount();
        default -> t.getIntValCount();
      };
      if (count > n) throw new ModelImportException("Const node '" + node + "' holds more values than its shape " + shape);
      for (int i = 0; i < n; i++) {
        int j = Math.min(i, count - 1); // TensorFlow repeats the last value to fill the shape
        v[i] = j < 0 ? 0 : switch (dtype) {
          case DataType.DT_FLOAT_VALUE -> t.getFloatVal(j);
          case DataType.DT_DOUBLE_VALUE -> t.getDoubleVal(j);
          case DataType.DT_INT64_VALUE -> t.getInt64Val(j);
          case DataType.DT_BOOL_VALUE -> t.getBoolVal(j) ? 1 : 0;
          case DataType.DT_HALF_VALUE -> Float.float16ToFloat((short) t.getHalfVal(j));
          case DataType.DT_BFLOAT16_VALUE -> Float.intBitsToFloat((t.getHalfVal(j) & 0xffff) << 16);
          default -> t.getIntVal(j);
        };
      }
    }
    boolean floating = isFloating(dtype);
    if (floating) {
      for (double d : v) {
        if (!Double.isFinite(d)) {
          throw new ModelImportException("Const node '" + node + "' holds NaN or infinite values; the model's weights are broken");
        }
      }
    }
    return new Known(shape, v, floating);
  }

  static Shape shape(TensorShapeProto p, String node) {
    int[] dims = new int[p.getDimCount()];
    for (int i = 0; i < dims.length; i++) {
      long d = p.getDim(i).getSize();
      if (d < 0 || d > Integer.MAX_VALUE) throw new ModelImportException("Const node '" + node + "' has an invalid dimension " + d);
      dims[i] = (int) d;
    }
    long size = 1;
    for (int d : dims) size *= d;
    if (size > Integer.MAX_VALUE) throw new ModelImportException("Const node '" + node + "' is too large");
    return new Shape(dims);
  }
}
