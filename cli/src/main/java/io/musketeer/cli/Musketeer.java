package io.musketeer.cli;

import io.musketeer.core.FloatTensor;
import io.musketeer.importer.ImportOptions;
import io.musketeer.importer.tf.SavedModelImporter;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Connector;
import io.musketeer.mpc.net.LinkSecurity;
import io.musketeer.mpc.net.PartyKey;
import io.musketeer.mpc.net.Peers;
import io.musketeer.mpc.net.TcpTransport;
import io.musketeer.mpc.net.Timeouts;
import io.musketeer.mpc.net.TlsSecurity;
import io.musketeer.mpc.net.Transport;
import io.musketeer.mpc.runtime.LayerListener;
import io.musketeer.mpc.runtime.Protocols;
import io.musketeer.mpc.runtime.SecureParty;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Java API for a client of a Musketeer deployment ({@code musketeer serve} or three {@code run}s):
 *
 * <pre>{@code
 * Musketeer.Client c = Musketeer.client(Path.of("peers.conf"), Path.of("keys/client.key.pem"))
 *     .model("model-public.pb").build();        // the weight-free structure is enough
 * FloatTensor logits = c.infer(x);               // one fresh secure session per call
 * }</pre>
 *
 * A client holds the compiled program and nothing of any session; calls may come from several
 * threads at once, each its own session. Errors are {@link io.musketeer.MusketeerException}s with
 * one line naming the party and the problem.
 */
public final class Musketeer {
  private Musketeer() {}

  /** A client that takes its TLS key from {@code keyFile} (its certificate beside it, as keygen writes it). */
  public static Builder client(Path peersFile, Path keyFile) {
    return new Builder(peersFile, keyFile);
  }

  /** Options of a client; {@link #build()} loads and compiles the model. */
  public static final class Builder {
    private final Path peersFile;
    private Path keyFile;
    private Path certFile;
    private boolean plaintext;
    private String model;
    private int scale = 12;
    private String protocol = io.musketeer.mpc.runtime.Protocols.DEFAULT;
    private String signature = SavedModelImporter.DEFAULT_SIGNATURE;
    private Timeouts timeouts = Timeouts.defaults();

    private Builder(Path peersFile, Path keyFile) {
      this.peersFile = Objects.requireNonNull(peersFile);
      this.keyFile = keyFile;
    }

    /** A model file, SavedModel directory, compiled program or {@code builtin:NAME}; its weight-free copy suffices. */
    public Builder model(String spec) {
      this.model = spec;
      return this;
    }

    public Builder scale(int fractionalBits) {
      this.scale = fractionalBits;
      return this;
    }

    public Builder protocol(String name) {
      this.protocol = name;
      return this;
    }

    public Builder signature(String name) {
      this.signature = name;
      return this;
    }

    public Builder certificate(Path file) {
      this.certFile = file;
      return this;
    }

    /** No TLS: the links are neither encrypted nor authenticated (see the CLI's --plaintext). */
    public Builder plaintext() {
      this.plaintext = true;
      this.keyFile = null;
      return this;
    }

    public Builder timeouts(Duration connect, Duration receive) {
      this.timeouts = Timeouts.defaults().withConnectTimeout(connect).withReceiveTimeout(receive);
      return this;
    }

    public Client build() {
      if (model == null) throw new IllegalStateException("model(...) is required");
      Scales.check(scale);
      Protocols.comparison(protocol);
      Peers peers = Peers.parse(peersFile);
      LinkSecurity security;
      if (plaintext) {
        security = LinkSecurity.plaintext();
      } else {
        if (keyFile == null) throw new UsageError("a client needs its TLS key (or plaintext())");
        PartyKey own = PartyKey.load(keyFile, certFile != null ? certFile : PartyKey.certBeside(keyFile));
        security = new TlsSecurity(own, peers);
      }
      Program program = Programs.isProgram(model) ? Programs.read(model, Models.Use.STRUCTURE, false, scale)
          : Programs.compileChecked(Models.load(model, ImportOptions.defaults(), Models.Use.STRUCTURE, signature), scale);
      return new Client(program, protocol, new Connector(Party.CLIENT, peers, timeouts, security));
    }
  }

  /** A compiled client: each {@link #infer} is one secure session with the server and the helper. */
  public static final class Client {
    private final Program program;
    private final String protocol;
    private final Connector connector;

    private Client(Program program, String protocol, Connector connector) {
      this.program = program;
      this.protocol = protocol;
      this.connector = connector;
    }

    /** The first output for the model's single input {@code x} (shape as the model's input). */
    public FloatTensor infer(FloatTensor x) {
      Op.Input in = InferCommand.singleInput(program.graph());
      return infer(Map.of(in.name(), x)).get(0);
    }

    /** All outputs for the given inputs (by input name). */
    public List<FloatTensor> infer(Map<String, FloatTensor> inputs) {
      try (Transport t = TcpTransport.connect(connector, null)) {
        return SecureParty.run(Party.CLIENT, program, protocol, t, inputs, LayerListener.NONE).outputs();
      }
    }
  }
}
