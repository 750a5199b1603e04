package io.musketeer.cli;

import io.musketeer.MusketeerException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The musketeer command. User errors end in one line on stderr and a non-zero exit; --verbose adds the trace. */
@Command(
    name = "musketeer",
    mixinStandardHelpOptions = true,
    version = "musketeer 0.1.0",
    description = "Secure three-party inference for trained neural networks (client, server, helper).",
    subcommands = {
      DemoCommand.class, InspectCommand.class, InferCommand.class, EvalCommand.class, CompileCommand.class,
      LocalCommand.class, RunCommand.class, BenchCommand.class, StripCommand.class, CommandLine.HelpCommand.class
    })
public final class Main {
  static final int EXIT_USER_ERROR = 1;
  static final int EXIT_USAGE = 2;
  static final int EXIT_INTERNAL = 3;

  @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces of errors.")
  boolean verbose;

  public static void main(String[] args) {
    int code;
    try {
      code = run(args);
    } catch (OutOfMemoryError e) {
      System.err.println("musketeer: error: out of memory; give the JVM more heap, e.g. MUSKETEER_JAVA_OPTS=-Xmx16g");
      code = EXIT_USER_ERROR;
    }
    System.exit(code);
  }

  /** Runs the CLI and returns the exit code (tests call this). */
  public static int run(String... args) {
    CommandLine cl = commandLine();
    return cl.execute(args);
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
      boolean verbose = parseResult.hasMatchedOption("--verbose")
          || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"));
      PrintWriter err = cmd.getErr();
      Throwable root = ex;
      while (!(root instanceof MusketeerException) && root.getCause() != null && root.getCause() != root) root = root.getCause();
      if (root instanceof MusketeerException) {
        err.println("musketeer: error: " + oneLine(root.getMessage()));
        if (verbose) ex.printStackTrace(err);
        err.flush();
        return EXIT_USER_ERROR;
      }
      err.println("musketeer: internal error: " + ex.getClass().getSimpleName() + (ex.getMessage() == null ? "" : ": " + oneLine(ex.getMessage()))
          + (verbose ? "" : " (run with --verbose for details)"));
      if (verbose) ex.printStackTrace(err);
      err.flush();
      return EXIT_INTERNAL;
    });
    cl.setParameterExceptionHandler((ex, args) -> {
      PrintWriter err = ex.getCommandLine().getErr();
      err.println("musketeer: " + oneLine(ex.getMessage()) + " (see: musketeer " + ex.getCommandLine().getCommandName() + " --help)");
      err.flush();
      return EXIT_USAGE;
    });
    return cl;
  }

  static String oneLine(String s) {
    return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ');
  }
}
