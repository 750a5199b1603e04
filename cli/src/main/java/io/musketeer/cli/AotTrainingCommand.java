package io.musketeer.cli;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.importer.ImportOptions;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.mpc.runtime.InProcessRun;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * The launcher's training run for the JVM's ahead-of-time cache (JEP 483/514/515): the code a party
 * runs (model generation, import, compilation, the executor, both comparison protocols, the kernels),
 * exercised in one JVM on the built-in demo model, three parties on threads. The launcher runs it once
 * with {@code -XX:AOTCacheOutput} and starts later JVMs, the parties of {@code local} and {@code bench}
 * included, with the cache: classes come loaded and linked and methods come with profiles, so the JIT
 * compiles the hot loops sooner. Not for users: hidden from the help.
 */
@Command(name = "aot-training", hidden = true, mixinStandardHelpOptions = true, description = "Training run for the launcher's ahead-of-time JVM cache.")
final class AotTrainingCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    for (int round = 0; round < 3; round++) {
      Graph g = Models.load("builtin:demo", ImportOptions.defaults().withBatchSize(1));
      Op.Input in = InferCommand.singleInput(g);
      FloatTensor x = DemoCommand.syntheticInput(in);
      Program p = Compiler.compile(g, Compiler.DEFAULT_SCALE);
      FixedPointInterpreter.execute(p, Map.of(in.name(), x));
      for (String protocol : new String[] {"fast", "porthos"}) InProcessRun.run(p, protocol, Map.of(in.name(), x));
    }
    return 0;
  }
}
