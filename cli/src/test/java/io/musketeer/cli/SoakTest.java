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
import io.musketeer.mpc.net.Connector;
import io.musketeer.mpc.net.PartyKey;
import io.musketeer.mpc.net.Peers;
import io.musketeer.mpc.net.Timeouts;
import io.musketeer.mpc.net.TlsSecurity;
import io.musketeer.mpc.runtime.PartyService;
import io.musketeer.mpc.testkit.ThreeParty;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many sequential sessions against one long-running server and helper (the built-in demo CNN over
 * TLS, clients through the Java API): every answer right, and the heap after a full collection does
 * not grow once warm. {@code -Dmusketeer.soakSessions=500} for the recorded soak (CI runs 20).
 */
class SoakTest {
  private static final int SESSIONS = Integer.getInteger("musketeer.soakSessions", 20);
  private static final int WARM_UP = Math.max(10, SESSIONS / 10);

  @TempDir Path dir;

  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  @Test
  void sequentialSessionsAreAllRightAndTheHeapStaysFlat() throws Exception {
    Graph weights = Models.load("builtin:demo", ImportOptions.defaults());
    Graph structure = Models.load("builtin:demo", ImportOptions.defaults(), Models.Use.STRUCTURE);
    Program serverProgram = Compiler.compile(weights, 12), publicProgram = Compiler.compile(structure, 12);
    Op.Input in = InferCommand.singleInput(weights);
    ThreeParty.Keys keys = ThreeParty.Keys.fresh();
    for (Party p : Party.values()) keys.keys().get(p).write(dir, p);
    ServerSocket s = ThreeParty.listen(), h = ThreeParty.listen();
    Peers peers = new Peers(Peers.Address.ANY, new Peers.Address("127.0.0.1", s.getLocalPort()), new Peers.Address("127.0.0.1", h.getLocalPort()));
    for (Party p : Party.values()) peers = peers.withPins(p, keys.pins().pins(p));
    Path peersFile = dir.resolve("peers.conf");
    Files.writeString(peersFile, peers.toFileText());
    Timeouts t = Timeouts.defaults().withConnectTimeout(Duration.ofSeconds(10));
    List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    PartyService server = new PartyService(Party.SERVER, serverProgram, io.musketeer.mpc.runtime.Protocols.DEFAULT, new Connector(Party.SERVER, peers, t, new TlsSecurity(keys.keys().get(Party.SERVER), peers)),
        s, 2, l -> {}, o -> {
          if (!o.ok()) failures.add(o.failure());
        });
    PartyService helper = new PartyService(Party.HELPER, publicProgram, io.musketeer.mpc.runtime.Protocols.DEFAULT, new Connector(Party.HELPER, peers, t, new TlsSecurity(keys.keys().get(Party.HELPER), peers)),
        h, 2, l -> {}, o -> {
          if (!o.ok()) failures.add(o.failure());
        });
    ExecutorService loops = Executors.newFixedThreadPool(2);
    loops.execute(server::serve);
    loops.execute(helper::serve);
    try {
      Musketeer.Client client = Musketeer.client(peersFile, PartyKey.keyFile(dir, Party.CLIENT)).model("builtin:demo").build();
      java.util.Random rnd = new java.util.Random(500);
      long warm = 0;
      List<Long> heap = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int i = 0; i < SESSIONS; i++) {
        FloatTensor x = DemoCommand.syntheticInput(in);
        float[] d = x.data().clone();
        for (int k = 0; k < d.length; k++) d[k] = rnd.nextFloat();
        x = new FloatTensor(x.shape(), d);
        FloatTensor expected = FixedPointInterpreter.run(serverProgram, Map.of(in.name(), x)).get(0);
        FloatTensor secure = client.infer(x);
        for (int k = 0; k < expected.size(); k++) assertEquals(expected.data()[k], secure.data()[k], 32.0 / 4096, "session " + i + " logit " + k);
        if (i + 1 == WARM_UP) warm = heapAfterGc();
        if ((i + 1) % Math.max(1, SESSIONS / 10) == 0) heap.add(heapAfterGc() / 1_000_000);
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      long end = heapAfterGc();
      double growth = (end - warm) / (double) warm;
      System.out.printf(Locale.ROOT, "SoakTest: %d sessions in %.1f s (%.2f s each), all right; heap after GC %d MB after %d (warm-up), %d MB at the end (%+.1f%%); "
          + "by tenths (MB): %s%n", SESSIONS, seconds, seconds / SESSIONS, warm / 1_000_000, WARM_UP, end / 1_000_000, 100 * growth, heap);
      assertTrue(failures.isEmpty(), failures.toString());
      assertEquals(SESSIONS, server.stats().served());
      assertEquals(SESSIONS, helper.stats().served());
      assertTrue(growth < 0.10, "heap grew " + 100 * growth + "% after warm-up");
    } finally {
      server.close();
      helper.close();
      loops.shutdownNow();
    }
  }
}
