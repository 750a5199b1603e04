package io.musketeer.cli;

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
 * The trained TensorFlow MLP run securely (three parties, in-memory network) on the first 1,000 MNIST
 * test images: the logits equal the cleartext fixed-point ones up to local-truncation rounding, and the
 * top-1 equals the float top-1.
 */
class MnistSecureTest {
  @Test
  void secureMatchesCleartextOnFirstThousandImages() {
    Mnist mnist = Mnist.load(SharedModels.require("mnist/t10k-images-idx3-ubyte.gz").getParent());
    SharedModels.require("mnist/t10k-labels-idx1-ubyte.gz");
    int batch = 250, images = 1000;
    Graph g = TfImporter.load(SharedModels.require("mnist/mnist-mlp.pb"), ImportOptions.defaults().withBatchSize(batch));
    Program p = Compiler.compile(g, 12);
    int agree = 0;
    double worst = 0;
    for (int from = 0; from < images; from += batch) {
      Map<String, FloatTensor> in = Map.of("Placeholder", new FloatTensor(Shape.of(batch, 784), mnist.images(from, batch)));
      float[] f = FloatInterpreter.run(g, in).get(0).data();
      float[] q = FixedPointInterpreter.run(p, in).get(0).data();
      float[] s = ThreeParty.program(p, "porthos", in, Net.MEMORY).outputs().get(0).data();
      for (int i = 0; i < s.length; i++) worst = Math.max(worst, Math.abs(s[i] - q[i]));
      for (int i = 0; i < batch; i++) if (argmax(f, i * 10) == argmax(s, i * 10)) agree++;
    }
    double ulp = 1.0 / 4096;
    double bound = truncationBound(p);
    System.out.printf("MNIST MLP secure: top-1 agrees with float on %d/%d; largest |secure - fixed| = %.0f ulp (bound %.1f ulp)%n",
        agree, images, worst / ulp, bound);
    assertTrue(worst <= bound * ulp, "secure logits differ from the cleartext fixed-point ones by " + worst / ulp + " ulp");
    assertTrue(agree >= 999, "secure top-1 agrees with float on " + agree + "/1000");
  }

  /**
   * Each local truncation rounds the other way by at most one ulp; a layer passes its input error on
   * amplified by at most its largest column sum of |W| (ReLU does not amplify). Summed over the layers.
   */
  static double truncationBound(Program p) {
    double err = 0;
    for (int i = 0; i < p.graph().size(); i++) {
      var n = p.graph().node(i);
      if (n.op() instanceof io.musketeer.ir.Op.MatMul) {
        var w = ((io.musketeer.ir.Op.Constant) p.graph().node(n.input(1)).op()).value();
        int k = w.shape().dim(0), cols = w.shape().dim(1);
        double maxCol = 0;
        for (int c = 0; c < cols; c++) {
          double sum = 0;
          for (int r = 0; r < k; r++) sum += Math.abs(w.data()[r * cols + c]);
          maxCol = Math.max(maxCol, sum);
        }
        err = err * maxCol;
      }
      if (n.op() instanceof io.musketeer.ir.Op.Truncate) err += 1;
    }
    return err;
  }

  private static int argmax(float[] v, int off) {
    int best = 0;
    for (int c = 1; c < 10; c++) if (v[off + c] > v[off + best]) best = c;
    return best;
  }
}
