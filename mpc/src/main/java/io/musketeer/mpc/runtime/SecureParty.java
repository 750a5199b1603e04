package io.musketeer.mpc.runtime;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Parallel;
import io.musketeer.ir.Node;
import io.musketeer.ir.Program;
import io.musketeer.ir.ProgramHash;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.attest.AttestedSession;
import io.musketeer.mpc.attest.CodeMeasurement;
import io.musketeer.mpc.attest.Measurement;
import io.musketeer.mpc.attest.SecurityMode;
import io.musketeer.mpc.attest.SessionSecurity;
import io.musketeer.mpc.net.Handshake;
import io.musketeer.mpc.net.TrafficStats;
import io.musketeer.mpc.net.Transport;
import io.musketeer.mpc.protocol.Comparison;
import io.musketeer.mpc.protocol.Session;
import io.musketeer.mpc.random.KeyAgreement;
import io.musketeer.mpc.random.Randomness;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Java API for one party of a secure inference: give it the compiled program, a connected
 * transport and (at the client) the inputs. A web service can embed the server side this way.
 *
 * <pre>{@code
 * Program program = Compiler.compile(TfImporter.load(path, ImportOptions.defaults()), 12);
 * try (Transport t = TcpTransport.connect(Party.SERVER, peers)) {
 *   SecureParty.Result r = SecureParty.run(Party.SERVER, program, "porthos", t, Map.of(), LayerListener.NONE);
 * }
 * }</pre>
 */
public final class SecureParty {
  private SecureParty() {}

  /** The client's outputs (empty at the other parties) and this party's measurements. */
  public record Result(List<FloatTensor> outputs, PartyReport report) {}

  /**
   * The parameters every party must agree on besides the program itself, for a session in {@code mode}
   * running the program {@code inferences} times (parties in different modes refuse each other) with
   * {@code batch} comparisons at most in one exchange (see {@link Session#batchSize()}).
   */
  public static String protocolParameters(String protocol, SecurityMode mode, int inferences, int batch) {
    return mode.label() + ";ring=64;comparison=" + protocol + ";batch=" + batch + (inferences == 1 ? "" : ";inferences=" + inferences);
  }

  /**
   * The protocol's own batch size for the program: FastReLU's is a whole layer, so that each layer costs 3
   * online flights, or 2^18 values in a program with unbounded comparisons. Every party derives the same.
   */
  public static int defaultBatch(String protocol, Program program) {
    return Protocols.comparison(protocol).defaultBatch(program);
  }

  /** Bytes the busiest party holds for the protocol's dealing ahead of time ({@link Comparison#heldAhead}), for its heap. */
  public static long heldAhead(String protocol, Program program, int batch) {
    Comparison c = Protocols.comparison(protocol);
    return c.heldAhead(io.musketeer.mpc.protocol.ComparisonPlan.of(program, c).calls(), batch);
  }

  /** What a party in malicious mode attests: this JVM's code, the role, the program and its parameters. */
  public static Measurement measurement(Party role, Program program, String protocol) {
    return measurement(role, program, protocol, defaultBatch(protocol, program));
  }

  /** As above, for sessions of {@code batch} comparisons at most per exchange. */
  public static Measurement measurement(Party role, Program program, String protocol, int batch) {
    String parameters = protocolParameters(protocol, SecurityMode.MALICIOUS, 1, batch);
    return new Measurement(CodeMeasurement.current(), role, ProgramHash.of(program, parameters), parameters, SecurityMode.MALICIOUS);
  }

  /** Runs this party on the process-wide worker pool. */
  public static Result run(Party role, Program program, String protocol, Transport transport,
      Map<String, FloatTensor> clientInputs, LayerListener listener) {
    return run(role, program, protocol, transport, clientInputs, listener, Parallel.shared());
  }

  /** Runs this party with every parallel loop of its protocols and kernels on {@code workers}. */
  public static Result run(Party role, Program program, String protocol, Transport transport,
      Map<String, FloatTensor> clientInputs, LayerListener listener, Parallel workers) {
    return run(role, program, ServerWeights.IN_PROGRAM, protocol, transport, clientInputs, listener, workers, SessionSecurity.semiHonest(), 1);
  }

  /**
   * Runs this party; a server takes its weights from {@code weights} (streamed from a program file, say)
   * rather than from the program's constants.
   */
  public static Result run(Party role, Program program, ServerWeights weights, String protocol, Transport transport,
      Map<String, FloatTensor> clientInputs, LayerListener listener, Parallel workers) {
    return run(role, program, weights, protocol, transport, clientInputs, listener, workers, SessionSecurity.semiHonest(), 1);
  }

