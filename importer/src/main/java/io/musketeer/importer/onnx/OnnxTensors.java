package io.musketeer.importer.onnx;

import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.musketeer.core.Shape;
import io.musketeer.importer.Known;
import io.musketeer.importer.ModelImportException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads ONNX TensorProtos (initializers, Constant values): every numeric type, from raw_data (little
 * endian) or the typed fields, with fp16 and bfloat16 held as 16-bit patterns; data stored outside the
 * model file is read from beside it.
 */
final class OnnxTensors {
  private OnnxTensors() {}

  static boolean isFloating(int type) {
    return type == DataType.FLOAT_VALUE || type == DataType.FLOAT16_VALUE || type == DataType.DOUBLE_VALUE || type == DataType.BFLOAT16_VALUE;
  }

  static String typeName(int type) {
    DataType t = DataType.forNumber(type);
    return t == null ? "type " + type : t.name();
  }

  /**
   * @param what the tensor as users know it, e.g. "initializer 'conv1_w'"
   * @param dir the model's directory, for external data; null when the model came from memory
   */
  static Known known(TensorProto t, String what, Path dir) {
    Shape shape = shape(t, what);
    int n = shape.size();
    int type = t.getDataType();
    int width = switch (type) {
      case DataType.FLOAT_VALUE, DataType.INT32_VALUE, DataType.UINT32_VALUE -> 4;
      case DataType.DOUBLE_VALUE, DataType.INT64_VALUE, DataType.UINT64_VALUE -> 8;
      case DataType.FLOAT16_VALUE, DataType.BFLOAT16_VALUE, DataType.INT16_VALUE, DataType.UINT16_VALUE -> 2;
      case DataType.INT8_VALUE, DataType.UINT8_VALUE, DataType.BOOL_VALUE -> 1;
      default -> throw new ModelImportException(what + " has unsupported element type " + typeName(type));
    };
    double[] v = new double[n];
    ByteBuffer raw = null;
    if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
      raw = external(t, what, dir, (long) n * width);
    } else if (!t.getRawData().isEmpty()) {
      raw = t.getRawData().asReadOnlyByteBuffer();
    }
    if (raw != null) {
      raw = raw.order(ByteOrder.LITTLE_ENDIAN);
      if (raw.remaining() != (long) n * width) {
        throw new ModelImportException(what + " holds " + raw.remaining() + " bytes for shape " + shape + " of " + typeName(type) + "; the file is corrupt");
      }
      for (int i = 0; i < n; i++) {
        v[i] = switch (type) {
          case DataType.FLOAT_VALUE -> raw.getFloat(i * 4);
          case DataType.INT32_VALUE -> raw.getInt(i * 4);
          case DataType.UINT32_VALUE -> Integer.toUnsignedLong(raw.getInt(i * 4));
          case DataType.DOUBLE_VALUE -> raw.getDouble(i * 8);
          case DataType.INT64_VALUE, DataType.UINT64_VALUE -> raw.getLong(i * 8);
          case DataType.FLOAT16_VALUE -> Float.float16ToFloat(raw.getShort(i * 2));
          case DataType.BFLOAT16_VALUE -> Float.intBitsToFloat((raw.getShort(i * 2) & 0xffff) << 16);
          case DataType.INT16_VALUE -> raw.getShort(i * 2);
          case DataType.UINT16_VALUE -> raw.getShort(i * 2) & 0xffff;
          case DataType.UINT8_VALUE -> raw.get(i) & 0xff;
          default -> raw.get(i); // INT8, BOOL
        };
      }
    } else {
      int count = switch (type) {
        case DataType.FLOAT_VALUE -> t.getFloatDataCount();
        case DataType.DOUBLE_VALUE -> t.getDoubleDataCount();
        case DataType.INT64_VALUE -> t.getInt64DataCount();
        case DataType.UINT32_VALUE, DataType.UINT64_VALUE -> t.getUint64DataCount();
        default -> t.getInt32DataCount(); // the 8- and 16-bit types, fp16 and bfloat16 as bit patterns
      };
      if (count != n) {
        throw new ModelImportException(what + " holds " + count + " values for shape " + shape + "; the file is corrupt");
      }
      for (int i = 0; i < n; i++) {
        v[i] = switch (type) {
          case DataType.FLOAT_VALUE -> t.getFloatData(i);
          case DataType.DOUBLE_VALUE -> t.getDoubleData(i);
          case DataType.INT64_VALUE -> t.getInt64Data(i);
          case DataType.UINT32_VALUE, DataType.UINT64_VALUE -> t.getUint64Data(i);
          case DataType.FLOAT16_VALUE -> Float.float16ToFloat((short) t.getInt32Data(i));
          case DataType.BFLOAT16_VALUE -> Float.intBitsToFloat((t.getInt32Data(i) & 0xffff) << 16);
          default -> t.getInt32Data(i);
        };
      }
    }
    boolean floating = isFloating(type);
    if (floating) {
      for (double d : v) {
        if (!Double.isFinite(d)) throw new ModelImportException(what + " holds NaN or infinite values; the model's weights are broken");
      }
    }
    return new Known(shape, v, floating);
  }

  private static Shape shape(TensorProto t, String what) {
    int[] dims = new int[t.getDimsCount()];
    long size = 1;
    for (int i = 0; i < dims.length; i++) {
      long d = t.getDims(i);
      if (d < 0 || d > Integer.MAX_VALUE) throw new ModelImportException(what + " has an invalid dimension " + d + "; the file is corrupt");
      dims[i] = (int) d;
      size *= d;
      if (size > Integer.MAX_VALUE) throw new ModelImportException(what + " is too large (" + java.util.Arrays.toString(dims) + ")");
    }
    return new Shape(dims);
  }

  /** Tensor data in a file beside the model (location, offset, length), as exporters write for large models. */
  private static ByteBuffer external(TensorProto t, String what, Path dir, long bytes) {
    String location = null;
    long offset = 0, length = -1;
    for (StringStringEntryProto e : t.getExternalDataList()) {
      switch (e.getKey()) {
        case "location" -> location = e.getValue();
        case "offset" -> offset = parse(e.getValue(), what);
        case "length" -> length = parse(e.getValue(), what);
        default -> { }
      }
    }
    if (location == null) throw new ModelImportException(what + " is stored outside the model but names no file; the file is corrupt");
    if (dir == null) throw new ModelImportException(what + " is stored in the external file '" + location + "'; load the model from its file");
    Path file = dir.resolve(location).normalize();
    if (!file.startsWith(dir.normalize())) throw new ModelImportException(what + " names an external file outside the model's directory: " + location);
    if (!Files.isRegularFile(file)) throw new ModelImportException(what + " is stored in " + file + ", which does not exist; keep the data files beside the model");
    if (length >= 0 && length != bytes) throw new ModelImportException(what + " has " + length + " bytes of external data for " + bytes + " expected; the file is corrupt");
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      if (offset < 0 || offset + bytes > f.length()) throw new ModelImportException(what + " reads past the end of " + file + "; the file is truncated");
      byte[] b = new byte[Math.toIntExact(bytes)];
      f.seek(offset);
      f.readFully(b);
      return ByteBuffer.wrap(b);
    } catch (IOException e) {
      throw new ModelImportException("cannot read " + file + " (external data of " + what + "): " + e.getMessage());
    }
  }

  private static long parse(String s, String what) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new ModelImportException(what + " has a malformed external data entry '" + s + "'");
    }
  }
}
