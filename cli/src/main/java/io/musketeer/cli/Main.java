package io.musketeer.cli;

import io.musketeer.MusketeerException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The musketeer command. Exit codes: 0 done; 1 the run could not be done (a file, model, input, peer
 * or network problem, named in one line on stderr); 2 the command line is wrong (unknown option, bad
 * or missing value); 3 an internal error (a bug). {@code --verbose} adds stack traces.
 */
@Command(
    name = "musketeer",
    mixinStandardHelpOptions = true,
    version = "musketeer 0.1.0",
    description = "Secure three-party inference for trained neural networks (client, server, helper).",
    footer = {"", "Run 'musketeer help COMMAND' (or 'musketeer COMMAND --help') for a command's options.",
        "Exit codes: 0 done, 1 the run failed (the line says why), 2 bad command line, 3 internal error."})
public final class Main implements Callable<Integer> {
  /** The subcommands, in the order the usage lists them. */
  private static final List<Class<?>> COMMANDS = List.of(
      DemoCommand.class, InspectCommand.class, InferCommand.class, EvalCommand.class, CompileCommand.class,
      LocalCommand.class, RunCommand.class, BenchCommand.class, BenchReportCommand.class, StripCommand.class, KeygenCommand.class,
      MeasureCommand.class, ServeCommand.class, AotTrainingCommand.class, CommandLine.HelpCommand.class);

  static final int EXIT_USER_ERROR = 1;
  static final int EXIT_USAGE = 2;
  static final int EXIT_INTERNAL = 3;

  /** Set when this process is a party started by local, bench or demo: their heap is MUSKETEER_PARTY_HEAP. */
  static volatile boolean startedAsLocalParty;

  @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces of errors (and, for local, the parties' too).")
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** A bare {@code musketeer} prints the usage (with every subcommand: see {@link #invoked}). */
  @Override
  public Integer call() {
    spec.commandLine().usage(System.out);
    return 0;
  }

  public static void main(String[] args) {
    StartupStderr.restore();
    int code;
    try {
      code = run(args);
    } catch (OutOfMemoryError e) {
      System.err.println("musketeer: error: " + outOfMemoryHint());
      if (java.util.Arrays.asList(args).contains("--verbose")) e.printStackTrace();
      code = EXIT_USER_ERROR;
    }
    System.exit(code);
  }

  /** Runs the CLI and returns the exit code (tests call this). */
  public static int run(String... args) {
    return commandLine(invoked(args)).execute(args);
  }

  /** The command line with every subcommand. */
  static CommandLine commandLine() {
    return commandLine(COMMANDS);
  }

  /**
   * The subcommand that args name, alone, or all of them (for help, which needs the others, and for a
   * bare or a misspelt command).
   * Picocli reflects over every option of every subcommand it is given, which cost each party's JVM
   * start about 0.15 s (BENCHMARKS.md, "Before and after the seams"); Main's own options take no value,
   * so the first argument that is not an option names the subcommand.
   */
  private static List<Class<?>> invoked(String... args) {
    String name = Arrays.stream(args).filter(a -> !a.startsWith("-")).findFirst().orElse(null);
    for (Class<?> c : COMMANDS) {
      if (c == CommandLine.HelpCommand.class) continue;
      Command command = c.getAnnotation(Command.class);
      if (command.name().equals(name) || Arrays.asList(command.aliases()).contains(name)) return List.of(c);
    }
    return COMMANDS;
  }

  private static CommandLine commandLine(List<Class<?>> commands) {
    CommandLine cl = new CommandLine(new Main());
    for (Class<?> c : commands) cl.addSubcommand(c);
    for (CommandLine sub : cl.getSubcommands().values()) sub.getCommandSpec().version(cl.getCommandSpec().version());
    cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
      boolean verbose = parseResult.hasMatchedOption("--verbose")
          || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"));
      PrintWriter err = cmd.getErr();
      int code;
      Throwable root = userCause(ex);
      if (root instanceof UsageError) {
        err.println("musketeer: error: " + oneLine(root.getMessage()) + " (see: " + helpCommand(cmd) + ")");
        code = EXIT_USAGE;
      } else if (root instanceof MusketeerException) {
        err.println("musketeer: error: " + oneLine(root.getMessage()));
        code = EXIT_USER_ERROR;
      } else if (root instanceof OutOfMemoryError) {
        err.println("musketeer: error: " + outOfMemoryHint());
        code = EXIT_USER_ERROR;
      } else {
        err.println("musketeer: internal error: " + ex.getClass().getSimpleName() + (ex.getMessage() == null ? "" : ": " + oneLine(ex.getMessage()))
            + (verbose ? "" : " (run with --verbose for details)"));
        code = EXIT_INTERNAL;
      }
      if (verbose) ex.printStackTrace(err);
      err.flush();
      return code;
    });
    cl.setParameterExceptionHandler((ex, args) -> {
      PrintWriter err = ex.getCommandLine().getErr();
      err.println("musketeer: " + oneLine(ex.getMessage()) + " (see: " + helpCommand(ex.getCommandLine()) + ")");
      err.flush();
      return EXIT_USAGE;
    });
    return cl;
  }

  /** The first user error (or out-of-memory) in the cause chain, else the exception itself. */
  private static Throwable userCause(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof MusketeerException || t instanceof OutOfMemoryError) return t;
    }
    return ex;
  }

  private static String helpCommand(CommandLine cmd) {
    return cmd.getParent() == null ? "musketeer --help" : cmd.getCommandSpec().qualifiedName() + " --help";
  }

  /** Which variable sets this process's heap: the launcher's, or the one local/bench/demo give their parties. */
  static String outOfMemoryHint() {
    long max = Runtime.getRuntime().maxMemory() >> 20;
    return startedAsLocalParty
        ? "out of memory in a party (heap " + max + " MB, sized from the program unless set); give the parties more heap, e.g. MUSKETEER_PARTY_HEAP=-Xmx12g"
        : "out of memory (heap " + max + " MB); give the JVM more heap, e.g. MUSKETEER_JAVA_OPTS=-Xmx16g";
  }

  static String oneLine(String s) {
    return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ');
  }
}
