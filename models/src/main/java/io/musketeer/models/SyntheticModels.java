package io.musketeer.models;

import io.musketeer.importer.ModelImportException;
import io.musketeer.importer.tf.GraphDefBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tensorflow.proto.GraphDef;

/**
 * Frozen TensorFlow graphs of well-known architectures with seeded random weights, built directly as
 * GraphDef protobufs: the real structures (ResNet-50 v1.5, DenseNet-121, SqueezeNet 1.1, a small CNN)
 * for cost benchmarks and tests, where trained weights are not available. Weights are He-scaled and
 * batch-norm parameters mild, so activations stay in a range fixed point at scale 12 represents well.
 */
public final class SyntheticModels {
  private static final List<String> NAMES = List.of("demo", "squeezenet", "resnet50", "densenet121");

  private SyntheticModels() {}

  public static List<String> names() {
    return NAMES;
  }

  public static GraphDef build(String name, long seed) {
    return build(name, seed, true);
  }

  /**
   * With {@code weights = false}, the weight-free graph (every float constant ones, as {@code musketeer
   * strip} writes): it compiles to the same program and program hash, for the client and the helper.
   */
  public static GraphDef build(String name, long seed, boolean weights) {
    Builder b = new Builder(seed, weights);
    switch (name) {
      case "demo" -> b.demo();
      case "squeezenet" -> b.squeezenet();
      case "resnet50" -> b.resnet50();
      case "densenet121" -> b.densenet121();
      default -> throw new ModelImportException("unknown built-in model '" + name + "'; available: " + String.join(", ", NAMES));
    }
    return b.build();
  }

  public static void writeTo(Path file, String name, long seed) throws IOException {
    Files.write(file, build(name, seed).toByteArray());
  }

  private static final class Builder extends GraphDefBuilder {
    Builder(long seed, boolean weights) {
      super(seed, weights);
    }

    void demo() {
      String x = placeholder("input", 1, 28, 28, 1);
      x = relu(batchNorm(conv(x, 5, 1, 8, 1, "SAME"), 1f));
      x = maxPool(x, 2, 2, "VALID");
      x = relu(biasAdd(conv(x, 5, 8, 16, 1, "SAME"), 16));
      x = maxPool(x, 2, 2, "VALID");
      x = reshape(x, -1, 7 * 7 * 16);
      x = relu(dense(x, 7 * 7 * 16, 64));
      dense(x, 64, 10, "logits");
    }

    void squeezenet() {
      String x = placeholder("data", 1, 224, 224, 3);
      x = relu(biasAdd(conv(x, 3, 3, 64, 2, "VALID"), 64));
      x = maxPool(x, 3, 2, "VALID");
      x = fire(x, 64, 16, 64);
      x = fire(x, 128, 16, 64);
      x = maxPool(x, 3, 2, "VALID");
      x = fire(x, 128, 32, 128);
      x = fire(x, 256, 32, 128);
      x = maxPool(x, 3, 2, "VALID");
      x = fire(x, 256, 48, 192);
      x = fire(x, 384, 48, 192);
      x = fire(x, 384, 64, 256);
      x = fire(x, 512, 64, 256);
      x = relu(biasAdd(conv(x, 1, 512, 1000, 1, "VALID"), 1000));
      x = mean(x);
      softmax(x);
    }

    String fire(String x, int in, int squeeze, int expand) {
      String s = relu(biasAdd(conv(x, 1, in, squeeze, 1, "VALID"), squeeze));
      String e1 = relu(biasAdd(conv(s, 1, squeeze, expand, 1, "VALID"), expand));
      String e3 = relu(biasAdd(conv(s, 3, squeeze, expand, 1, "SAME"), expand));
      return concat(3, e1, e3);
    }

    void resnet50() {
      String x = placeholder("input", 1, 224, 224, 3);
      x = relu(batchNorm(conv(x, 7, 3, 64, 2, "SAME"), 1f));
      x = maxPool(x, 3, 2, "SAME");
      int[][] stages = {{64, 256, 3, 1}, {128, 512, 4, 2}, {256, 1024, 6, 2}, {512, 2048, 3, 2}};
      int channels = 64;
      for (int[] st : stages) {
        for (int i = 0; i < st[2]; i++) {
          x = bottleneck(x, channels, st[0], st[1], i == 0 ? st[3] : 1, i == 0);
          channels = st[1];
        }
      }
      x = mean(x);
      x = dense(x, 2048, 1000);
      softmax(x);
    }

    String bottleneck(String x, int in, int mid, int out, int stride, boolean project) {
      String shortcut = project ? batchNorm(conv(x, 1, in, out, stride, "VALID"), 1f) : x;
      // v1.5 (TensorFlow's official ResNet-50): the stride sits on the 3x3 convolution
      String y = relu(batchNorm(conv(x, 1, in, mid, 1, "VALID"), 1f));
      y = relu(batchNorm(conv(y, 3, mid, mid, stride, "SAME"), 1f));
      // a small last gamma keeps the residual stream's scale steady over 16 blocks
      y = batchNorm(conv(y, 1, mid, out, 1, "VALID"), 0.25f);
      return relu(add(y, shortcut));
    }

    void densenet121() {
      String x = placeholder("input", 1, 224, 224, 3);
      x = relu(batchNorm(conv(x, 7, 3, 64, 2, "SAME"), 1f));
      x = maxPool(x, 3, 2, "SAME");
      int channels = 64;
      int[] blocks = {6, 12, 24, 16};
      for (int bi = 0; bi < blocks.length; bi++) {
        for (int l = 0; l < blocks[bi]; l++) {
          String y = relu(batchNorm(x, 1f));
          y = conv(y, 1, channels, 128, 1, "VALID");
          y = relu(batchNorm(y, 1f));
          y = conv(y, 3, 128, 32, 1, "SAME");
          x = concat(3, x, y);
          channels += 32;
        }
        if (bi < blocks.length - 1) {
          x = relu(batchNorm(x, 1f));
          x = conv(x, 1, channels, channels / 2, 1, "VALID");
          channels /= 2;
          x = avgPool(x, 2, 2, "VALID");
        }
      }
      x = relu(batchNorm(x, 1f));
      x = mean(x);
      x = dense(x, channels, 1000);
      softmax(x);
    }
  }
}
