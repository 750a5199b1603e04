package io.musketeer.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.importer.ImportOptions;
import io.musketeer.importer.tf.SavedModelImporter;
import io.musketeer.importer.tf.SavedModels;
import io.musketeer.importer.tf.TfImporter;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.testkit.SharedModels;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trained MNIST MLP as a Keras-style TF2 SavedModel: its frozen graph's constants become variables
 * of a TF Java graph whose network lives in the function library, exported with a Keras checkpoint.
 * Imported, it must score what the frozen graph scores (89.89%) on all 10,000 test images, and fixed
 * point must agree with float.
 */
class MnistSavedModelTest {
  @TempDir Path dir;

  @Test
  void savedModelScoresWhatTheFrozenGraphScores() throws Exception {
    Path pb = SharedModels.require("mnist/mnist-mlp.pb");
    SharedModels.require("mnist/t10k-labels-idx1-ubyte.gz");
    Mnist mnist = Mnist.load(SharedModels.require("mnist/t10k-images-idx3-ubyte.gz").getParent());
    Path model = dir.resolve("mnist_savedmodel");
    SavedModels.mnistMlp(pb, model);

    int batch = 1000;
    Graph saved = SavedModelImporter.load(model, SavedModelImporter.DEFAULT_SIGNATURE, ImportOptions.defaults().withBatchSize(batch));
    Graph frozen = TfImporter.load(pb, ImportOptions.defaults().withBatchSize(batch));
    assertEquals("images", ((Op.Input) saved.node(saved.inputs()[0]).op()).name());
    Program p = Compiler.compile(saved, 12);
    int correct = 0, frozenCorrect = 0, agree = 0, n = mnist.count();
    for (int from = 0; from < n; from += batch) {
      FloatTensor x = new FloatTensor(Shape.of(batch, 784), mnist.images(from, batch));
      float[] f = FloatInterpreter.run(saved, Map.of("images", x)).get(0).data();
      float[] ref = FloatInterpreter.run(frozen, Map.of("Placeholder", x)).get(0).data();
      float[] q = FixedPointInterpreter.run(p, Map.of("images", x)).get(0).data();
      for (int i = 0; i < batch; i++) {
        int label = mnist.label(from + i), tf = argmax(f, i * 10);
        if (tf == label) correct++;
        if (argmax(ref, i * 10) == label) frozenCorrect++;
        if (argmax(q, i * 10) == tf) agree++;
      }
    }
    double acc = 100.0 * correct / n, agreement = 100.0 * agree / n;
    System.out.printf("MNIST MLP as a Keras-style SavedModel: float accuracy %.2f%% (frozen graph %.2f%%), fixed point (scale 12) agrees on %.2f%%%n",
        acc, 100.0 * frozenCorrect / n, agreement);
    assertEquals(frozenCorrect, correct, "the SavedModel and the frozen graph score alike");
    assertEquals(89.89, acc, 0.05, "TensorFlow itself scores 89.89%");
    assertTrue(agreement >= 99.9, "fixed point agrees with float on " + agreement + "%");
  }

  private static int argmax(float[] v, int off) {
    int best = 0;
    for (int c = 1; c < 10; c++) if (v[off + c] > v[off + best]) best = c;
    return best;
  }
}
