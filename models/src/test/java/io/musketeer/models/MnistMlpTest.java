package io.musketeer.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.importer.ImportOptions;
import io.musketeer.importer.tf.TfImporter;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Program;
import io.musketeer.models.Mnist;
import io.musketeer.testkit.SharedModels;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The trained TensorFlow MLP on all 10,000 MNIST test images: float accuracy and fixed-point agreement. */
class MnistMlpTest {
  @Test
  void floatAccuracyMatchesTensorFlowAndFixedPointAgrees() {
    SharedModels.require("mnist/t10k-labels-idx1-ubyte.gz");
    Mnist mnist = Mnist.load(SharedModels.require("mnist/t10k-images-idx3-ubyte.gz").getParent());
    int batch = 1000;
    Graph g = TfImporter.load(SharedModels.require("mnist/mnist-mlp.pb"), ImportOptions.defaults().withBatchSize(batch));
    assertEquals(Shape.of(batch, 784), g.node(g.inputs()[0]).shape());
    Program p = Compiler.compile(g, 12);
    int correct = 0, agree = 0, n = mnist.count();
    for (int from = 0; from < n; from += batch) {
      Map<String, FloatTensor> in = Map.of("Placeholder", new FloatTensor(Shape.of(batch, 784), mnist.images(from, batch)));
      float[] f = FloatInterpreter.run(g, in).get(0).data();
      float[] q = FixedPointInterpreter.run(p, in).get(0).data();
      for (int i = 0; i < batch; i++) {
        int tf = argmax(f, i * 10), fx = argmax(q, i * 10);
        if (tf == mnist.label(from + i)) correct++;
        if (tf == fx) agree++;
      }
    }
    double acc = 100.0 * correct / n, agreement = 100.0 * agree / n;
    System.out.printf("MNIST MLP: float accuracy %.2f%%, fixed-point (scale 12) top-1 agreement %.2f%%%n", acc, agreement);
    assertEquals(89.89, acc, 0.05, "TensorFlow itself scores 89.89%");
    assertTrue(agreement >= 99.9, "fixed point agrees with float on " + agreement + "%");
  }

  private static int argmax(float[] v, int off) {
    int best = 0;
    for (int c = 1; c < 10; c++) if (v[off + c] > v[off + best]) best = c;
    return best;
  }
}
