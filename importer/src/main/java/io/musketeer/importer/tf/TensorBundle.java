package io.musketeer.importer.tf;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.musketeer.importer.ModelImportException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;
import org.tensorflow.proto.BundleEntryProto;
import org.tensorflow.proto.BundleHeaderProto;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorShapeProto;

/**
 * A TensorFlow checkpoint in the tensor-bundle format (what {@code SaveV2} and {@code tf.train.Checkpoint}
 * write): {@code PREFIX.index}, a table from tensor name to {@link BundleEntryProto} (dtype, shape, shard,
 * offset, size, masked CRC-32C) with a {@link BundleHeaderProto} under the empty key, and
 * {@code PREFIX.data-SSSSS-of-NNNNN} shards holding the raw little-endian tensor bytes. Reads are
 * checked against the entry's size and checksum.
 */
final class TensorBundle {
  static final String OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH";

  private final Path prefix;
  private final String name;
  private final Map<String, ByteString> table;
  private final int shards;

  private TensorBundle(Path prefix, String name, Map<String, ByteString> table, int shards) {
    this.prefix = prefix;
    this.name = name;
    this.table = table;
    this.shards = shards;
  }

  /**
   * Opens the bundle at {@code prefix} ({@code .../variables/variables} in a SavedModel).
   *
   * @param name how the bundle is named in messages
   */
  static TensorBundle open(Path prefix, String name) {
    Path index = sibling(prefix, ".index");
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(index);
    } catch (NoSuchFileException e) {
      throw new ModelImportException(name + ".index is missing; the model's weights are not there (copy the whole SavedModel directory, variables/ included)");
    } catch (IOException e) {
      throw new ModelImportException("cannot read " + name + ".index: " + e.getMessage());
    }
    Map<String, ByteString> table = SsTable.read(bytes, name + ".index");
    ByteString headerBytes = table.remove("");
    if (headerBytes == null) throw new ModelImportException(name + ".index is corrupt: it has no bundle header");
    BundleHeaderProto header;
    try {
      header = BundleHeaderProto.parseFrom(headerBytes);
    } catch (InvalidProtocolBufferException e) {
      throw new ModelImportException(name + ".index is corrupt: its bundle header does not parse");
    }
    if (header.getEndianness() != BundleHeaderProto.Endianness.LITTLE) {
      throw new ModelImportException(name + " was written on a big-endian machine; re-save it on a little-endian one");
    }
    if (header.getVersion().getMinConsumer() > 1) {
      throw new ModelImportException(name + " needs a newer checkpoint reader (format version " + header.getVersion().getMinConsumer() + ")");
    }
    if (header.getNumShards() < 1) throw new ModelImportException(name + ".index is corrupt: it names " + header.getNumShards() + " data shards");
    return new TensorBundle(prefix, name, table, header.getNumShards());
  }

  private static Path sibling(Path prefix, String suffix) {
    return prefix.resolveSibling(prefix.getFileName() + suffix);
  }

  String name() {
    return name;
  }

  Set<String> keys() {
    return table.keySet();
  }

  boolean contains(String key) {
    return table.containsKey(key);
  }

  BundleEntryProto entry(String key) {
    ByteString v = table.get(key);
    if (v == null) throw new IllegalArgumentException("no tensor " + key);
    BundleEntryProto e;
    try {
      e = BundleEntryProto.parseFrom(v);
    } catch (InvalidProtocolBufferException ex) {
      throw new ModelImportException(name + ".index is corrupt: the entry of '" + key + "' does not parse");
    }
    if (e.getSlicesCount() > 0) {
      throw new ModelImportException(name + " holds '" + key + "' as a partitioned variable (" + e.getSlicesCount()
          + " slices); re-export the model without variable partitioning");
    }
    for (TensorShapeProto.Dim d : e.getShape().getDimList()) {
      if (d.getSize() < 0) throw new ModelImportException(name + ".index is corrupt: '" + key + "' has dimension " + d.getSize());
    }
    if (e.getShardId() < 0 || e.getShardId() >= shards) {
      throw new ModelImportException(name + ".index is corrupt: '" + key + "' lies in shard " + e.getShardId() + " of " + shards);
    }
    return e;
  }

  static long elements(TensorShapeProto shape) {
    long n = 1;
    for (TensorShapeProto.Dim d : shape.getDimList()) n = Math.multiplyExact(n, d.getSize());
    return n;
  }

  /** Bytes per element of the fixed-width types, or 0. */
  static int width(DataType t) {
    return switch (t) {
      case DT_FLOAT, DT_INT32, DT_UINT32 -> 4;
      case DT_DOUBLE, DT_INT64, DT_UINT64 -> 8;
      case DT_HALF, DT_BFLOAT16, DT_INT16, DT_UINT16 -> 2;
      case DT_INT8, DT_UINT8, DT_BOOL -> 1;
      default -> 0;
    };
  }

  /** The raw little-endian bytes of a fixed-width tensor, checked against its size and checksum. */
  ByteString bytes(String key) {
    BundleEntryProto e = entry(key);
    int width = width(e.getDtype());
    if (width == 0) throw new ModelImportException(name + ": '" + key + "' has type " + e.getDtype() + ", which is not a numeric tensor");
    long expected;
    try {
      expected = Math.multiplyExact(elements(e.getShape()), width);
    } catch (ArithmeticException ex) {
      throw new ModelImportException(name + ".index is corrupt: '" + key + "' has an impossible shape");
    }
    if (e.getSize() != expected) {
      throw new ModelImportException(name + ".index is corrupt: '" + key + "' holds " + e.getSize() + " bytes for shape "
          + dims(e.getShape()) + " of " + e.getDtype());
    }
    byte[] b = readData(e, key);
    CRC32C crc = new CRC32C();
    crc.update(b);
    if (SsTable.unmask(e.getCrc32C()) != (int) crc.getValue()) throw corruptData(e, key);
    return ByteString.copyFrom(b);
  }

  /** The elements of a string tensor: varint lengths, a masked CRC of the lengths, then the bytes. */
  List<ByteString> strings(String key) {
    BundleEntryProto e = entry(key);
    if (e.getDtype() != DataType.DT_STRING) throw new ModelImportException(name + ": '" + key + "' is " + e.getDtype() + ", not a string tensor");
    long n = elements(e.getShape());
    byte[] b = readData(e, key);
    ByteBuffer in = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    CRC32C crc = new CRC32C();
    ByteBuffer lenBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    if (n > b.length) throw corruptData(e, key); // every element takes at least its one-byte length
    long[] lengths = new long[(int) n];
    for (int i = 0; i < n; i++) {
      long len = varint(in, e, key);
      lengths[i] = len;
      lenBytes.clear();
      if (len <= 0xffffffffL) lenBytes.putInt((int) len);
      else lenBytes.putLong(len);
      crc.update(lenBytes.array(), 0, lenBytes.position());
    }
    if (in.remaining() < 4) throw corruptData(e, key);
    int lengthCrc = in.getInt();
    if (SsTable.unmask(lengthCrc) != (int) crc.getValue()) throw corruptData(e, key);
    crc.update(b, in.position() - 4, 4);
    List<ByteString> out = new ArrayList<>();
    for (long len : lengths) {
      if (len > in.remaining()) throw corruptData(e, key);
      out.add(ByteString.copyFrom(b, in.position(), (int) len));
      crc.update(b, in.position(), (int) len);
      in.position(in.position() + (int) len);
    }
    if (SsTable.unmask(e.getCrc32C()) != (int) crc.getValue()) throw corruptData(e, key);
    return out;
  }

  private long varint(ByteBuffer in, BundleEntryProto e, String key) {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!in.hasRemaining()) throw corruptData(e, key);
      byte b = in.get();
      v |= (long) (b & 0x7f) << shift;
      if (b >= 0) return v;
    }
    throw corruptData(e, key);
  }

  private byte[] readData(BundleEntryProto e, String key) {
    Path shard = sibling(prefix, String.format(".data-%05d-of-%05d", e.getShardId(), shards));
    String shardName = shardName(e);
    if (e.getSize() > Integer.MAX_VALUE - 16) throw new ModelImportException(name + ": '" + key + "' is larger than 2 GB, which is not supported");
    try (FileChannel ch = FileChannel.open(shard, StandardOpenOption.READ)) {
      if (e.getOffset() < 0 || e.getOffset() + e.getSize() > ch.size()) {
        throw new ModelImportException(shardName + " is truncated or corrupt: '" + key + "' would lie at bytes " + e.getOffset() + ".."
            + (e.getOffset() + e.getSize()) + " of a " + ch.size() + "-byte file");
      }
      ByteBuffer buf = ByteBuffer.allocate((int) e.getSize());
      long at = e.getOffset();
      while (buf.hasRemaining()) {
        int r = ch.read(buf, at);
        if (r < 0) throw new ModelImportException(shardName + " is truncated");
        at += r;
      }
      return buf.array();
    } catch (NoSuchFileException ex) {
      throw new ModelImportException(shardName + " is missing (the checkpoint has " + shards + " data shard" + (shards == 1 ? "" : "s")
          + "); copy the whole SavedModel directory, variables/ included");
    } catch (IOException ex) {
      throw new ModelImportException("cannot read " + shardName + ": " + ex.getMessage());
    }
  }

  private String shardName(BundleEntryProto e) {
    return name + String.format(".data-%05d-of-%05d", e.getShardId(), shards);
  }

  private ModelImportException corruptData(BundleEntryProto e, String key) {
    return new ModelImportException(shardName(e) + " is corrupt: the stored bytes of '" + key + "' do not match their checksum; copy the variables directory again");
  }

  static String dims(TensorShapeProto s) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < s.getDimCount(); i++) b.append(i == 0 ? "" : ", ").append(s.getDim(i).getSize());
    return b.append(']').toString();
  }
}