  /** As above, in-program weights, with {@code security}. */
  public static Result run(Party role, Program program, String protocol, Transport transport,
      Map<String, FloatTensor> clientInputs, LayerListener listener, Parallel workers, SessionSecurity security) {
    return run(role, program, ServerWeights.IN_PROGRAM, protocol, transport, clientInputs, listener, workers, security, 1);
  }

  /**
   * Runs this party with {@code security}, the program {@code inferences} times in one session (one
   * handshake and key agreement) on the same inputs: the later runs show warm figures (compiled code,
   * kept weight masks). The report covers the whole session; its layers list every node of every
   * inference, in order. With more than one inference the server asks {@code weights} for each weight
   * once per inference. In malicious mode the session is attested ({@link AttestedSession}: evidence
   * first, every party's confirmation before each opening of the output, the client's receipt last),
   * and any failure aborts every party with nothing revealed.
   */
  public static Result run(Party role, Program program, ServerWeights weights, String protocol, Transport transport,
      Map<String, FloatTensor> clientInputs, LayerListener listener, Parallel workers, SessionSecurity security, int inferences) {
    return run(role, program, weights, protocol, defaultBatch(protocol, program), transport, clientInputs, listener, workers, security, inferences);
  }

  /**
   * As above, each comparison call split into exchanges of at most {@code batch} values (every party must
   * use the same: it is part of what they agree on): smaller batches hold less memory at once and cost
   * more flights, which a link with a long round trip may prefer to trade the other way.
   */
  public static Result run(Party role, Program program, ServerWeights weights, String protocol, int batch, Transport transport,
      Map<String, FloatTensor> clientInputs, LayerListener listener, Parallel workers, SessionSecurity security, int inferences) {
    if (inferences < 1) throw new IllegalArgumentException("inferences must be positive");
    if (batch < 1) throw new IllegalArgumentException("the comparison batch must be positive");
    try {
      return runOrThrow(role, program, weights, protocol, batch, transport, clientInputs, listener, workers, security, inferences);
    } catch (RuntimeException e) {
      // tell the peers why we stop, so every party's log names the root cause
      transport.abort(role.label() + " failed: " + (e instanceof io.musketeer.MusketeerException ? e.getMessage() : "internal error"));
      throw e;
    }
  }

  private static Result runOrThrow(Party role, Program program, ServerWeights weights, String protocol, int batch, Transport transport,
      Map<String, FloatTensor> clientInputs, LayerListener listener, Parallel workers, SessionSecurity security, int inferences) {
    long start = System.nanoTime();
    double cpu0 = ProcessMetrics.cpuSeconds();
    Comparison comparison = Protocols.comparison(protocol);
    String hash = ProgramHash.of(program, protocolParameters(protocol, security.mode(), inferences, batch));
    AttestedSession attested = security.malicious()
        ? AttestedSession.establish(transport, measurement(role, program, protocol, batch), security, Instant.now()) : null;
    Handshake.verifyProgram(transport, hash);
    List<PartyReport.Layer> layers = new ArrayList<>();
    LayerListener recording = (i, total, node, seconds, traffic) -> {
      layers.add(layer(i, node, seconds, traffic));
      listener.done(i, total, node, seconds, traffic);
    };
    Runnable beforeReveal = attested == null ? () -> {} : attested::confirmBeforeReveal;
    List<FloatTensor> outputs = null;
    Randomness randomness = KeyAgreement.establish(transport, hash);
    Session session = new Session(role, transport, randomness, batch, workers);
    try (randomness) { // seeds wiped when the session ends
      SecureExecutor executor = new SecureExecutor(program, session, comparison, recording, weights, inferences > 1, beforeReveal);
      for (int k = 0; k < inferences; k++) outputs = executor.run(clientInputs);
    }
    if (attested != null) attested.finish();
    TrafficStats.Snapshot s = transport.stats().snapshot();
    PartyReport report = new PartyReport(role, hash, protocol, security.mode().label(), security.provider(), s.bytesSent(), s.bytesReceived(), s.messagesSent(),
        s.messagesReceived(), s.rounds(), (System.nanoTime() - start) / 1e9, ProcessMetrics.cpuSeconds() - cpu0,
        ProcessMetrics.peakMemoryBytes(), session.offline().bytes(), session.offline().seconds(), layers);
    return new Result(outputs, report);
  }

  private static PartyReport.Layer layer(int i, Node node, double seconds, TrafficStats.Snapshot t) {
    return new PartyReport.Layer(i, node.name(), node.op().kind(), seconds, t.bytesSent(), t.bytesReceived(), t.rounds());
  }
}
