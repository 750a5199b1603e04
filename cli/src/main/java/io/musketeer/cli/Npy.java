package io.musketeer.cli;

import io.musketeer.MusketeerException;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy .npy files (format 1.0–3.0, C order) of float16/32/64, signed and unsigned integers and bools
 * to float tensors, and float32 out. Every malformed file ends in one line naming it.
 */
public final class Npy {
  private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<>|=])([a-z])(\\d+)'");
  private static final Pattern ORDER = Pattern.compile("'fortran_order':\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

  private Npy() {}

  /** The header text of a .npy file's first bytes, and where its data starts. */
  private record Header(String text, int dataStart) {}

  private static Header header(byte[] bytes, long fileLength, Path file, String what) {
    if (bytes.length < 10 || bytes[0] != (byte) 0x93 || !new String(bytes, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
      throw new MusketeerException(what + " (bad magic); save arrays with numpy.save");
    }
    int major = bytes[6];
    if (major < 1 || major > 3) throw new MusketeerException(what + " (format version " + major + "; versions 1 to 3 are read)");
    ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int start = major == 1 ? 10 : 12;
    if (bytes.length < start) throw new MusketeerException(what + " (truncated header)");
    long headerLen = major == 1 ? bb.getShort(8) & 0xffffL : bb.getInt(8) & 0xffffffffL;
    if (start + headerLen > Math.min(bytes.length, fileLength)) throw new MusketeerException(what + " (header of " + headerLen + " bytes, file of " + fileLength + ")");
    return new Header(new String(bytes, start, (int) headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1), start + (int) headerLen);
  }

  /** The shape of the array in a .npy file, from its header alone (the data is not read). */
  public static Shape shape(Path file) {
    String what = file + " is not a valid .npy file";
    byte[] head;
    long length;
    try (var in = Files.newInputStream(file)) {
      length = Files.size(file);
      head = in.readNBytes(65536 + 12);
    } catch (IOException e) {
      throw new MusketeerException("cannot read " + file + ": " + e.getMessage());
    }
    Matcher s = SHAPE.matcher(header(head, length, file, what).text());
    if (!s.find()) throw new MusketeerException(what + " (unreadable header)");
    return shape(s.group(1), file, what);
  }

  public static FloatTensor read(Path file) {
    byte[] bytes;
    try {
      if (Files.size(file) > Integer.MAX_VALUE - 64) throw new MusketeerException(file + " is too large to read (more than 2 GB)");
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new MusketeerException("cannot read " + file + ": " + e.getMessage());
    }
    String what = file + " is not a valid .npy file";
    Header h = header(bytes, bytes.length, file, what);
    String header = h.text();
    int dataStart = h.dataStart();
    Matcher d = DESCR.matcher(header), o = ORDER.matcher(header), s = SHAPE.matcher(header);
    if (!d.find() || !o.find() || !s.find()) throw new MusketeerException(what + " (unreadable header)");
    if (o.group(1).equals("True")) throw new MusketeerException(file + " is in Fortran order; save it C-contiguous (numpy.ascontiguousarray)");
    Shape shape = shape(s.group(1), file, what);
    String dtype = d.group(2) + d.group(3);
    int width = switch (dtype) {
      case "f2", "i2", "u2" -> 2;
      case "f4", "i4", "u4" -> 4;
      case "f8", "i8", "u8" -> 8;
      case "i1", "u1", "b1" -> 1;
      default -> throw new MusketeerException(file + " has dtype " + dtype + "; use a float, integer or bool array");
    };
    ByteOrder order = d.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    ByteBuffer data = ByteBuffer.wrap(bytes, dataStart, bytes.length - dataStart).slice().order(order);
    int n = shape.size();
    long need = (long) n * width;
    if (need != data.remaining()) {
      throw new MusketeerException(what + " (shape " + shape + " of " + dtype + " needs " + need + " data bytes, the file has " + data.remaining() + ")");
    }
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = switch (dtype) {
        case "f2" -> Float.float16ToFloat(data.getShort(i * 2));
        case "f4" -> data.getFloat(i * 4);
        case "f8" -> (float) data.getDouble(i * 8);
        case "i8" -> data.getLong(i * 8);
        case "u8" -> (float) unsigned(data.getLong(i * 8));
        case "i4" -> data.getInt(i * 4);
        case "u4" -> data.getInt(i * 4) & 0xffffffffL;
        case "i2" -> data.getShort(i * 2);
        case "u2" -> data.getShort(i * 2) & 0xffff;
        case "i1" -> data.get(i);
        case "u1", "b1" -> data.get(i) & 0xff;
        default -> throw new AssertionError(dtype);
      };
    }
    return new FloatTensor(shape, out);
  }

  private static double unsigned(long v) {
    return v >= 0 ? v : (v >>> 1) * 2.0 + (v & 1);
  }

  /** Header text as it may go into a message: printable ASCII only, at most 60 characters (the file is anyone's). */
  private static String printable(String text) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < text.length() && i < 60; i++) {
      char c = text.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return text.length() > 60 ? b + "..." : b.toString();
  }

  private static Shape shape(String text, Path file, String what) {
    String[] parts = text.split(",", -1);
    int count = 0;
    for (String p : parts) if (!p.isBlank()) count++;
    int[] dims = new int[count];
    long elements = 1;
    int k = 0;
    for (String p : parts) {
      if (p.isBlank()) continue;
      long dim;
      try {
        dim = Long.parseLong(p.strip().replaceFirst("L$", ""));
      } catch (NumberFormatException e) {
        throw new MusketeerException(what + " (shape (" + printable(text) + ") is not a list of integers)");
      }
      if (dim < 0) throw new MusketeerException(what + " (negative dimension in shape (" + printable(text) + "))");
      elements *= Math.max(dim, 1);
      if (dim > Integer.MAX_VALUE || elements > Integer.MAX_VALUE) {
        throw new MusketeerException(file + " holds an array of shape (" + printable(text.strip()) + "), too large (more than 2^31-1 elements)");
      }
      dims[k++] = (int) dim;
    }
    return new Shape(dims);
  }

  /** The bytes of a float32 .npy file holding {@code t}. */
  static byte[] bytes(FloatTensor t) {
    StringBuilder shape = new StringBuilder();
    for (int d : t.shape().dims()) shape.append(d).append(", ");
    if (t.shape().rank() > 1) shape.setLength(shape.length() - 1);
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape.toString().trim() + "), }";
    int total = 10 + dict.length() + 1;
    int pad = (64 - total % 64) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    ByteBuffer bb = ByteBuffer.allocate(10 + header.length() + t.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
    bb.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
    bb.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
    for (float f : t.data()) bb.putFloat(f);
    return bb.array();
  }

  /** Writes float32 to a checked output (see {@link OutputFile}). */
  static void write(OutputFile file, FloatTensor t) {
    file.write(bytes(t));
  }

  /** Writes float32 atomically: a temporary file renamed into place, so no partial output is left. */
  public static void write(Path file, FloatTensor t) {
    write(OutputFile.of(file), t);
  }
}
