package io.musketeer.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** How an image input is turned into the model's input tensor; null means not given (defaults apply). */
final class PreprocessOptions {
  @Option(names = "--channels", paramLabel = "ORDER", description = "Channel order of image inputs: rgb, bgr, gray or auto (default: gray for 1 channel, else rgb).")
  String channels;

  @Option(names = "--range", paramLabel = "R", description = "Pixel range before mean/std: 0..1 (default) or 0..255.")
  String range;

  @Option(names = "--mean", split = ",", paramLabel = "M", description = "Per-channel mean subtracted after range scaling, e.g. 0.485,0.456,0.406 (one value, or one per channel).")
  float[] mean;

  @Option(names = "--std", split = ",", paramLabel = "S", description = "Per-channel std divided after the mean, e.g. 0.229,0.224,0.225 (positive; one value, or one per channel).")
  float[] std;

  @Option(names = "--layout", paramLabel = "L", description = "Layout of a 4-D model input: nhwc (default, TensorFlow) or nchw.")
  String layout;

  Preprocess toPreprocess() {
    float max = switch (range == null ? "0..1" : range) {
      case "0..1" -> 1f;
      case "0..255" -> 255f;
      default -> throw new UsageError("unknown --range '" + range + "' (use 0..1 or 0..255)");
    };
    String lay = layout == null ? "nhwc" : layout.toLowerCase(java.util.Locale.ROOT);
    if (!lay.equals("nhwc") && !lay.equals("nchw")) throw new UsageError("unknown --layout '" + layout + "' (use nhwc or nchw)");
    String ch = channels == null ? "auto" : channels.toLowerCase(java.util.Locale.ROOT);
    if (!List.of("auto", "rgb", "bgr", "gray").contains(ch)) throw new UsageError("unknown --channels '" + channels + "' (use rgb, bgr, gray or auto)");
    float[] m = mean == null ? new float[0] : mean, s = std == null ? new float[0] : std;
    for (float v : m) if (!Float.isFinite(v)) throw new UsageError("--mean must be finite numbers, got " + v);
    for (float v : s) if (!(v > 0) || !Float.isFinite(v)) throw new UsageError("--std must be positive numbers (they divide), got " + v);
    return new Preprocess(ch, max, m, s, lay, given());
  }

  /** The image options given on the command line, to pass on (local) or to refuse for arrays. */
  List<String> given() {
    List<String> names = new ArrayList<>();
    if (channels != null) names.add("--channels");
    if (range != null) names.add("--range");
    if (mean != null) names.add("--mean");
    if (std != null) names.add("--std");
    if (layout != null) names.add("--layout");
    return names;
  }

  /** The same options as arguments for another process (local passes them to its client). */
  List<String> asArguments() {
    List<String> args = new ArrayList<>();
    if (channels != null) args.addAll(List.of("--channels", channels));
    if (range != null) args.addAll(List.of("--range", range));
    if (mean != null) args.addAll(List.of("--mean", join(mean)));
    if (std != null) args.addAll(List.of("--std", join(std)));
    if (layout != null) args.addAll(List.of("--layout", layout));
    return args;
  }

  private static String join(float[] v) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < v.length; i++) sb.append(i == 0 ? "" : ",").append(v[i]);
    return sb.toString();
  }
}
