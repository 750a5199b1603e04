package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.importer.tf.ImportOptions;
import io.musketeer.importer.tf.TfImporter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.models.Mnist;
import io.musketeer.testkit.SharedModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `musketeer local` on the trained MNIST MLP: three real processes agree with the float top-1. */
class MnistLocalTest {
  @TempDir Path dir;

  @Test
  void localRunOnTwentyImages() {
    Path model = SharedModels.require("mnist/mnist-mlp.pb");
    Mnist mnist = Mnist.load(SharedModels.require("mnist/t10k-images-idx3-ubyte.gz").getParent());
    int n = 20;
    FloatTensor x = new FloatTensor(Shape.of(n, 784), mnist.images(0, n));
    Path input = dir.resolve("x.npy"), output = dir.resolve("out.npy");
    Npy.write(input, x);
    LocalRun.Summary s = LocalRun.execute(model.toString(), input, 12, "porthos", output, List.of("--batch", "" + n), List.of(), false, false);
    Graph g = TfImporter.load(model, ImportOptions.defaults().withBatchSize(n));
    int[] expected = TopK.top1(FloatInterpreter.run(g, Map.of("Placeholder", x)).get(0));
    int[] secure = TopK.top1(Npy.read(output));
    for (int i = 0; i < n; i++) assertEquals(expected[i], secure[i], "image " + i);
    assertEquals(3, s.parties().size());
  }
}
