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

/** NumPy .npy files (format 1.0–3.0, C order) of float32/float64/int/uint8 to float tensors, and float32 out. */
public final class Npy {
  private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<>|=])([a-z])(\\d+)'");
  private static final Pattern ORDER = Pattern.compile("'fortran_order':\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

  private Npy() {}

  /** A .npy header: element type, byte order, shape, and where the data starts. */
  private record Header(char kind, int width, ByteOrder order, Shape shape, int dataStart) {}

  private static Header header(byte[] bytes, int available, Path file) {
    String what = file + " is not a valid .npy file";
    if (available < 10 || bytes[0] != (byte) 0x93 || !new String(bytes, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
      throw new MusketeerException(what + " (bad magic); save arrays with numpy.save");
    }
    int major = bytes[6];
    ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int headerLen, start;
    if (major == 1) {
      headerLen = bb.getShort(8) & 0xffff;
      start = 10;
    } else {
      headerLen = available < 12 ? Integer.MAX_VALUE : bb.getInt(8);
      start = 12;
    }
    if (headerLen < 0 || (long) start + headerLen > available) throw new MusketeerException(what + " (truncated header)");
    String header = new String(bytes, start, headerLen, StandardCharsets.ISO_8859_1);
    Matcher d = DESCR.matcher(header), o = ORDER.matcher(header), s = SHAPE.matcher(header);
    if (!d.find() || !o.find() || !s.find()) throw new MusketeerException(what + " (unreadable header)");
    if (o.group(1).equals("True")) throw new MusketeerException(file + " is in Fortran order; save it C-contiguous");
    String[] parts = s.group(1).split(",");
    int[] dims = new int[0];
    try {
      for (String p : parts) {
        if (p.isBlank()) continue;
        dims = java.util.Arrays.copyOf(dims, dims.length + 1);
        dims[dims.length - 1] = Integer.parseInt(p.trim());
      }
      return new Header(d.group(2).charAt(0), Integer.parseInt(d.group(3)), d.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN,
          new Shape(dims), start + headerLen);
    } catch (IllegalArgumentException e) {
      throw new MusketeerException(what + " (bad shape '" + s.group(1).trim() + "')");
    }
  }

  /** The shape of the array in a .npy file, from its header alone. */
  public static Shape shape(Path file) {
    byte[] head = new byte[65536 + 12];
    int n;
    try (var in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    } catch (IOException e) {
      throw new MusketeerException("cannot read " + file + ": " + e.getMessage());
    }
    return header(head, n, file).shape();
  }

  public static FloatTensor read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new MusketeerException("cannot read " + file + ": " + e.getMessage());
    }
    String what = file + " is not a valid .npy file";
    Header h = header(bytes, bytes.length, file);
    Shape shape = h.shape();
    char kind = h.kind();
    int width = h.width();
    ByteBuffer data = ByteBuffer.wrap(bytes, h.dataStart(), bytes.length - h.dataStart()).slice().order(h.order());
    int n = shape.size();
    if ((long) n * width > data.remaining()) throw new MusketeerException(what + " (data shorter than shape " + shape + ")");
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = switch (kind + "" + width) {
        case "f4" -> data.getFloat(i * 4);
        case "f8" -> (float) data.getDouble(i * 8);
        case "i8" -> data.getLong(i * 8);
        case "i4" -> data.getInt(i * 4);
        case "u1" -> data.get(i) & 0xff;
        case "i1" -> data.get(i);
        default -> throw new MusketeerException(file + " has dtype " + kind + width + "; use float32, float64, int32, int64 or uint8");
      };
    }
    return new FloatTensor(shape, out);
  }

  /** Writes float32 atomically: a temporary file renamed into place, so no partial output is left. */
  public static void write(Path file, FloatTensor t) {
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
    Files2.writeAtomically(file, bb.array());
  }
}
