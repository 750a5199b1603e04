package io.musketeer.mpc.net;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.musketeer.mpc.Party;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;

/**
 * The frame decoder on a hostile byte stream: what a peer sends (the fuzzer's bytes) read by a real
 * {@link SocketLink} under the {@link FramedTransport}, through a sequence of receives the fuzzer also
 * chooses. Every receive returns the expected frame or throws a {@link TransportException}; nothing
 * else, no allocation the peer controls, no hang.
 */
class FrameFuzzTest {
  private static final Timeouts TIMEOUTS = Timeouts.defaults().withReceiveTimeout(Duration.ofSeconds(5)).withCloseTimeout(Duration.ofMillis(200));
  private static final int[] STEPS = {Steps.id("fuzz/a"), Steps.id("fuzz/b"), 0};

  /** A socket whose peer's bytes are {@code in}; what this party writes goes nowhere. */
  private static final class Scripted extends Socket {
    private final InputStream in;

    Scripted(byte[] bytes) {
      this.in = new ByteArrayInputStream(bytes);
    }

    @Override
    public InputStream getInputStream() {
      return in;
    }

    @Override
    public OutputStream getOutputStream() {
      return OutputStream.nullOutputStream();
    }

    @Override
    public void setSoTimeout(int timeout) {}

    @Override
    public void shutdownOutput() {}

    @Override
    public synchronized void close() {}
  }

  @FuzzTest(maxDuration = "10s")
  void decode(FuzzedDataProvider data) throws Exception {
    int receives = data.consumeInt(1, 6);
    int[] kind = new int[receives], length = new int[receives], step = new int[receives];
    for (int i = 0; i < receives; i++) {
      kind[i] = data.consumeInt(0, 1);
      length[i] = data.consumeInt(0, 4096);
      step[i] = STEPS[data.consumeInt(0, STEPS.length - 1)];
    }
    byte[] stream = data.consumeRemainingAsBytes();
    Scripted s = new Scripted(stream);
    FramedTransport t = new FramedTransport(Party.SERVER, TIMEOUTS, new Link[] {new SocketLink(Party.SERVER, Party.CLIENT, s, s, TIMEOUTS)},
        new byte[][] {new byte[0]}, new byte[][] {new byte[0]});
    try {
      for (int i = 0; i < receives; i++) {
        if (kind[i] == 0) t.receiveLongs(Party.CLIENT, step[i], length[i]);
        else t.receiveBytes(Party.CLIENT, step[i], length[i]);
      }
    } catch (TransportException expected) {
      if (expected.getMessage().contains("\n")) throw new AssertionError("a message of more than one line: " + expected.getMessage());
    } finally {
      t.close();
    }
  }
}
