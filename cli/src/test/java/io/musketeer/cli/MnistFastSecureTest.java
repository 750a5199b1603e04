package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import io.musketeer.mpc.testkit.ThreeParty;
import io.musketeer.mpc.testkit.ThreeParty.Net;
import io.musketeer.testkit.SharedModels;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The trained TensorFlow MLP under the fast protocol on the first 1,000 MNIST test images: every
 * truncation is fused into a ReLU or revealed, so both are exact, and the secure logits equal the
 * cleartext fixed-point ones bit for bit; the secure top-1 equals the float top-1.
 */
class MnistFastSecureTest {
  @Test
  void secureEqualsFixedPointOnFirstThousandImages() {
    Mnist mnist = Mnist.load(SharedModels.require("mnist/t10k-images-idx3-ubyte.gz").getParent());
    SharedModels.require("mnist/t10k-labels-idx1-ubyte.gz");
    int batch = 250, images = 1000;
    Graph g = TfImporter.load(SharedModels.require("mnist/mnist-mlp.pb"), ImportOptions.defaults().withBatchSize(batch));
    Program p = Compiler.compile(g, 12);
    int agree = 0;
    for (int from = 0; from < images; from += batch) {
      Map<String, FloatTensor> in = Map.of("Placeholder", new FloatTensor(Shape.of(batch, 784), mnist.images(from, batch)));
      float[] f = FloatInterpreter.run(g, in).get(0).data();
      float[] q = FixedPointInterpreter.run(p, in).get(0).data();
      float[] s = ThreeParty.program(p, "fast", in, Net.MEMORY).outputs().get(0).data();
      assertArrayEquals(q, s, "secure logits of images " + from + ".." + (from + batch - 1) + " equal the fixed-point ones");
      for (int i = 0; i < batch; i++) if (argmax(f, i * 10) == argmax(s, i * 10)) agree++;
    }
    System.out.printf("MNIST MLP secure (fast): top-1 agrees with float on %d/%d; logits equal the fixed-point emulation%n", agree, images);
    assertTrue(agree >= 999, "secure top-1 agrees with float on " + agree + "/1000");
  }

  private static int argmax(float[] v, int off) {
    int best = 0;
    for (int c = 1; c < 10; c++) if (v[off + c] > v[off + best]) best = c;
    return best;
  }
}
