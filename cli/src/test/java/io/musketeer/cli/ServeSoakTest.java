package io.musketeer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.importer.ImportOptions;
import io.musketeer.interp.FixedPointInterpreter;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.PartyKey;
import io.musketeer.mpc.testkit.PartyProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak against a real {@code musketeer serve} pair: two long-running OS processes over TLS,
 * sequential client sessions through the Java API, every answer checked against the cleartext
 * fixed-point emulation; each server's heap after a full collection (jcmd GC.run, GC.heap_info) at
 * the end of the warm-up (a tenth of the sessions, at least 5) and at the end: growth under 10%.
 * {@code -Dmusketeer.serveSoakSessions=500} for the recorded soak (CI runs 15).
 */
class ServeSoakTest {
  private static final int SESSIONS = Integer.getInteger("musketeer.serveSoakSessions", 15);
  private static final int WARM_UP = Math.max(5, SESSIONS / 10);
  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  @TempDir Path dir;

  /** The process's heap in use after a full collection, in bytes. */
  private static long heapAfterGc(Process p) throws Exception {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    jcmd(jcmd, p, "GC.run");
    Matcher m = USED.matcher(jcmd(jcmd, p, "GC.heap_info"));
    assertTrue(m.find(), "GC.heap_info of " + p.pid() + " names no used size");
    return Long.parseLong(m.group(1)) * 1024;
  }

  private static String jcmd(String jcmd, Process p, String command) throws Exception {
    Process j = new ProcessBuilder(jcmd, Long.toString(p.pid()), command).redirectErrorStream(true).start();
    String out = new String(j.getInputStream().readAllBytes());
    assertEquals(0, PartyProcesses.waitFor(j, 60), out);
    return out;
  }

  private static long rss(Process p) throws Exception {
    for (String l : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
      if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("\\D", "")) * 1024;
    }
    return -1;
  }

  @Test
  void sequentialSessionsAgainstOneServePairAreRightAndTheirHeapsStayFlat() throws Exception {
    Graph demo = Models.load("builtin:demo", ImportOptions.defaults());
    Program program = Compiler.compile(demo, 12);
    Op.Input in = InferCommand.singleInput(demo);
    Path peers = PartyProcesses.peersFile(dir);
    List<String> lines = new ArrayList<>(Files.readAllLines(peers));
    lines.replaceAll(l -> l.startsWith("client") ? "client = * " + l.split("\\s+")[3] : l);
    Files.write(peers, lines);
    Path hl = dir.resolve("h.log"), sl = dir.resolve("s.log"), hReady = dir.resolve("h.ready"), sReady = dir.resolve("s.ready");
    Process helper = PartyProcesses.start(hl, "serve", "--role", "helper", "--model", "builtin:demo", "--peers", peers.toString(),
        "--ready-file", hReady.toString());
    Process server = PartyProcesses.start(sl, "serve", "--role", "server", "--model", "builtin:demo", "--peers", peers.toString(),
        "--ready-file", sReady.toString());
    try {
      for (Path ready : List.of(hReady, sReady)) {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!Files.exists(ready)) {
          assertTrue(server.isAlive() && helper.isAlive(), "serve ended: " + PartyProcesses.read(sl) + PartyProcesses.read(hl));
          assertTrue(System.nanoTime() < deadline, "serve not ready within 120 s");
          Thread.sleep(50);
        }
      }
      Musketeer.Client client = Musketeer.client(peers, PartyKey.keyFile(dir, Party.CLIENT)).model("builtin:demo").build();
      java.util.Random rnd = new java.util.Random(500);
      long[] warm = new long[2];
      long warmRss = 0;
      long t0 = System.nanoTime();
      for (int i = 0; i < SESSIONS; i++) {
        FloatTensor x = DemoCommand.syntheticInput(in);
        float[] d = x.data().clone();
        for (int k = 0; k < d.length; k++) d[k] = rnd.nextFloat();
        x = new FloatTensor(x.shape(), d);
        FloatTensor expected = FixedPointInterpreter.run(program, Map.of(in.name(), x)).get(0);
        FloatTensor secure = client.infer(x);
        for (int k = 0; k < expected.size(); k++) assertEquals(expected.data()[k], secure.data()[k], 32.0 / 4096, "session " + i + " logit " + k);
        if (i + 1 == WARM_UP) {
          warm = new long[] {heapAfterGc(server), heapAfterGc(helper)};
          warmRss = rss(server);
        }
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      long[] end = {heapAfterGc(server), heapAfterGc(helper)};
      long endRss = rss(server);
      System.out.printf(Locale.ROOT, "ServeSoakTest: %d sessions in %.1f s (%.2f s each), all right; heap after GC after %d (warm-up) -> end: server %.1f -> %.1f MB "
          + "(%+.1f%%), helper %.1f -> %.1f MB (%+.1f%%); server RSS %.0f -> %.0f MB%n", SESSIONS, seconds, seconds / SESSIONS, WARM_UP, warm[0] / 1e6, end[0] / 1e6,
          100.0 * (end[0] - warm[0]) / warm[0], warm[1] / 1e6, end[1] / 1e6, 100.0 * (end[1] - warm[1]) / warm[1], warmRss / 1e6, endRss / 1e6);
      assertEquals(SESSIONS, PartyProcesses.read(sl).lines().filter(l -> l.contains(" done in ")).count(), PartyProcesses.read(sl));
      for (int k = 0; k < 2; k++) {
        assertTrue(end[k] < warm[k] * 1.10, (k == 0 ? "server" : "helper") + " heap grew from " + warm[k] + " to " + end[k] + " bytes after warm-up");
      }
    } finally {
      server.destroy();
      helper.destroy();
      PartyProcesses.waitFor(server, 30);
      PartyProcesses.waitFor(helper, 30);
    }
  }
}
