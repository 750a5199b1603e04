package io.musketeer.cli;

import io.musketeer.MusketeerException;
import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.importer.ImportOptions;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.runtime.InProcessRun;
import io.musketeer.programfile.ProgramFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * The launcher's training run for the JVM's ahead-of-time cache (JEP 483/514/515): the code a party
 * runs (model generation, import, compilation, the executor, both comparison protocols, the kernels),
 * exercised in one JVM on the built-in demo model, three parties on threads: first in memory, then
 * through the {@code run} command over loopback, with TLS and without. The launcher runs it once
 * with {@code -XX:AOTCacheOutput} and starts later JVMs, the parties of {@code local} and {@code bench}
 * included, with the cache: classes come loaded and linked and methods come with profiles, so the JIT
 * compiles the hot loops sooner. Not for users: hidden from the help.
 */
@Command(name = "aot-training", hidden = true, mixinStandardHelpOptions = true, description = "Training run for the launcher's ahead-of-time JVM cache.")
final class AotTrainingCommand implements Callable<Integer> {
  @Override
  public Integer call() throws Exception {
    Graph g = Models.load("builtin:demo", ImportOptions.defaults().withBatchSize(1));
    Op.Input in = InferCommand.singleInput(g);
    FloatTensor x = DemoCommand.syntheticInput(in);
    for (int round = 0; round < 3; round++) {
      Program p = Compiler.compile(Models.load("builtin:demo", ImportOptions.defaults().withBatchSize(1)), Compiler.DEFAULT_SCALE);
      FixedPointInterpreter.execute(p, Map.of(in.name(), x));
      for (String protocol : new String[] {"fast", "porthos"}) InProcessRun.run(p, protocol, Map.of(in.name(), x));
    }
    // what a party process does before and around the protocol: the command line, the peers file,
    // connecting (with TLS and without), the key agreement; with TLS from a program file (its manifest
    // and weights: gson and the program-file classes, otherwise loaded and verified in every party)
    try (WorkDir dir = WorkDir.create("musketeer-aot")) {
      Path input = dir.resolve("input.npy");
      Npy.write(input, x);
      Path programFile = dir.resolve("demo.mkp");
      ProgramFile.write(programFile, Compiler.compile(Models.load("builtin:demo", ImportOptions.defaults().withBatchSize(1)), Compiler.DEFAULT_SCALE),
          ProgramFile.Part.FULL, Map.of("calibration", "none: the launcher's training run"));
      for (boolean tls : new boolean[] {true, false}) {
        String model = tls ? programFile.toString() : "builtin:demo";
        Path peers = dir.resolve("peers-" + tls + ".conf");
        Map<Party, List<String>> keys = LocalRun.writePeers(dir.path(), peers, tls, null);
        List<Thread> parties = new ArrayList<>();
        int[] codes = new int[3];
        for (Party party : Party.values()) {
          List<String> args = new ArrayList<>(List.of("run", "--role", party.label(), "--model", model, "--peers", peers.toString()));
          args.addAll(tls ? keys.get(party) : List.of("--plaintext"));
          if (party == Party.CLIENT) args.addAll(List.of("--input", input.toString(), "--output", dir.resolve("output.npy").toString()));
          Thread t = new Thread(() -> codes[party.ordinal()] = Main.run(args.toArray(String[]::new)), "aot-" + party.label());
          t.start();
          parties.add(t);
        }
        for (Thread t : parties) t.join();
        for (int c : codes) if (c != 0) throw new MusketeerException("the training run's secure session failed (exit " + c + ")");
      }
    }
    return 0;
  }
}
