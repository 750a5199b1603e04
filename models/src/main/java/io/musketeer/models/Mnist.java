package io.musketeer.models;

import io.musketeer.MusketeerException;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** The MNIST test set from its IDX files ({@code t10k-images-idx3-ubyte.gz}, {@code t10k-labels-idx1-ubyte.gz}). */
public record Mnist(int count, int rows, int cols, byte[] pixels, byte[] labels) {
  public static final String IMAGES = "t10k-images-idx3-ubyte.gz";
  public static final String LABELS = "t10k-labels-idx1-ubyte.gz";

  /** Reads the test set from a directory holding the two IDX files (gzipped). */
  public static Mnist load(Path dir) {
    Path images = dir.resolve(IMAGES), labels = dir.resolve(LABELS);
    for (Path p : new Path[] {images, labels}) {
      if (!Files.exists(p)) throw new MusketeerException("MNIST file " + p + " not found; point --data (or MUSKETEER_MODELS) at the directory holding it");
    }
    try (DataInputStream in = open(images); DataInputStream lb = open(labels)) {
      if (in.readInt() != 0x0803) throw new MusketeerException(images + " is not an IDX image file");
      int n = in.readInt(), rows = in.readInt(), cols = in.readInt();
      byte[] px = new byte[n * rows * cols];
      in.readFully(px);
      if (lb.readInt() != 0x0801) throw new MusketeerException(labels + " is not an IDX label file");
      int m = lb.readInt();
      if (m != n) throw new MusketeerException("MNIST files disagree: " + n + " images, " + m + " labels");
      byte[] l = new byte[m];
      lb.readFully(l);
      return new Mnist(n, rows, cols, px, l);
    } catch (IOException e) {
      throw new MusketeerException("cannot read MNIST from " + dir + ": " + e.getMessage());
    }
  }

  private static DataInputStream open(Path p) throws IOException {
    InputStream raw = Files.newInputStream(p);
    return new DataInputStream(new java.io.BufferedInputStream(p.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw));
  }

  public int label(int i) {
    return labels[i];
  }

  /** Images [from, from+n) as floats in 0..1, row-major, n * rows * cols values. */
  public float[] images(int from, int n) {
    int size = rows * cols;
    float[] out = new float[n * size];
    for (int i = 0; i < out.length; i++) out[i] = (pixels[from * size + i] & 0xff) / 255f;
    return out;
  }
}
