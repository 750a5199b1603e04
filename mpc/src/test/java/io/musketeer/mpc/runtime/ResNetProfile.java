package io.musketeer.mpc.runtime;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/** Manual profiling main: ResNet50-shaped IR graph, in-process secure run, time by op kind. */
public final class ResNetProfile {
  static final Random RNG = new Random(1);
  static Graph.Builder b;

  static int conv(int x, int k, int co, int stride, boolean relu) {
    Shape s = b.shape(x);
    int ci = s.dim(3);
    float[] w = new float[k * k * ci * co];
    double sd = Math.sqrt(2.0 / (k * k * ci));
    for (int i = 0; i < w.length; i++) w[i] = (float) (RNG.nextGaussian() * sd);
    int wi = b.add("w", new Op.Constant(new FloatTensor(Shape.of(k, k, ci, co), w), false));
    int pad = k / 2;
    int outH = (s.dim(1) + stride - 1) / stride;
    int total = Math.max(0, (outH - 1) * stride + k - s.dim(1));
    int c = b.add("conv", new Op.Conv2D(stride, stride, total / 2, total - total / 2, total / 2, total - total / 2, 1), x, wi);
    int bias = b.add("b", new Op.Constant(new FloatTensor(Shape.of(co), new float[co]), false));
    int a = b.add("add", new Op.Add(), c, bias);
    return relu ? b.add("relu", new Op.Relu(), a) : a;
  }

  static int block(int x, int mid, int out, int stride, boolean project) {
    int sc = project ? conv(x, 1, out, stride, false) : x;
    int y = conv(x, 1, mid, stride, true);
    y = conv(y, 3, mid, 1, true);
    y = conv(y, 1, out, 1, false);
    return b.add("relu", new Op.Relu(), b.add("res", new Op.Add(), y, sc));
  }

  public static void main(String[] args) {
    b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 224, 224, 3)));
    int y = conv(x, 7, 64, 2, true);
    y = b.add("pool", new Op.MaxPool(new Op.Window(3, 3, 2, 2, 0, 1, 0, 1)), y);
    int[][] stages = {{64, 256, 3, 1}, {128, 512, 4, 2}, {256, 1024, 6, 2}, {512, 2048, 3, 2}};
    for (int[] st : stages) {
      for (int i = 0; i < st[2]; i++) y = block(y, st[0], st[1], i == 0 ? st[3] : 1, i == 0);
    }
    y = b.add("gap", new Op.ReduceMean(new int[] {1, 2}, false), y);
    float[] fw = new float[2048 * 1000];
    for (int i = 0; i < fw.length; i++) fw[i] = (float) (RNG.nextGaussian() * 0.02);
    int fc = b.add("fc", new Op.MatMul(), y, b.add("fcw", new Op.Constant(new FloatTensor(Shape.of(2048, 1000), fw), false)));
    Graph g = b.build(fc);
    Program p = Compiler.compile(g, 12);
    float[] in = new float[224 * 224 * 3];
    for (int i = 0; i < in.length; i++) in[i] = RNG.nextFloat();
    for (int run = 0; run < (args.length > 0 ? Integer.parseInt(args[0]) : 1); run++) {
      long t0 = System.nanoTime();
      InProcessRun.Result r = InProcessRun.run(p, "porthos", Map.of("x", new FloatTensor(Shape.of(1, 224, 224, 3), in)));
      double wall = (System.nanoTime() - t0) / 1e9;
      long bytes = 0;
      for (Party party : Party.values()) bytes += r.reports().get(party).bytesSent();
      System.out.printf("wall %.2f s, traffic %.3f GB%n", wall, bytes / 1e9);
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
