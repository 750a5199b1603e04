package io.musketeer.cli;

import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.reflect.Array;
import java.util.Optional;

/**
 * Every JVM that adds the Vector API module prints "WARNING: Using incubator modules:
 * jdk.incubator.vector" to stderr before main runs, and no flag silences it. So the launcher starts the
 * JVM with stderr going through a filter that drops that line, passing the real stderr as another
 * descriptor, named with this process's id in {@value #VARIABLE} ("FD:PID"). Once main runs, this
 * points descriptor 2 back at the real stderr (dup2), so the filter ends at once and nothing later is
 * delayed or reordered, and a terminal stays a terminal.
 *
 * <p>dup2 is called through the foreign function API, final since JDK 22; this code is compiled for 21,
 * so it goes reflectively. Where that fails (JDK 21, native access denied) the filter simply stays.
 */
final class StartupStderr {
  static final String VARIABLE = "MUSKETEER_STDERR";

  private StartupStderr() {}

  static void restore() {
    String spec = System.getenv(VARIABLE);
    if (spec == null) return;
    int fd;
    try {
      String[] parts = spec.split(":");
      fd = Integer.parseInt(parts[0]);
      // a child process inherits the variable but not the descriptor
      if (parts.length != 2 || Long.parseLong(parts[1]) != ProcessHandle.current().pid() || fd < 3) return;
    } catch (NumberFormatException e) {
      return;
    }
    try {
      MethodHandle dup2 = function("dup2", INT, INT, INT);
      MethodHandle close = function("close", INT, INT);
      System.err.flush();
      String filter = link(2);
      if ((int) dup2.invoke(fd, 2) != 2) return;
      int ignored = (int) close.invoke(fd);
      // the shell may keep another descriptor on the filter's pipe; closing it lets the filter end now
      if (filter != null && filter.startsWith("pipe:")) {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
          for (Path p : fds.toList()) {
            int n = Integer.parseInt(p.getFileName().toString());
            if (n > 2 && filter.equals(link(n))) ignored = (int) close.invoke(n);
          }
        }
      }
      reapFilter();
    } catch (Throwable e) {
      // the filter stays in place: stderr still arrives, a little later
    }
  }

  /**
   * The launcher exec'd into this JVM, so the filter is its child; nobody else would collect its exit,
   * and it would stay a zombie until the JVM ends (seen as a process left behind by whoever waits for
   * the launcher's process group). At this point it is the JVM's only child and ends within
   * milliseconds, its pipe closed; waits at most 0.2 s for it.
   */
  private static void reapFilter() throws Throwable {
    MethodHandle waitpid = function("waitpid", INT, INT, LONG, INT); // (pid, NULL status, WNOHANG)
    for (ProcessHandle child : ProcessHandle.current().children().toList()) {
      int pid = (int) child.pid();
      for (int i = 0; i < 40 && (int) waitpid.invoke(pid, 0L, 1) == 0; i++) Thread.sleep(5);
    }
  }

  /** What descriptor {@code fd} refers to ("pipe:[123]", a path), or null. */
  private static String link(int fd) {
    try {
      return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
    } catch (Exception e) {
      return null;
    }
  }

  private static final String INT = "JAVA_INT", LONG = "JAVA_LONG";

  /** A handle on the C function {@code name} returning {@code result} and taking {@code params} (ValueLayout field names). */
  private static MethodHandle function(String name, String result, String... params) throws ReflectiveOperationException {
    Class<?> linkerClass = Class.forName("java.lang.foreign.Linker");
    Class<?> lookupClass = Class.forName("java.lang.foreign.SymbolLookup");
    Class<?> layoutClass = Class.forName("java.lang.foreign.MemoryLayout");
    Class<?> descriptorClass = Class.forName("java.lang.foreign.FunctionDescriptor");
    Class<?> segmentClass = Class.forName("java.lang.foreign.MemorySegment");
    Class<?> optionClass = Class.forName("java.lang.foreign.Linker$Option");
    Class<?> valueLayout = Class.forName("java.lang.foreign.ValueLayout");
    Object linker = linkerClass.getMethod("nativeLinker").invoke(null);
    Object lookup = linkerClass.getMethod("defaultLookup").invoke(linker);
    Object symbol = ((Optional<?>) lookupClass.getMethod("find", String.class).invoke(lookup, name)).orElseThrow();
    Object args = Array.newInstance(layoutClass, params.length);
    for (int i = 0; i < params.length; i++) Array.set(args, i, valueLayout.getField(params[i]).get(null));
    Object descriptor = descriptorClass.getMethod("of", layoutClass, args.getClass()).invoke(null, valueLayout.getField(result).get(null), args);
    return (MethodHandle) linkerClass.getMethod("downcallHandle", segmentClass, descriptorClass, optionClass.arrayType())
        .invoke(linker, symbol, descriptor, Array.newInstance(optionClass, 0));
  }
}
