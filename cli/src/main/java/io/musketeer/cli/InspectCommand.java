package io.musketeer.cli;

import io.musketeer.compiler.Compiler;
import io.musketeer.ir.Graph;
import io.musketeer.ir.GraphStats;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.programfile.ProgramFile;
import io.musketeer.ir.ProgramHash;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Print a model's ops, shapes, parameters, MACs and comparisons.")
final class InspectCommand implements Callable<Integer> {
  @Mixin ModelOptions model;

  @Option(names = "--optimized", description = "Show the graph after BatchNorm and constant folding.")
  boolean optimized;

  @Override
  public Integer call() {
    if (model.isProgram()) return inspectProgram();
    Graph g = model.load(Models.Use.STRUCTURE); // shapes only
    if (optimized) g = Compiler.optimize(g);
    var out = System.out;
    out.printf(Locale.ROOT, "%-5s %-40s %-58s %-22s %14s%n", "#", "node", "op", "shape", "MACs");
    for (int i = 0; i < g.size(); i++) {
      Node n = g.node(i);
      long macs = GraphStats.macs(g, i);
      out.printf(Locale.ROOT, "%-5d %-40s %-58s %-22s %14s%n", i, shorten(n.name(), 40), shorten(ProgramHash.describe(n.op()), 58),
          n.shape(), macs == 0 ? "" : String.format(Locale.ROOT, "%,d", macs));
    }
    long inputs = 0;
    for (Node n : g.nodes()) if (n.op() instanceof Op.Input) inputs++;
    out.printf(Locale.ROOT, "%nnodes: %d   inputs: %d   outputs: %d%n", g.size(), inputs, g.outputs().length);
    out.printf(Locale.ROOT, "parameters: %,d%n", GraphStats.parameters(g));
    out.printf(Locale.ROOT, "MACs: %,d (%.3f G)%n", GraphStats.totalMacs(g), GraphStats.totalMacs(g) / 1e9);
    out.printf(Locale.ROOT, "secure comparisons (ReLU elements, max-pool and argmax steps): %,d%n", GraphStats.totalComparisons(g));
    return 0;
  }

  /** A compiled program: every node with its scale and bound, the totals, and what compile recorded. */
  private int inspectProgram() {
    ProgramFile.Loaded loaded = ProgramFile.read(java.nio.file.Path.of(model.model), false);
    Program p = loaded.program();
    Graph g = p.graph();
    var out = System.out;
    out.printf(Locale.ROOT, "%-5s %-40s %-50s %-20s %5s %5s %14s%n", "#", "node", "op", "shape", "scale", "k", "MACs");
    for (int i = 0; i < g.size(); i++) {
      Node n = g.node(i);
      long macs = GraphStats.macs(g, i);
      out.printf(Locale.ROOT, "%-5d %-40s %-50s %-20s %5d %5s %14s%n", i, shorten(n.name(), 40), shorten(ProgramHash.describe(n.op()), 50),
          n.shape(), p.scale(i), p.bound(i) == Program.UNBOUNDED ? "-" : Integer.toString(p.bound(i)),
          macs == 0 ? "" : String.format(Locale.ROOT, "%,d", macs));
    }
    out.printf(Locale.ROOT, "%nprogram %s: scale %d, %d nodes, %d outputs%s; hash %s%n", model.model, p.fracBits(), g.size(), g.outputs().length,
        p.softmaxOutput() ? " (softmax by the client)" : "", loaded.hash());
    out.printf(Locale.ROOT, "parameters: %,d%n", GraphStats.parameters(g));
    out.printf(Locale.ROOT, "MACs: %,d (%.3f G)%n", GraphStats.totalMacs(g), GraphStats.totalMacs(g) / 1e9);
    out.printf(Locale.ROOT, "secure comparisons (ReLU elements, max-pool and argmax steps): %,d%n", GraphStats.totalComparisons(g));
    for (var e : new java.util.TreeMap<>(loaded.info()).entrySet()) {
      String v = e.getValue();
      out.println(e.getKey() + ":" + (v.contains("\n") ? "\n" + v.stripTrailing() : " " + v));
    }
    return 0;
  }

  private static String shorten(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "~";
  }
}
