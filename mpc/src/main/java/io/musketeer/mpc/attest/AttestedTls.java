package io.musketeer.mpc.attest;

import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.LinkSecurity;
import io.musketeer.mpc.net.PartyKey;
import io.musketeer.mpc.net.Peers;
import io.musketeer.mpc.net.TlsSecurity;
import io.musketeer.mpc.net.TransportException;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;

/**
 * TLS 1.3 for malicious mode: a key pair made inside this process for this run (never read from a
 * file a host could copy), and peers authenticated by attestation instead of certificate pins. The
 * handshake accepts any certificate, which proves possession of its key; the {@link AttestedSession}
 * that runs first over the link then requires evidence bound to this connection's exporter and to
 * that certificate's key, before anything of the session is sent.
 */
public final class AttestedTls implements LinkSecurity {
  private final TlsSecurity tls;
  private final PartyKey key;

  private AttestedTls(PartyKey key, Peers peers) {
    this.key = key;
    this.tls = new TlsSecurity(key, peers);
  }

  /** A fresh key pair and certificate for {@code self}, valid for a day. */
  public static AttestedTls fresh(Party self, Peers peers) {
    return new AttestedTls(PartyKey.generate(self, List.of(), Duration.ofDays(1)), peers);
  }

  /** This party's TLS public key (SubjectPublicKeyInfo DER): what its evidence binds. */
  public byte[] publicKey() {
    return key.certificate().getPublicKey().getEncoded();
  }

  @Override
  public Socket secure(Socket raw, Party self, Party peer, String where) throws IOException {
    return tls.secure(raw, self, peer, where);
  }

  @Override
  public void verifyPeer(Socket s, Party self, Party peer, String where) throws IOException {
    try {
      ((SSLSocket) s).getSession().getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      throw new TransportException("the " + peer.label() + " at " + where + " presented no certificate", e);
    }
  }

  @Override
  public byte[] channelBinding(Socket s) throws IOException {
    return tls.channelBinding(s);
  }

  @Override
  public byte[] peerPublicKey(Socket s) throws IOException {
    return tls.peerPublicKey(s);
  }

  @Override
  public String refusalHint(Party self) {
    return "; is it running in another security mode? check its log";
  }

  @Override
  public String describe() {
    return "TLS 1.3 with a key made for this run, peers authenticated by attestation";
  }
}
