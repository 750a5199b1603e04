package io.musketeer.importer.tf;

import io.musketeer.importer.ImportOptions;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.musketeer.MusketeerException;
import org.tensorflow.proto.GraphDef;

/**
 * The TensorFlow GraphDef importer on arbitrary bytes (parsed by TensorFlow's own protobuf classes):
 * a graph or one clear {@link MusketeerException}, never another exception. Regression inputs in
 * {@code TfImporterFuzzTestInputs} include small real graphs for the fuzzer to mutate.
 */
class TfImporterFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void importGraph(byte[] bytes) {
    GraphDef def;
    try {
      def = GraphDef.parseFrom(bytes);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return; // not a protobuf: TfImporter.read reports that as a clear error (tested in BadModelsTest)
    }
    try {
      TfImporter.fromGraphDef(def, ImportOptions.defaults());
    } catch (MusketeerException e) {
      if (e.getMessage().contains("\n")) throw new AssertionError(e.getMessage());
    }
  }
}
