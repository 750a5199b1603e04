package io.musketeer.mpc.runtime;

import io.musketeer.MusketeerException;
import io.musketeer.core.Parallel;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.attest.SessionSecurity;
import io.musketeer.mpc.net.Connector;
import io.musketeer.mpc.net.FramedTransport;
import io.musketeer.mpc.net.SessionId;
import io.musketeer.mpc.net.TransportException;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A long-running server or helper ({@code musketeer serve}): the program compiled once and kept (so
 * the JIT stays warm), one fresh session per client, several at once. A server can take each session's
 * weights afresh ({@link ServerWeights.PerSession}: streamed from its program file), so that it holds
 * them only while a session reads them.
 *
 * <p>A client's session starts when it connects: the server greets it, dials the helper with the
 * client's session id and runs its part; the helper pairs the client's and the server's connections
 * by that id. Every session has its own links, key agreement, randomness and buffers: sessions share
 * the program and the worker pool, nothing else, and keep nothing when they end, so any number of
 * replicas can serve the same clients. A session that fails (a client that disconnects, a peer that
 * stalls) ends with one log line; the others go on. At most {@code maxSessions} run at once: a client
 * beyond that is told the server is busy (an abort with that reason) instead of waiting.
 *
 * <p>In malicious mode every session is attested as a single run is ({@link
 * io.musketeer.mpc.attest.AttestedSession}): evidence bound to that session's TLS channels first, a
 * client whose measurement the policy does not list refused before any share (its session only), every
 * party's confirmation before the output is opened, the client's receipt last.
 */
public final class PartyService implements AutoCloseable {
  /** What a session ended with, for logs and tests. */
  public record Outcome(SessionId session, PartyReport report, String failure) {
    public boolean ok() {
      return failure == null;
    }
  }

  /** Counts since start. */
  public record Stats(long served, long failed, long refused, int running) {}

