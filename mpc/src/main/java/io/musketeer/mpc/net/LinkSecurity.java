package io.musketeer.mpc.net;

import io.musketeer.mpc.Party;
import java.io.IOException;
import java.net.Socket;

/**
 * What protects a party's connections: plain TCP, or TLS layered over each connected socket (from
 * an {@code SSLContext}), and the checks of a peer that run before anything of the session is sent.
 * {@link Connector} calls these at fixed points of set-up; protocol code never sees them.
 *
 * <p>An extension (attested sessions: evidence exchanged right after the handshake and bound to the
 * channel) wraps an instance and adds its exchange in {@link #established}, where the channel is up
 * and both sides know who the other claims to be.
 */
public interface LinkSecurity {
  /**
   * Secures a TCP connection just made: returns {@code raw} itself (plaintext) or a socket layered
   * over it with its handshake done. {@code peer} is the party dialed, or null on the accepting side
   * (the hello has not named it yet). Throws a {@link TransportException} with the one-line reason
   * (a plaintext peer on a TLS port, a refused certificate...).
   */
  Socket secure(Socket raw, Party self, Party peer, String where) throws IOException;

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

  /** The public key (SubjectPublicKeyInfo DER) of the peer's certificate on {@code s}; empty if it presented none. */
  default byte[] peerPublicKey(Socket s) throws IOException {
    return new byte[0];
  }

  /** The end of a message for a peer that hung up after connecting: what may have made it refuse this party. */
  default String refusalHint(Party self) {
    return "";
  }

  /** For log lines: "plaintext" or what protects the links. */
  String describe();

  /** Plain TCP: nothing authenticated, nothing encrypted. */
  static LinkSecurity plaintext() {
    return Plaintext.INSTANCE;
  }

  enum Plaintext implements LinkSecurity {
    INSTANCE;

    @Override
    public Socket secure(Socket raw, Party self, Party peer, String where) {
      return raw;
    }

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
