package io.musketeer.importer;

import io.musketeer.importer.onnx.OnnxImporter;
import io.musketeer.importer.tf.TfImporter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The op-coverage table of docs/OPS.md, generated from the importers' own op tables: TensorFlow and
 * ONNX ops side by side, grouped by what they become in the IR. {@code main} writes the file; a test
 * fails when the committed file differs.
 */
public final class OpCoverage {
  private OpCoverage() {}

  public static String markdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("# Supported ops\n\n");
    sb.append("Generated from the importers' op tables by `io.musketeer.importer.OpCoverage` (do not edit by hand; `OpCoverageTest` fails when\n");
    sb.append("this file is stale and says how to regenerate it). An op outside these tables is refused at import with its name, its node and\n");
    sb.append("this list. ONNX models of opsets ").append(OnnxImporter.MIN_OPSET).append(" to ").append(OnnxImporter.MAX_OPSET)
        .append(" are taken, in the attribute and input forms of each opset.\n\n");
    sb.append("| IR lowering | TensorFlow (GraphDef, SavedModel) | ONNX | how |\n");
    sb.append("|---|---|---|---|\n");
    Map<String, OpKind> tf = TfImporter.opKinds(), onnx = OnnxImporter.opKinds();
    for (OpKind k : OpKind.values()) {
      sb.append("| ").append(k.title()).append(" | ").append(names(tf, k)).append(" | ").append(names(onnx, k)).append(" | ").append(k.lowering()).append(" |\n");
    }
    sb.append("\n").append(tf.size()).append(" TensorFlow op types, ").append(onnx.size()).append(" ONNX op types.\n");
    return sb.toString();
  }

  private static String names(Map<String, OpKind> table, OpKind k) {
    String s = table.entrySet().stream().filter(e -> e.getValue() == k).map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new))
        .stream().collect(Collectors.joining(", "));
    return s.isEmpty() ? "–" : s;
  }

  /** Writes the table to the given file (default docs/OPS.md of the working directory). */
  public static void main(String[] args) throws IOException {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/OPS.md");
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, markdown(), StandardCharsets.UTF_8);
    System.out.println("wrote " + out);
  }
}
