package io.musketeer.cli;

import io.musketeer.compiler.Compiler;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.attest.CodeMeasurement;
import io.musketeer.mpc.attest.Measurement;
import io.musketeer.mpc.runtime.SecureParty;
import java.util.concurrent.Callable;
import io.musketeer.mpc.runtime.Protocols;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "measure", mixinStandardHelpOptions = true, description = {
    "Print this build's measurements for a model in malicious mode: the lines of an attestation policy that the parties' evidence must match.",
    "The measurement covers the code (the Java runtime and every jar this build runs), the role, the program (model structure, shapes, scale) "
        + "and the protocol with its parameters. Run it with the same build, model, scale, batch and protocol as the parties."})
final class MeasureCommand implements Callable<Integer> {
  @Mixin ModelOptions model;
  @Mixin ComparisonBatchOption comparisonBatch;

  @Option(names = "--protocol", defaultValue = Protocols.DEFAULT, description = "Comparison protocol (default: ${DEFAULT-VALUE}).")
  String protocol;

  @Option(names = "--role", description = "Print only this role's line (server, client or helper).")
  String role;

  @Override
  public Integer call() {
    RunCommand.checkProtocol(protocol);
    comparisonBatch.check();
    Party only = null;
    if (role != null) {
      try {
        only = Party.parse(role);
      } catch (IllegalArgumentException e) {
        throw new UsageError(e.getMessage());
      }
    }
    Program program = Compiler.compile(model.load(Models.Use.STRUCTURE), model.scale);
    int batch = comparisonBatch.value(protocol, program);
    Measurement any = SecureParty.measurement(Party.CLIENT, program, protocol, batch);
    System.out.println("# " + model.model + ", scale " + model.scale + ", batch " + model.batch + ", " + any.protocol());
    System.out.println("# code " + CodeMeasurement.current() + ", program sha256:" + any.programHash());
    for (Party p : Party.values()) {
      if (only != null && p != only) continue;
      System.out.println("measurement." + p.label() + " = " + SecureParty.measurement(p, program, protocol, batch).digest());
    }
    return 0;
  }
}
