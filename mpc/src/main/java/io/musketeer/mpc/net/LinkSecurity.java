package io.musketeer.mpc.net;

import io.musketeer.mpc.Party;
import java.io.IOException;
import java.net.Socket;
import javax.net.ServerSocketFactory;
import javax.net.SocketFactory;

/**
 * What protects a party's connections: the sockets it dials and listens with (plain TCP, or TLS from
 * an {@code SSLContext}) and the checks of a peer that run before anything of the session is sent.
 * {@link Connector} calls these at fixed points of set-up; protocol code never sees them.
 *
 * <p>An extension (attested sessions: evidence exchanged right after the handshake and bound to
 * the channel) wraps an instance and adds its exchange in {@link #established}.
 */
public interface LinkSecurity {
  SocketFactory dialer();

  ServerSocketFactory listener();

  /**
   * Runs the channel's own handshake on a socket just connected or accepted, before any hello;
   * {@code peer} is the party dialed, or null on the accepting side (the hello has not named it yet).
   * Throws a {@link TransportException} with the one-line reason (a plaintext peer on a TLS port...).
   */
  void handshake(Socket s, Party self, Party peer, String where) throws IOException;

  /**
   * Checks the peer at the far end of {@code s}, dialed as {@code peer} at {@code where} or accepted
   * from {@code where} with a hello naming it {@code peer}. Called before this party sends its hello
   * (dialing) or answers one (accepting). Throws a {@link TransportException} with the one-line reason.
   */
  void verifyPeer(Socket s, Party self, Party peer, String where) throws IOException;

  /** Called once both hellos were exchanged on {@code s}, before the link starts; may talk over {@code s}. */
  default void established(Socket s, Party self, Party peer, SessionId session) throws IOException {}

  /** The channel binding of {@code s} (see {@link Transport#channelBinding}); empty if the channel has no keys. */
  byte[] channelBinding(Socket s) throws IOException;

  /** The end of a message for a peer that hung up after connecting: what may have made it refuse this party. */
  default String refusalHint(Party self) {
    return "";
  }

  /** Plain TCP: nothing authenticated, nothing encrypted. */
  static LinkSecurity plaintext() {
    return Plaintext.INSTANCE;
  }

  /** For log lines: "plaintext" or what protects the links. */
  String describe();

  enum Plaintext implements LinkSecurity {
    INSTANCE;

    @Override
    public SocketFactory dialer() {
      return SocketFactory.getDefault();
    }

    @Override
    public ServerSocketFactory listener() {
      return ServerSocketFactory.getDefault();
    }

    @Override
    public void handshake(Socket s, Party self, Party peer, String where) {}

    @Override
    public void verifyPeer(Socket s, Party self, Party peer, String where) {}

    @Override
    public byte[] channelBinding(Socket s) {
      return new byte[0];
    }

    @Override
    public String describe() {
      return "plaintext";
    }
  }
}
