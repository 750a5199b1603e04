package io.musketeer.cli;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.Locale;

/**
 * Measures a link between two namespaces, for {@link NetnsTest}: {@code serve HOST:PORT} answers one
 * connection; {@code measure HOST:PORT} dials it (retrying until it listens), times single-byte round
 * trips and one bulk transfer, and prints {@code rtt_ms=X mbit_s=Y}.
 */
final class LinkProbe {
  private static final int PINGS = 15;
  private static final int BULK = 8 << 20;

  public static void main(String[] args) throws Exception {
    String[] hp = args[1].split(":");
    InetSocketAddress at = new InetSocketAddress(hp[0], Integer.parseInt(hp[1]));
    if (args[0].equals("serve")) serve(at);
    else measure(at);
  }

  private static void serve(InetSocketAddress at) throws IOException {
    try (ServerSocket ss = new ServerSocket()) {
      ss.setReuseAddress(true);
      ss.bind(at);
      System.out.println("listening");
      try (Socket s = ss.accept()) {
        s.setTcpNoDelay(true);
        DataInputStream in = new DataInputStream(s.getInputStream());
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        for (int i = 0; i < PINGS; i++) {
          out.write(in.read());
          out.flush();
        }
        in.readFully(new byte[BULK]);
        out.write(1);
        out.flush();
        in.read(); // the dialer closes first, so this side's port is free at once
      }
    }
  }

  private static void measure(InetSocketAddress at) throws Exception {
    long giveUp = System.nanoTime() + 30_000_000_000L;
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(at, 5000);
        s.setTcpNoDelay(true);
        DataInputStream in = new DataInputStream(s.getInputStream());
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        double[] rtt = new double[PINGS];
        for (int i = 0; i < PINGS; i++) {
          long t0 = System.nanoTime();
          out.write(i);
          out.flush();
          if (in.read() != i) throw new IOException("the echo differs");
          rtt[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(rtt);
        double median = rtt[PINGS / 2];
        long t0 = System.nanoTime();
        out.write(new byte[BULK]);
        out.flush();
        if (in.read() != 1) throw new IOException("no acknowledgement of the bulk transfer");
        double seconds = (System.nanoTime() - t0) / 1e9 - median / 1e3;
        System.out.printf(Locale.ROOT, "rtt_ms=%.3f mbit_s=%.1f%n", median, BULK * 8 / seconds / 1e6);
        return;
      } catch (IOException e) {
        if (System.nanoTime() > giveUp) throw e;
        Thread.sleep(50);
      }
    }
  }
}
