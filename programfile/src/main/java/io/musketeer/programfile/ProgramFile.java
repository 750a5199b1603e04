package io.musketeer.programfile;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.musketeer.MusketeerException;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.ir.ProgramHash;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * A compiled program on disk: what {@code musketeer compile} writes and every command takes in place of
 * a model. The server gets the full program; the client and the helper get its weight-free part, which
 * yields the same {@link ProgramHash}.
 *
 * <p>Format version 1 is a zip archive of three entries:
 *
 * <ul>
 *   <li>{@code manifest.json}: {@code format} ("musketeer-program"), {@code version}, the program's
 *       {@code hash}, {@code fracBits}, {@code softmaxOutput}, {@code nodes} (name, op with its
 *       attributes, inputs, shape, scale, bound; a constant names its part and its offset and count in
 *       it), {@code outputs}, {@code parts} (each binary part's size and SHA-256), and {@code info}
 *       (free text: where the program came from, its calibration table);
 *   <li>{@code public.bin}: the public constants (structural values every party knows), float32
 *       little-endian in node order;
 *   <li>{@code weights.bin}: the server's weights likewise: in the full program only.
 * </ul>
 *
 * A reader refuses a newer version, an unknown or duplicate entry, a part whose size or checksum differs
 * from the manifest's, and a manifest whose program does not give the recorded hash, each with one line
 * naming the file and what to do. Files are written to a temporary file beside the target and moved into
 * place, so a reader never sees half a program.
 */
public final class ProgramFile {
  public static final String FORMAT = "musketeer-program";
  public static final int VERSION = 1;
  static final String MANIFEST = "manifest.json";
  static final String PUBLIC = "public.bin";
  static final String WEIGHTS = "weights.bin";
  private static final long MAX_MANIFEST_BYTES = 64L << 20;
  private static final String HASH_CONTEXT = "program-file";

  private ProgramFile() {}

  /** Which part to write or load. */
  public enum Part {
    /** Structure, public constants and the server's weights: for the server. */
    FULL,
    /** Structure and public constants: for the client and the helper. */
    WEIGHT_FREE
  }

  /**
   * A program read from a file.
   *
   * @param hasWeights whether the file holds the weights part; the program's server constants are its
   *     weights only if they were asked for, zeros otherwise
   * @param hash the program hash recorded in (and checked against) the manifest
   * @param info the manifest's free-text entries
   */
  public record Loaded(Program program, boolean hasWeights, String hash, Map<String, String> info) {
    public Loaded {
      info = Map.copyOf(info);
    }
  }

  /** The hash a program file records: {@link ProgramHash} of the program, apart from protocol parameters. */
  public static String hash(Program p) {
    return ProgramHash.of(p, HASH_CONTEXT);
  }

  /** Whether {@code file} is a program file (a zip archive with a program manifest), by its contents. */
  public static boolean isProgramFile(Path file) {
    if (!Files.isRegularFile(file)) return false;
    try (InputStream in = Files.newInputStream(file)) {
      byte[] magic = in.readNBytes(4);
      if (magic.length < 4 || magic[0] != 'P' || magic[1] != 'K' || magic[2] != 3 || magic[3] != 4) return false;
    } catch (IOException e) {
      return false;
    }
    try (ZipFile zip = new ZipFile(file.toFile())) {
      return zip.getEntry(MANIFEST) != null;
    } catch (IOException e) {
      return false;
    }
  }

  /** Writes {@code part} of the program to {@code target}, atomically. */
  public static void write(Path target, Program program, Part part, Map<String, String> info) {
    Path abs = target.toAbsolutePath();
    Path dir = abs.getParent();
    Path tmp = null;
    try {
      if (dir != null) Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
        write(out, program, part, info);
      }
      try {
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system
      }
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      tmp = null;
    } catch (IOException e) {
      throw new MusketeerException("cannot write " + target + ": " + describe(e));
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort: a temporary file
        }
      }
    }
  }

  /** Writes {@code part} of the program as a zip archive to {@code out}. */
  public static void write(OutputStream out, Program program, Part part, Map<String, String> info) throws IOException {
    Graph g = program.graph();
    ZipOutputStream zip = new ZipOutputStream(out);
    zip.setLevel(1);
    // the binary parts first, to know their checksums; the manifest goes last in the archive but is read first
    long[] publicOffset = new long[g.size()], weightOffset = new long[g.size()];
    String publicSha = writePart(zip, PUBLIC, g, true, publicOffset);
    long publicCount = count(g, true);
    String weightsSha = part == Part.FULL ? writePart(zip, WEIGHTS, g, false, weightOffset) : null;
    if (part == Part.WEIGHT_FREE) offsets(g, false, weightOffset);
    JsonObject m = new JsonObject();
    m.addProperty("format", FORMAT);
    m.addProperty("version", VERSION);
    m.addProperty("hash", hash(program));
    m.addProperty("fracBits", program.fracBits());
    m.addProperty("softmaxOutput", program.softmaxOutput());
    JsonArray nodes = new JsonArray();
    for (int i = 0; i < g.size(); i++) {
      Node n = g.node(i);
      JsonObject o = new JsonObject();
      o.addProperty("name", n.name());
      o.add("op", Ops.toJson(n.op()));
      o.add("inputs", ints(n.inputs()));
      o.add("shape", ints(n.shape().dims()));
      o.addProperty("scale", program.scale(i));
      o.addProperty("bound", program.bound(i));
      if (n.op() instanceof Op.Constant c) {
        o.addProperty("part", c.isPublic() ? PUBLIC : WEIGHTS);
        o.addProperty("offset", c.isPublic() ? publicOffset[i] : weightOffset[i]);
      }
      nodes.add(o);
    }
    m.add("nodes", nodes);
    m.add("outputs", ints(g.outputs()));
    JsonObject parts = new JsonObject();
    parts.add(PUBLIC, partInfo(publicCount, publicSha));
    parts.add(WEIGHTS, partInfo(count(g, false), weightsSha));
    m.add("parts", parts);
    JsonObject infoJson = new JsonObject();
    for (var e : new java.util.TreeMap<>(info).entrySet()) infoJson.addProperty(e.getKey(), e.getValue());
    m.add("info", infoJson);
    zip.putNextEntry(new ZipEntry(MANIFEST));
    zip.write(GSON.toJson(m).getBytes(StandardCharsets.UTF_8));
    zip.closeEntry();
    zip.finish();
  }

  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

  /**
   * Reads a program file.
   *
   * @param needWeights true at the server (a weight-free part is then refused); false at the client and
   *     helper (a full program's weights are then not even read)
   */
  public static Loaded read(Path file, boolean needWeights) {
    String name = file.toString();
    try (ZipFile zip = new ZipFile(file.toFile())) {
      Set<String> seen = new HashSet<>();
      for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
        String entry = en.nextElement().getName();
        if (!seen.add(entry)) throw bad(name, "it holds entry '" + entry + "' twice");
        if (!entry.equals(MANIFEST) && !entry.equals(PUBLIC) && !entry.equals(WEIGHTS)) throw bad(name, "it holds an unknown entry '" + entry + "'");
      }
      ZipEntry manifestEntry = zip.getEntry(MANIFEST);
      if (manifestEntry == null) throw bad(name, "it has no " + MANIFEST);
      JsonObject m = parseManifest(zip, manifestEntry, name);
      Manifest.checkFormat(m, name);
      boolean hasWeights = zip.getEntry(WEIGHTS) != null;
      if (needWeights && !hasWeights) {
        throw new MusketeerException(name + " is the weight-free part of a program (for the client and the helper); computing with the weights (the server, infer, eval) needs the full program that 'musketeer compile' wrote");
      }
      return Manifest.load(m, name, zip, needWeights, hasWeights);
    } catch (NoSuchFileException e) {
      throw new MusketeerException("program file " + name + " does not exist");
    } catch (AccessDeniedException e) {
      throw new MusketeerException("cannot read program file " + name + ": permission denied");
    } catch (ZipException e) {
      throw bad(name, "it is not a readable zip archive (" + e.getMessage() + "); the file is damaged or truncated");
    } catch (IOException e) {
      throw new MusketeerException("cannot read program file " + name + ": " + describe(e));
    }
  }

  /**
   * Opens the server's weights of a program file for streaming: read one tensor at a time as the run asks,
   * so the server never holds all its float weights at once, and hashed as they are read.
   * {@link WeightStream#verify} checks the part against the manifest's size and SHA-256 once the run took
   * every weight, before anything computed from them is revealed. A separate pass over the part first cost a
   * one-shot server 0.2-1.4 s before it could connect (100 MB for ResNet-50, three JVMs starting on two cores).
   */
  public static WeightStream openWeights(Path file) {
    String name = file.toString();
    ZipFile zip = null;
    try {
      zip = new ZipFile(file.toFile());
      ZipEntry manifestEntry = zip.getEntry(MANIFEST);
      if (manifestEntry == null) throw bad(name, "it has no " + MANIFEST);
      Json weights = new Json(parseManifest(zip, manifestEntry, name), name, "manifest").object("parts").object(WEIGHTS);
      long count = weights.number("floats");
      ZipEntry entry = zip.getEntry(WEIGHTS);
      if (entry == null) {
        throw new MusketeerException(name + " is the weight-free part of a program (for the client and the helper); the server needs the full program that 'musketeer compile' wrote");
      }
      WeightStream s = new WeightStream(name, zip, zip.getInputStream(entry), count, weights.string("sha256"));
      zip = null;
      return s;
    } catch (ZipException e) {
      throw bad(name, "it is not a readable zip archive (" + e.getMessage() + "); the file is damaged or truncated");
    } catch (IOException e) {
      throw new MusketeerException("cannot read program file " + name + ": " + describe(e));
    } finally {
      if (zip != null) {
        try {
          zip.close();
        } catch (IOException ignored) {
          // closing after a failure
        }
      }
    }
  }

  /**
   * The server's weights of a program file, checked whole against its manifest (one pass, nothing kept);
   * returns their SHA-256. A long-running server checks its file so once as it starts.
   */
  public static String checkWeights(Path file) {
    try (WeightStream s = openWeights(file)) {
      s.verify();
      return s.sha256();
    }
  }

  /** A program file's weights, read in node order one tensor at a time (see {@link #openWeights}). */
  public static final class WeightStream implements AutoCloseable {
    private final String file;
    private final ZipFile zip;
    private final MessageDigest sha = ProgramFile.sha256();
    private final InputStream in;
    private final long count;
    private final String sha256;
    private long read;
    private int lastNode = -1;
    private boolean verified;

    private WeightStream(String file, ZipFile zip, InputStream in, long count, String sha256) {
      this.file = file;
      this.zip = zip;
      this.in = new java.io.BufferedInputStream(new DigestInputStream(in, sha), 1 << 16);
      this.count = count;
      this.sha256 = sha256;
    }

    /** The SHA-256 of the weights part as its manifest gives it (checked by {@link #verify}): which weights these are. */
    public String sha256() {
      return sha256;
    }

    /** The next weight tensor, which must be that of {@code node}, the next server constant in node order. */
    public FloatTensor next(int node, Shape shape) {
      if (node <= lastNode) throw new IllegalStateException("weights are streamed in node order: " + node + " after " + lastNode);
      lastNode = node;
      int n = shape.size();
      if (read + n > count) throw mismatch(file, WEIGHTS, "ends before the weights of node " + node);
      float[] v = new float[n];
      byte[] buf = new byte[Math.min(1 << 16, 4 * Math.max(1, n))];
      ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
      try {
        for (int k = 0; k < n; ) {
          int want = Math.min(buf.length, 4 * (n - k));
          if (in.readNBytes(buf, 0, want) != want) throw mismatch(file, WEIGHTS, "ends before the weights of node " + node);
          for (int b = 0; b < want; b += 4) v[k++] = bb.getFloat(b);
        }
      } catch (IOException e) {
        throw new MusketeerException("cannot read program file " + file + ": " + describe(e));
      }
      read += n;
      return new FloatTensor(shape, v);
    }

    /**
     * Reads what the run did not take and checks the whole part against the manifest: its size and its
     * SHA-256. Until this returns, nothing computed from the weights may leave the server.
     */
    public void verify() {
      if (verified) return;
      long bytes = 4 * read;
      try {
        byte[] chunk = new byte[1 << 16];
        for (int r; (r = in.read(chunk)) > 0; ) bytes += r;
      } catch (IOException e) {
        throw new MusketeerException("cannot read program file " + file + ": " + describe(e));
      }
      if (bytes != 4 * count) throw mismatch(file, WEIGHTS, "holds " + bytes + " bytes where its manifest says " + count + " numbers");
      if (!HexFormat.of().formatHex(sha.digest()).equals(sha256)) {
        throw mismatch(file, WEIGHTS, "does not match the manifest's SHA-256 (the part was changed, damaged, or comes from another program)");
      }
      verified = true;
    }

    /** How many weights were read so far. */
    public long read() {
      return read;
    }

    @Override
    public void close() {
      try {
        zip.close();
      } catch (IOException e) {
        // reading is done
      }
    }
  }

  private static JsonObject parseManifest(ZipFile zip, ZipEntry entry, String name) throws IOException {
    byte[] bytes;
    try (InputStream in = zip.getInputStream(entry)) {
      bytes = in.readNBytes((int) MAX_MANIFEST_BYTES + 1);
    }
    if (bytes.length > MAX_MANIFEST_BYTES) throw bad(name, "its manifest is larger than " + (MAX_MANIFEST_BYTES >> 20) + " MB");
    try {
      JsonElement e = JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8));
      if (!e.isJsonObject()) throw bad(name, "its manifest is not a JSON object");
      return e.getAsJsonObject();
    } catch (JsonParseException e) {
      throw bad(name, "its manifest is not valid JSON (" + e.getMessage() + ")");
    }
  }

  static MusketeerException bad(String file, String why) {
    return new MusketeerException(file + " is not a valid musketeer program: " + why + "; compile it again with 'musketeer compile'");
  }

  // ---- binary parts

  private static long count(Graph g, boolean isPublic) {
    long n = 0;
    for (Node node : g.nodes()) if (node.op() instanceof Op.Constant c && c.isPublic() == isPublic) n += c.value().size();
    return n;
  }

  private static void offsets(Graph g, boolean isPublic, long[] offset) {
    long at = 0;
    for (int i = 0; i < g.size(); i++) {
      if (g.node(i).op() instanceof Op.Constant c && c.isPublic() == isPublic) {
        offset[i] = at;
        at += c.value().size();
      }
    }
  }

  /**
   * Writes one binary part, stored rather than deflated: floats barely compress (7% for ResNet-50's
   * weights), and inflating them cost the server 0.6 s per pass over them, twice per run (the check of
   * their SHA-256, then the stream). A stored entry must carry its size and CRC before its bytes, hence
   * two passes over the floats in memory.
   */
  private static String writePart(ZipOutputStream zip, String entry, Graph g, boolean isPublic, long[] offset) throws IOException {
    offsets(g, isPublic, offset);
    CRC32 crc = new CRC32();
    writeFloats(g, isPublic, new CheckedOutputStream(OutputStream.nullOutputStream(), crc));
    long bytes = 4 * count(g, isPublic);
    ZipEntry e = new ZipEntry(entry);
    e.setMethod(ZipEntry.STORED);
    e.setSize(bytes);
    e.setCompressedSize(bytes);
    e.setCrc(crc.getValue());
    zip.putNextEntry(e);
    MessageDigest sha = sha256();
    writeFloats(g, isPublic, new DigestOutputStream(new NonClosing(zip), sha));
    zip.closeEntry();
    return HexFormat.of().formatHex(sha.digest());
  }

  /** The part's floats, little-endian in node order. */
  private static void writeFloats(Graph g, boolean isPublic, OutputStream out) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    for (Node n : g.nodes()) {
      if (!(n.op() instanceof Op.Constant c) || c.isPublic() != isPublic) continue;
      for (float v : c.value().data()) {
        if (!buf.hasRemaining()) flush(buf, out);
        buf.putFloat(v);
      }
    }
    flush(buf, out);
  }

  private static void flush(ByteBuffer buf, OutputStream out) throws IOException {
    out.write(buf.array(), 0, buf.position());
    buf.clear();
  }

  /**
   * Reads a part's floats into one tensor per constant, in node order, checking its size and SHA-256
   * against the manifest.
   */
  static void readPart(ZipFile zip, String entry, long expectedCount, String expectedSha, List<int[]> constants, float[][] into, String file)
      throws IOException {
    ZipEntry e = zip.getEntry(entry);
    if (e == null) {
      if (expectedCount == 0) return;
      throw bad(file, "its " + entry + " part is missing");
    }
    MessageDigest sha = sha256();
    long read = 0;
    try (InputStream in = new DigestInputStream(zip.getInputStream(e), sha)) {
      byte[] chunk = new byte[1 << 16];
      ByteBuffer bb = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
      int ci = 0, within = 0;
      int have = 0;
      while (true) {
        int r = in.read(chunk, have, chunk.length - have);
        if (r < 0) break;
        have += r;
        int whole = have / 4 * 4;
        for (int k = 0; k < whole; k += 4) {
          while (ci < constants.size() && within == into[ci].length) {
            ci++;
            within = 0;
          }
          if (ci >= constants.size()) throw mismatch(file, entry, "is longer than its manifest says");
          into[ci][within++] = bb.getFloat(k);
          read++;
        }
        System.arraycopy(chunk, whole, chunk, 0, have - whole);
        have -= whole;
      }
      if (have != 0) throw mismatch(file, entry, "ends inside a number");
    }
    if (read != expectedCount) throw mismatch(file, entry, "holds " + read + " numbers where its manifest says " + expectedCount);
    String actual = HexFormat.of().formatHex(sha.digest());
    if (!actual.equals(expectedSha)) throw mismatch(file, entry, "does not match the manifest's SHA-256 (the part was changed, damaged, or comes from another program)");
  }

  private static MusketeerException mismatch(String file, String entry, String what) {
    return new MusketeerException(file + ": its " + entry + " part " + what + "; refusing it: compile the program again with 'musketeer compile'");
  }

  private static JsonObject partInfo(long count, String sha) {
    JsonObject o = new JsonObject();
    o.addProperty("floats", count);
    if (sha != null) o.addProperty("sha256", sha);
    return o;
  }

  private static JsonArray ints(int[] v) {
    JsonArray a = new JsonArray();
    for (int x : v) a.add(new JsonPrimitive(x));
    return a;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String describe(IOException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** Keeps the zip stream open when a part's digest stream is done with it. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() {}
  }

  /** The manifest's free-text entries. */
  static Map<String, String> info(JsonObject m) {
    Map<String, String> info = new LinkedHashMap<>();
    JsonElement e = m.get("info");
    if (e != null && e.isJsonObject()) {
      for (var entry : e.getAsJsonObject().entrySet()) {
        if (entry.getValue().isJsonPrimitive()) info.put(entry.getKey(), entry.getValue().getAsString());
      }
    }
    return info;
  }
}
