package io.musketeer.cli;

import io.musketeer.MusketeerException;
import picocli.CommandLine.Option;

/** How an image input is turned into the model's input tensor. */
final class PreprocessOptions {
  @Option(names = "--channels", defaultValue = "auto", description = "Channel order of image inputs: rgb, bgr, gray or auto (default).")
  String channels;

  @Option(names = "--range", defaultValue = "0..1", description = "Pixel range before mean/std: 0..1 (default) or 0..255.")
  String range;

  @Option(names = "--mean", split = ",", description = "Per-channel mean subtracted after range scaling, e.g. 0.485,0.456,0.406.")
  float[] mean = new float[0];

  @Option(names = "--std", split = ",", description = "Per-channel std divided after mean, e.g. 0.229,0.224,0.225.")
  float[] std = new float[0];

  @Option(names = "--layout", defaultValue = "auto",
      description = "Layout of a 4-D model input: auto (default: the model's own, NCHW for ONNX, NHWC for TensorFlow), nhwc or nchw.")
  String layout;

  Preprocess toPreprocess() {
    float max = switch (range) {
      case "0..1" -> 1f;
      case "0..255" -> 255f;
      default -> throw new MusketeerException("unknown --range '" + range + "' (use 0..1 or 0..255)");
    };
    if (!layout.equalsIgnoreCase("auto") && !layout.equalsIgnoreCase("nhwc") && !layout.equalsIgnoreCase("nchw")) {
      throw new MusketeerException("unknown --layout '" + layout + "' (use auto, nhwc or nchw)");
    }
    return new Preprocess(channels.toLowerCase(), max, mean, std, layout.toLowerCase());
  }
}
