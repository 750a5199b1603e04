package io.musketeer.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.compiler.Compiler;
import io.musketeer.importer.ImportOptions;
import io.musketeer.importer.tf.TfImporter;
import io.musketeer.ir.Program;
import io.musketeer.ir.ProgramHash;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;

/** The weight-free built-in models (client and helper) compile to the server's program and hash, and hold no weights. */
class WeightFreeModelsTest {
  @ParameterizedTest
  @ValueSource(strings = {"demo", "squeezenet", "resnet50", "densenet121"})
  void sameProgramWithoutWeights(String name) {
    GraphDef full = SyntheticModels.build(name, 11), free = SyntheticModels.build(name, 11, false);
    assertEquals(full.getNodeCount(), free.getNodeCount());
    long weights = 0;
    for (NodeDef n : free.getNodeList()) {
      if (!n.getOp().equals("Const")) continue;
      TensorProto t = n.getAttrOrThrow("value").getTensor();
      if (t.getDtype() != DataType.DT_FLOAT) continue;
      assertTrue(t.getTensorContent().isEmpty() && t.getFloatValCount() == 1 && t.getFloatVal(0) == 1f, n.getName() + " holds values");
      weights++;
    }
    assertTrue(weights > 0);
    Program server = Compiler.compile(TfImporter.fromGraphDef(full, ImportOptions.defaults()), 12);
    Program others = Compiler.compile(TfImporter.fromGraphDef(free, ImportOptions.defaults()), 12);
    assertEquals(ProgramHash.of(server, "porthos"), ProgramHash.of(others, "porthos"));
  }
}
