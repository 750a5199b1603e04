package io.musketeer.cli;

import io.musketeer.MusketeerException;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Turns an input file into the model's input tensor: a .npy array as is, or an image resized and
 * normalised as the model was trained: channel order, value range, per-channel mean/std, layout.
 */
record Preprocess(String channels, float rangeMax, float[] mean, float[] std, String layout, List<String> imageOptions) {

  /**
   * @param imageOptions the image options the user gave (refused with an array input, which is used as is)
   */
  Preprocess {
    imageOptions = List.copyOf(imageOptions);
  }

  static Preprocess defaults() {
    return new Preprocess("auto", 1f, new float[0], new float[0], "nhwc", List.of());
  }

  FloatTensor load(Path file, String inputName, Shape expected) {
    if (!Files.exists(file)) throw new MusketeerException("input file " + file + " does not exist");
    if (Files.isDirectory(file)) throw new MusketeerException("input " + file + " is a directory; give a .npy file or an image");
    if (!Files.isReadable(file)) throw new MusketeerException("input file " + file + " is not readable");
    String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
    FloatTensor t;
    if (lower.endsWith(".npy")) {
      if (!imageOptions.isEmpty()) {
        String names = String.join(", ", imageOptions);
        throw new UsageError(names + (imageOptions.size() == 1 ? " applies" : " apply") + " to image inputs only; " + file
            + " is an array and is used as is (apply the preprocessing before saving it, or drop " + names + ")");
      }
      t = Npy.read(file);
    } else {
      t = image(file, expected);
    }
    requireFinite(t, file);
    return fit(t, file, inputName, expected);
  }

  /** NaN or infinity would flow through the float reference silently, and has no fixed-point encoding. */
  static void requireFinite(FloatTensor t, Path file) {
    float[] v = t.data();
    for (int i = 0; i < v.length; i++) {
      if (!Float.isFinite(v[i])) {
        throw new MusketeerException("input " + file + " holds " + v[i] + " at element " + i + " (of " + v.length + "); the model needs finite numbers");
      }
    }
  }

  /** Accepts the expected shape, or the same dimensions without leading 1s (e.g. no batch axis). */
  static FloatTensor fit(FloatTensor t, Path file, String inputName, Shape expected) {
    if (t.shape().equals(expected)) return t;
    if (dropOnes(t.shape()).equals(dropOnes(expected))) return t.reshape(expected);
    throw new MusketeerException("input " + file + " has shape " + t.shape() + " but model input '" + inputName + "' expects " + expected);
  }

  private static Shape dropOnes(Shape s) {
    int k = 0;
    while (k < s.rank() - 1 && s.dim(k) == 1) k++;
    return new Shape(java.util.Arrays.copyOfRange(s.dims(), k, s.rank()));
  }

  private FloatTensor image(Path file, Shape expected) {
    BufferedImage img;
    try {
      img = ImageIO.read(file.toFile());
    } catch (IOException e) {
      throw new MusketeerException("cannot read image " + file + ": " + e.getMessage());
    }
    if (img == null) throw new MusketeerException(file + " is neither a .npy file nor an image format Java can read (PNG, JPEG, BMP, GIF)");
    int h, w, c;
    boolean nchw = layout.equalsIgnoreCase("nchw");
    if (expected.rank() == 4) {
      h = nchw ? expected.dim(2) : expected.dim(1);
      w = nchw ? expected.dim(3) : expected.dim(2);
      c = nchw ? expected.dim(1) : expected.dim(3);
    } else if (expected.rank() == 2 && isSquare(expected.dim(1))) {
      h = w = (int) Math.round(Math.sqrt(expected.dim(1)));
      c = 1;
    } else {
      throw new MusketeerException("the model input " + expected + " is not an image shape; give the input as a .npy file");
    }
    if (c != 1 && c != 3) throw new MusketeerException("the model expects " + c + " channels; images give 1 or 3");
    String order = channels.equals("auto") ? (c == 1 ? "gray" : "rgb") : channels;
    int given = order.equals("gray") ? 1 : 3;
    if (given != c) throw new UsageError("--channels " + order + " gives " + given + " channel(s), the model input " + expected + " has " + c);
    perChannel("--mean", mean, c, expected);
    perChannel("--std", std, c, expected);
    BufferedImage scaled = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = scaled.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(img, 0, 0, w, h, null);
    g.dispose();
    float[] out = new float[h * w * c];
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        int rgb = scaled.getRGB(x, y);
        float r = (rgb >> 16) & 0xff, gr = (rgb >> 8) & 0xff, b = rgb & 0xff;
        float[] px = switch (order) {
          case "gray" -> new float[] {0.299f * r + 0.587f * gr + 0.114f * b};
          case "rgb" -> new float[] {r, gr, b};
          case "bgr" -> new float[] {b, gr, r};
          default -> throw new MusketeerException("unknown channel order '" + order + "' (use rgb, bgr or gray)");
        };
        for (int ch = 0; ch < c; ch++) {
          float v = px[ch] / 255f * rangeMax;
          if (mean.length > 0) v -= mean[mean.length == 1 ? 0 : ch];
          if (std.length > 0) v /= std[std.length == 1 ? 0 : ch];
          int idx = nchw ? (ch * h + y) * w + x : (y * w + x) * c + ch;
          out[idx] = v;
        }
      }
    return new FloatTensor(expected, out);
  }

  private static void perChannel(String option, float[] v, int channels, Shape expected) {
    if (v.length > 1 && v.length != channels) {
      throw new UsageError(option + " has " + v.length + " values but the model input " + expected + " has " + channels + " channel(s); give 1 or " + channels);
    }
  }

  private static boolean isSquare(int n) {
    int r = (int) Math.round(Math.sqrt(n));
    return r * r == n;
  }
}
