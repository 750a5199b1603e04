package io.musketeer.bench;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.importer.ImportOptions;
import io.musketeer.importer.tf.TfImporter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.models.SyntheticModels;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.runtime.InProcessRun;
import io.musketeer.mpc.runtime.PartyReport;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Manual profiling main (not a test): a built-in network run securely in one JVM over the in-memory
 * network, printing wall time, traffic, flights and time by op kind per party. Arguments: model name
 * (default resnet50), number of runs (default 2; the first warms the JIT) and protocol (default porthos).
 */
public final class ResNetProfile {
  public static void main(String[] args) {
    String name = args.length > 0 ? args[0] : "resnet50";
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    String protocol = args.length > 2 ? args[2] : "porthos";
    Graph g = TfImporter.fromGraphDef(SyntheticModels.build(name, 1), ImportOptions.defaults());
    Program p = Compiler.compile(g, 12);
    Op.Input in = (Op.Input) g.node(g.inputs()[0]).op();
    float[] x = new float[in.shape().size()];
    SplittableRandom rng = new SplittableRandom(1);
    for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextDouble();
    for (int run = 0; run < runs; run++) {
      long t0 = System.nanoTime();
      InProcessRun.Result r = InProcessRun.run(p, protocol, Map.of(in.name(), new FloatTensor(in.shape(), x)));
      double wall = (System.nanoTime() - t0) / 1e9;
      long bytes = 0, offline = 0, rounds = 0;
      for (Party party : Party.values()) {
        PartyReport rep = r.reports().get(party);
        bytes += rep.bytesSent();
        offline += rep.offlineBytesSent();
        rounds = Math.max(rounds, rep.rounds());
      }
      System.out.printf("%s (%s): wall %.2f s, traffic %.3f GB (%.3f offline), %d flights%n", name, protocol, wall, bytes / 1e9, offline / 1e9, rounds);
      for (Party party : Party.values()) {
        TreeMap<String, double[]> byOp = new TreeMap<>();
        for (PartyReport.Layer l : r.reports().get(party).layers()) {
          double[] acc = byOp.computeIfAbsent(l.op(), k -> new double[2]);
          acc[0] += l.seconds();
          acc[1] += l.bytesSent();
        }
        StringBuilder sb = new StringBuilder(party + ":");
        byOp.forEach((k, v) -> sb.append(String.format(" %s=%.2fs/%.0fMB", k, v[0], v[1] / 1e6)));
        System.out.println(sb);
      }
    }
  }
}
