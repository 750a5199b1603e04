package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.importer.ImportOptions;
import io.musketeer.importer.onnx.OnnxImporter;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.models.Mnist;
import io.musketeer.mpc.testkit.ThreeParty;
import io.musketeer.mpc.testkit.ThreeParty.Net;
import io.musketeer.testkit.SharedModels;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The trained ONNX models at hand: the MNIST CNN (ONNX model zoo mnist-8) on the whole test set in
 * float and fixed point and on the first 1,000 images securely; SqueezeNet 1.1 (fp16 weights, opset 7)
 * on the kitten in float and fixed point (the three-process run is in {@link OnnxCliTest}).
 */
class OnnxModelsTest {

  @Test
  void mnistCnnMatchesOnnxRuntimesAccuracyInFloatFixedPointAndSecurely() {
    Mnist mnist = Mnist.load(SharedModels.require("mnist/" + Mnist.IMAGES).getParent());
    SharedModels.require("mnist/" + Mnist.LABELS);
    Graph g = OnnxImporter.load(SharedModels.require("mnist/mnist-cnn.onnx"), ImportOptions.defaults());
    Op.Input in = (Op.Input) g.node(g.inputs()[0]).op();
    assertArrayEquals(new int[] {1, 1, 28, 28}, in.shape().dims(), "the model takes one image at a time");
    assertEquals(Op.Layout.NCHW, in.layout());
    Program p = Compiler.compile(g, Compiler.DEFAULT_SCALE);
    int n = mnist.count(), secureImages = 1000;
    int floatOk = 0, fixedAgree = 0, secureAgree = 0;
    for (int i = 0; i < n; i++) {
      Map<String, FloatTensor> x = Map.of(in.name(), new FloatTensor(in.shape(), mnist.images(i, 1)));
      int f = argmax(FloatInterpreter.run(g, x).get(0));
      if (f == mnist.label(i)) floatOk++;
      if (argmax(FixedPointInterpreter.run(p, x).get(0)) == f) fixedAgree++;
      if (i < secureImages && argmax(ThreeParty.program(p, "porthos", x, Net.MEMORY).outputs().get(0)) == f) secureAgree++;
    }
    System.out.printf("MNIST CNN (ONNX): float %.2f%% on %d; fixed point agrees with float on %.2f%%; secure on %.1f%% of the first %d%n",
        100.0 * floatOk / n, n, 100.0 * fixedAgree / n, 100.0 * secureAgree / secureImages, secureImages);
    assertEquals(98.90, 100.0 * floatOk / n, 0.05, "ONNX Runtime scores 98.90%");
    assertTrue(fixedAgree >= 0.999 * n, "fixed point agrees with float on " + fixedAgree + "/" + n);
    assertTrue(secureAgree >= 0.999 * secureImages, "secure agrees with float on " + secureAgree + "/" + secureImages);
  }

  @Test
  void squeezeNetClassifiesTheKittenInFloatAndFixedPoint() {
    Graph g = Models.load(SharedModels.require("imagenet/squeezenet1.1-fp16.onnx").toString(), ImportOptions.defaults());
    Op.Input in = (Op.Input) g.node(g.inputs()[0]).op();
    Preprocess bgr = new Preprocess("bgr", 255f, new float[0], new float[0], "auto", java.util.List.of());
    Map<String, FloatTensor> x = Map.of(in.name(), bgr.load(SharedModels.require("imagenet/kitten_224.png"), in));
    FloatTensor f = FloatInterpreter.run(g, x).get(0), q = FixedPointInterpreter.run(Compiler.compile(g, Compiler.DEFAULT_SCALE), x).get(0);
    assertEquals(281, argmax(f), "tabby cat in float");
    assertEquals(281, argmax(q), "tabby cat in fixed point");
    assertArrayEquals(top5(f), top5(q), "fixed point's top-5 is float's");
  }

  static int argmax(FloatTensor t) {
    return top5(t)[0];
  }

  static int[] top5(FloatTensor t) {
    Integer[] idx = new Integer[t.size()];
    for (int i = 0; i < idx.length; i++) idx[i] = i;
    java.util.Arrays.sort(idx, (a, b) -> Float.compare(t.data()[b], t.data()[a]));
    int[] out = new int[Math.min(5, idx.length)];
    for (int i = 0; i < out.length; i++) out[i] = idx[i];
    return out;
  }
}