  private final Party role;
  private final Program program;
  private final ServerWeights.PerSession weights;
  private final String protocol;
  private final int batch;
  private final SessionSecurity security;
  private final Connector connector;
  private final ServerSocket listener;
  private final Semaphore permits;
  private final int maxSessions;
  private final Consumer<String> log;
  private final Consumer<Outcome> outcomes;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "musketeer-session");
    t.setDaemon(true);
    return t;
  });
  private final ScheduledExecutorService reaper = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "musketeer-session-reaper");
    t.setDaemon(true);
    return t;
  });
  /** The helper's half-made sessions: who has connected so far, and since when. */
  private final Map<SessionId, Pending> pending = new ConcurrentHashMap<>();
  private final Set<FramedTransport> running = ConcurrentHashMap.newKeySet();
  private final AtomicLong served = new AtomicLong(), failed = new AtomicLong(), refused = new AtomicLong();
  private volatile boolean closed;

  private record Pending(Map<Party, Connector.Connection> connections, long sinceNanos) {}

  /**
   * @param role {@link Party#SERVER} or {@link Party#HELPER}
   * @param listener bound to this party's address; the service takes it over
   * @param log one line per session and per refused connection (never a secret)
   * @param outcomes told of every session's end (may be a no-op)
   */
  public PartyService(Party role, Program program, String protocol, Connector connector, ServerSocket listener, int maxSessions,
      Consumer<String> log, Consumer<Outcome> outcomes) {
    this(role, program, ServerWeights.PerSession.IN_PROGRAM, protocol, SecureParty.defaultBatch(protocol, program), SessionSecurity.semiHonest(), connector, listener,
        maxSessions, log, outcomes);
  }

  /**
   * As above, every session secured by {@code security} (malicious mode: the connector's link security
   * must be the {@link io.musketeer.mpc.attest.AttestedTls} whose key {@code security} binds), a server
   * taking each session's weights from {@code weights} (the helper ignores it), and sessions of at most
   * {@code batch} comparisons per exchange ({@link SecureParty#run}).
   */
  public PartyService(Party role, Program program, ServerWeights.PerSession weights, String protocol, int batch, SessionSecurity security,
      Connector connector, ServerSocket listener, int maxSessions, Consumer<String> log, Consumer<Outcome> outcomes) {
    if (role == Party.CLIENT) throw new IllegalArgumentException("the client is not a service");
    if (maxSessions < 1) throw new IllegalArgumentException("maxSessions must be at least 1");
    if (connector.self() != role) throw new IllegalArgumentException("the connector is for the " + connector.self().label());
    this.role = role;
    this.program = Objects.requireNonNull(program);
    this.weights = Objects.requireNonNull(weights);
    this.protocol = Objects.requireNonNull(protocol);
    if (batch < 1) throw new IllegalArgumentException("the comparison batch must be positive");
    this.batch = batch;
    this.security = Objects.requireNonNull(security);
    this.connector = connector;
    this.listener = Objects.requireNonNull(listener);
    this.maxSessions = maxSessions;
    this.permits = new Semaphore(maxSessions);
    this.log = log;
    this.outcomes = outcomes;
    Protocols.comparison(protocol); // an unknown protocol fails here, not in the first session
    long period = Math.max(100, connector.timeouts().connectTimeout().toMillis() / 4);
    reaper.scheduleWithFixedDelay(this::dropStale, period, period, TimeUnit.MILLISECONDS);
  }

  /** Accepts connections until {@link #close()}; returns then. */
  public void serve() {
    while (!closed) {
      Socket raw;
      try {
        raw = listener.accept();
      } catch (IOException e) {
        if (closed) return;
        throw new TransportException("the " + role.label() + " stopped listening on port " + listener.getLocalPort() + " (" + e.getMessage() + ")", e);
      }
      threads.execute(() -> handle(raw));
    }
  }

  public Stats stats() {
    return new Stats(served.get(), failed.get(), refused.get(), maxSessions - permits.availablePermits());
  }

  public int port() {
    return listener.getLocalPort();
  }

  private void handle(Socket raw) {
    String remote = String.valueOf(raw.getRemoteSocketAddress());
    long deadline = System.nanoTime() + connector.timeouts().connectTimeout().toNanos();
    Set<Party> allowed = role == Party.SERVER ? EnumSet.of(Party.CLIENT) : EnumSet.of(Party.CLIENT, Party.SERVER);
    Connector.Connection c;
    try {
      c = connector.greet(raw, listener.getLocalPort(), allowed, Set.of(), null, deadline);
    } catch (RuntimeException e) {
      refused.incrementAndGet();
      if (!closed) log.accept(role.label() + ": refused a connection from " + remote + ": " + message(e));
      return;
    }
    if (role == Party.SERVER) {
      Connector.Connection helper;
      try {
        helper = connector.dial(Party.HELPER, c.session(), deadline);
      } catch (RuntimeException e) {
        closeQuietly(c);
        end(new Outcome(c.session(), null, message(e)));
        return;
      }
      run(c.session(), c, helper);
    } else {
      pair(c);
    }
  }

  /** The helper: keeps the first connection of a session until the other party's arrives. */
  private void pair(Connector.Connection c) {
    Connector.Connection[] both = null;
    String duplicate = null;
    synchronized (pending) {
      Pending p = pending.computeIfAbsent(c.session(), s -> new Pending(new EnumMap<>(Party.class), System.nanoTime()));
      if (p.connections().containsKey(c.peer())) {
        duplicate = "a second " + c.peer().label() + " for session " + c.session().shortForm() + "; refused it";
      } else {
        p.connections().put(c.peer(), c);
        if (p.connections().size() == 2) {
          pending.remove(c.session());
          both = new Connector.Connection[] {p.connections().get(Party.CLIENT), p.connections().get(Party.SERVER)};
        }
      }
    }
    if (duplicate != null) {
      refused.incrementAndGet();
      closeQuietly(c);
      log.accept(role.label() + ": " + duplicate);
      return;
    }
    if (both != null) run(c.session(), both);
  }

  private void dropStale() {
    long limit = connector.timeouts().connectTimeout().toNanos();
    long now = System.nanoTime();
    pending.forEach((id, p) -> {
      if (now - p.sinceNanos() < limit) return;
      Party here;
      synchronized (pending) {
        if (pending.get(id) != p) return;
        pending.remove(id);
        here = p.connections().keySet().iterator().next();
      }
      p.connections().values().forEach(PartyService::closeQuietly);
      Party missing = here == Party.CLIENT ? Party.SERVER : Party.CLIENT;
      end(new Outcome(id, null, "the " + missing.label() + " of this session did not connect within "
          + connector.timeouts().connectTimeout().toSeconds() + " s (the " + here.label() + " did)"));
    });
  }

  private void run(SessionId session, Connector.Connection... connections) {
    FramedTransport t;
    try {
      t = connector.transport(connections);
    } catch (RuntimeException e) {
      end(new Outcome(session, null, message(e)));
      return;
    }
    if (closed) {
      t.abort("the " + role.label() + " is shutting down");
      return;
    }
    if (!permits.tryAcquire()) {
      t.abort("the " + role.label() + " is busy (" + maxSessions + " sessions running); try again later");
      refused.incrementAndGet();
      log.accept(role.label() + ": session " + session.shortForm() + " refused: " + maxSessions + " sessions running");
      return;
    }
    running.add(t);
    try (ServerWeights.Open sessionWeights = openWeights(t)) {
      SecureParty.Result r = SecureParty.run(role, program, sessionWeights, protocol, batch, t, Map.of(), LayerListener.NONE, Parallel.shared(), security, 1);
      end(new Outcome(session, r.report(), null));
    } catch (RuntimeException e) {
      end(new Outcome(session, null, message(e)));
    } finally {
      running.remove(t);
      t.close();
      permits.release();
    }
  }

  /** This session's weights; the peers are told why when they cannot be had. */
  private ServerWeights.Open openWeights(FramedTransport t) {
    if (role != Party.SERVER) return ServerWeights.PerSession.IN_PROGRAM.open();
    try {
      return weights.open();
    } catch (RuntimeException e) {
      t.abort(role.label() + " failed: " + message(e));
      throw e;
    }
  }

  private void end(Outcome o) {
    if (o.ok()) {
      served.incrementAndGet();
      PartyReport r = o.report();
      log.accept(String.format(Locale.ROOT, "%s: session %s done in %.2f s, sent %,d bytes, received %,d bytes, %d rounds, %s", role.label(),
          o.session().shortForm(), r.wallSeconds(), r.bytesSent(), r.bytesReceived(), r.rounds(), security.describe()));
    } else {
      failed.incrementAndGet();
      if (!closed) log.accept(role.label() + ": session " + o.session().shortForm() + " (" + security.describe() + ") failed: " + o.failure());
    }
    outcomes.accept(o);
  }

  private static String message(RuntimeException e) {
    return e instanceof MusketeerException ? e.getMessage() : "internal error (" + e.getClass().getSimpleName() + ")";
  }

  private static void closeQuietly(Connector.Connection c) {
    try {
      c.raw().close();
    } catch (IOException ignored) {
      // gone already
    }
  }

  /** Stops accepting, ends the running sessions (their peers learn why) and drops half-made ones. */
  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (FramedTransport t : running) t.abort("the " + role.label() + " is shutting down");
    pending.values().forEach(p -> p.connections().values().forEach(PartyService::closeQuietly));
    pending.clear();
    reaper.shutdownNow();
    threads.shutdownNow();
  }
}
