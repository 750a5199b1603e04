package io.musketeer.cli;

import io.musketeer.compiler.Compiler;
import io.musketeer.ir.Graph;
import io.musketeer.ir.GraphStats;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
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

  private static String shorten(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "~";
  }
}
