package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.importer.ImportOptions;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.GraphStats;
import io.musketeer.ir.Op;
import io.musketeer.testkit.SharedModels;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The ONNX model zoo's ResNet-50, DenseNet-121 and SqueezeNet graphs (weights replaced by constants):
 * they import with the cost of the real networks and run in fixed point as in float. Their secure
 * runs are benchmarks (BENCHMARKS.md, {@code musketeer bench}).
 */
class LightModelsTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource({
      // model, GMAC (the networks' published cost), thousands of secure comparisons (ReLU elements and max-pool steps)
      "light_resnet50, 4.09, 10612",
      "light_densenet121, 2.83, 16671",
      "light_squeezenet, 0.35, 4636",
  })
  void importsAndRunsInFixedPointAsInFloat(String name, double gmac, long kiloComparisons) {
    Graph g = Models.load(SharedModels.require("imagenet/" + name + ".onnx").toString(), ImportOptions.defaults());
    Graph opt = Compiler.optimize(g);
    System.out.printf("%s: %d nodes (%d optimized), %.3f GMAC, %,d secure comparisons%n", name, g.size(), opt.size(),
        GraphStats.totalMacs(opt) / 1e9, GraphStats.totalComparisons(opt));
    assertEquals(gmac, GraphStats.totalMacs(opt) / 1e9, 0.02 * gmac, "multiply-accumulates of the real network");
    assertEquals(kiloComparisons, GraphStats.totalComparisons(opt) / 1000.0, 0.01 * kiloComparisons);
    Op.Input in = InferCommand.singleInput(g);
    assertEquals(Op.Layout.NCHW, in.layout());
    FloatTensor x = DemoCommand.syntheticInput(in);
    float[] f = FloatInterpreter.run(g, Map.of(in.name(), x)).get(0).data();
    // with every weight 0.02 the residual sums grow layer by layer (to about 1e12 in ResNet-50): the
    // scale comes down until the 64-bit ring holds them, which the range check reports otherwise
    float[] q = null;
    int scale = Compiler.DEFAULT_SCALE;
    for (; q == null; scale--) {
      try {
        q = FixedPointInterpreter.run(Compiler.compile(g, scale), Map.of(in.name(), x)).get(0).data();
      } catch (io.musketeer.interp.FixedPointOverflowException e) {
        assertTrue(scale > 4, name + " overflows even at scale " + scale + ": " + e.getMessage());
      }
    }
    System.out.printf("%s: fixed point at scale %d%n", name, scale + 1);
    assertEquals(f.length, q.length);
    double largest = 0, worst = 0;
    for (float v : f) largest = Math.max(largest, Math.abs(v));
    for (int i = 0; i < f.length; i++) worst = Math.max(worst, Math.abs(f[i] - q[i]));
    assertTrue(worst <= 1e-2 * Math.max(1, largest), name + ": fixed point differs from float by " + worst + " (outputs up to " + largest + ")");
  }
}
