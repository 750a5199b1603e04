package io.musketeer.importer.tf;

import com.google.protobuf.ByteString;
import io.musketeer.importer.ModelImportException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Reads a sorted string table in the LevelDB format that TensorFlow's {@code lib/io/table} writes:
 * the {@code .index} file of a checkpoint. Layout: data blocks of prefix-compressed entries with a
 * restart array, an index block whose values are handles of the data blocks, and a 48-byte footer
 * (metaindex handle, index handle, padding, magic). Every block carries a masked CRC-32C of its bytes
 * and type, checked here.
 *
 * <p>Written here rather than taken from a LevelDB port: the one Java port on Maven Central
 * (org.iq80.leveldb 0.12, last released 2019) ignores its verify-checksums flag, brings Guava onto the
 * importer's classpath, and is not maintained; the format is small and frozen, and TensorFlow writes it
 * uncompressed. The checksum is the JDK's {@link CRC32C}.
 */
final class SsTable {
  static final long MAGIC = 0xdb4775248b80fb57L;
  static final int FOOTER_LENGTH = 48;
  private static final int TRAILER_LENGTH = 5;

  private final byte[] file;
  private final ByteBuffer le;
  private final String name;

  private SsTable(byte[] file, String name) {
    this.file = file;
    this.le = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    this.name = name;
  }

  /**
   * Every entry of the table, in key order.
   *
   * @param name how the file is named in error messages
   */
  static Map<String, ByteString> read(byte[] file, String name) {
    return new SsTable(file, name).entries();
  }

  private Map<String, ByteString> entries() {
    if (file.length < FOOTER_LENGTH) throw corrupt("it is " + file.length + " bytes long, shorter than a table footer");
    if (le.getLong(file.length - 8) != MAGIC) throw corrupt("its footer has no table magic number (truncated or not a checkpoint index)");
    Reader f = new Reader(file.length - FOOTER_LENGTH, file.length - 8);
    long[] meta = f.handle();
    long[] index = f.handle();
    forEachEntry(meta, "metaindex block", (key, value) -> {}); // TensorFlow writes it empty; checked all the same
    Map<String, ByteString> out = new LinkedHashMap<>();
    String[] last = {null};
    forEachEntry(index, "index block", (indexKey, handleBytes) -> {
      Reader h = new Reader(handleBytes.start, handleBytes.end);
      long[] block = h.handle();
      forEachEntry(block, "data block at offset " + block[0], (key, value) -> {
        String k = new String(key, StandardCharsets.UTF_8);
        if (last[0] != null && compare(last[0].getBytes(StandardCharsets.UTF_8), key) >= 0) {
          throw corrupt("its keys are out of order at '" + k + "'");
        }
        last[0] = k;
        out.put(k, ByteString.copyFrom(file, value.start, value.end - value.start));
      });
    });
    return out;
  }

  /** A range of the file. */
  private record Span(int start, int end) {}

  private interface EntryVisitor {
    void visit(byte[] key, Span value);
  }

  /** Checks the block at {@code handle} and visits its entries in order. */
  private void forEachEntry(long[] handle, String what, EntryVisitor visitor) {
    long offset = handle[0], size = handle[1];
    if (offset < 0 || size < 4 || offset + size + TRAILER_LENGTH > file.length - FOOTER_LENGTH) {
      throw corrupt("its " + what + " lies outside the file (offset " + offset + ", " + size + " bytes)");
    }
    int start = (int) offset, end = (int) (offset + size);
    byte type = file[end];
    CRC32C crc = new CRC32C();
    crc.update(file, start, end - start + 1);
    int stored = le.getInt(end + 1);
    if (unmask(stored) != (int) crc.getValue()) throw corrupt("the checksum of its " + what + " does not match");
    if (type != 0) throw corrupt("its " + what + " is compressed (type " + type + "); TensorFlow writes checkpoint indexes uncompressed");
    long restarts = Integer.toUnsignedLong(le.getInt(end - 4));
    long entriesEnd = end - 4 - 4 * restarts;
    if (restarts == 0 || entriesEnd < start) throw corrupt("its " + what + " has a bad restart array");
    Reader r = new Reader(start, (int) entriesEnd);
    byte[] key = new byte[0];
    while (r.pos < r.end) {
      int shared = r.varint32(), unshared = r.varint32(), valueLength = r.varint32();
      if (shared > key.length || r.end - r.pos < (long) unshared + valueLength) throw corrupt("an entry of its " + what + " is malformed");
      byte[] next = new byte[shared + unshared];
      System.arraycopy(key, 0, next, 0, shared);
      System.arraycopy(file, r.pos, next, shared, unshared);
      r.pos += unshared;
      key = next;
      visitor.visit(key, new Span(r.pos, r.pos + valueLength));
      r.pos += valueLength;
    }
  }

  private static int compare(byte[] a, byte[] b) {
    return java.util.Arrays.compareUnsigned(a, b);
  }

  /** LevelDB stores CRCs masked, so that a CRC of bytes holding CRCs stays well distributed. */
  static int unmask(int masked) {
    int rot = masked - 0xa282ead8;
    return (rot >>> 17) | (rot << 15);
  }

  static int mask(int crc) {
    return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
  }

  private ModelImportException corrupt(String why) {
    return new ModelImportException(name + " is corrupt: " + why + "; re-export the model or copy the file again");
  }

  /** Varint decoding within [pos, end). */
  private final class Reader {
    int pos;
    final int end;

    Reader(int pos, int end) {
      this.pos = pos;
      this.end = end;
    }

    long varint64() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) throw corrupt("a number runs past the end of its block");
        byte b = file[pos++];
        v |= (long) (b & 0x7f) << shift;
        if (b >= 0) return v;
      }
      throw corrupt("a number is longer than 10 bytes");
    }

    int varint32() {
      long v = varint64();
      if (v < 0 || v > Integer.MAX_VALUE) throw corrupt("a length is out of range");
      return (int) v;
    }

    long[] handle() {
      long offset = varint64(), size = varint64();
      if (offset < 0 || size < 0 || offset > Integer.MAX_VALUE || size > Integer.MAX_VALUE) throw corrupt("a block handle is out of range");
      return new long[] {offset, size};
    }
  }
}
