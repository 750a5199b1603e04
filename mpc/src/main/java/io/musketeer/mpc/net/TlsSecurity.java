package io.musketeer.mpc.net;

import io.musketeer.mpc.Party;
import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS 1.3 with mutual authentication, each party's certificate pinned by its fingerprint in the
 * peers file (JSSE; AES-GCM with the JDK's AES-NI intrinsics).
 *
 * <p>No certificate authority is trusted: the handshake accepts any certificate, which proves
 * possession of its key, and {@link #verifyPeer} then compares its fingerprint with the pins for the
 * role it claims, and checks its validity dates, before this party sends anything of the session
 * (the dialing side checks before its hello, the accepting side before its answer). So a wrong,
 * expired or unpinned certificate is refused with one clear line and no share is ever sent to it.
 *
 * <p><b>Channel binding.</b> {@link #channelBinding} is the TLS exporter (RFC 8446 section 7.5) with
 * label {@value #EXPORTER_LABEL}, where the JDK offers it (JDK 25 and later). Older JDKs have no
 * exporter; there the binding is a hash of both certificates (in byte order). That is equivalent for
 * what the binding is for: the pair-seed key agreement runs inside this authenticated, encrypted
 * channel, and a party's certificate is pinned, so a man in the middle would need a pinned
 * certificate's private key to take part at all; either binding makes the seed depend on the two
 * authenticated identities, and the exporter also on this one connection's secrets.
 */
public final class TlsSecurity implements LinkSecurity {
  static final String EXPORTER_LABEL = "EXPORTER-musketeer-channel-binding";
  static final int BINDING_BYTES = 32;
  private static final String[] PROTOCOLS = {"TLSv1.3"};
  private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);
  /** {@code ExtendedSSLSession.exportKeyingMaterialData(String, byte[], int)}, JDK 25+; null before. */
  private static final MethodHandle EXPORTER = exporter();

  private final PartyKey own;
  private final Peers peers;
  static final String[] CIPHER_SUITES = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"};
  private final SSLContext context;

  /**
   * @param own this party's key and certificate
   * @param peers the peers file, with the pins of every party this one will talk to
   */
  public TlsSecurity(PartyKey own, Peers peers) {
    this.own = Objects.requireNonNull(own);
    this.peers = Objects.requireNonNull(peers);
    try {
      context = SSLContext.getInstance("TLSv1.3");
      context.init(new KeyManager[] {new OwnKey(own)}, new TrustManager[] {new PinnedLater()}, null);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up TLS 1.3 in this JDK: " + e.getMessage(), e);
    }
  }

  /** Whether this JDK gives the TLS exporter (else the certificate binding is used, see the class comment). */
  public static boolean hasExporter() {
    return EXPORTER != null;
  }

  @Override
  public String describe() {
    return "TLS 1.3, mutual authentication, certificate " + own.fingerprint();
  }

  // ---------------------------------------------------------------- sockets

  /** TLS layered over {@code raw} (closing it closes {@code raw}), handshake done before it returns. */
  @Override
  public Socket secure(Socket raw, Party self, Party peer, String where) throws IOException {
    SSLSocket ssl;
    if (peer != null) {
      ssl = (SSLSocket) context.getSocketFactory().createSocket(raw, raw.getInetAddress().getHostAddress(), raw.getPort(), true);
      ssl.setUseClientMode(true);
    } else {
      ssl = (SSLSocket) context.getSocketFactory().createSocket(raw, null, true);
      ssl.setUseClientMode(false);
      ssl.setNeedClientAuth(true);
    }
    ssl.setEnabledProtocols(PROTOCOLS);
    // AES-128-GCM first (the JDK prefers AES-256): the links carry gigabytes, and 128-bit keys are
    // ample for a session's traffic; the server's order decides, both ends being Musketeer
    javax.net.ssl.SSLParameters parameters = ssl.getSSLParameters();
    parameters.setCipherSuites(CIPHER_SUITES);
    parameters.setUseCipherSuitesOrder(true);
    ssl.setSSLParameters(parameters);
    handshake(ssl, self, peer, where);
    return ssl;
  }

  // ---------------------------------------------------------------- checks

  private void handshake(SSLSocket ssl, Party self, Party peer, String where) throws IOException {
    String who = peer != null ? "the " + peer.label() + " at " + where : "the peer at " + where;
    try {
      ssl.startHandshake();
      ssl.getSession().getPeerCertificates(); // TLS 1.3: the client's certificate arrives after the server's Finished
    } catch (SSLHandshakeException e) {
      throw new TransportException("TLS handshake with " + who + " failed (" + describeTls(e) + ")" + hint(e, self), e);
    } catch (SSLException e) {
      String m = String.valueOf(e.getMessage());
      if (m.contains("Unsupported or unrecognized SSL message") || m.contains("plaintext")) {
        throw new TransportException(who + " does not speak TLS (is it running with --plaintext?); run all three parties with TLS (the default) "
            + "or all with --plaintext", e);
      }
      throw new TransportException("TLS handshake with " + who + " failed (" + describeTls(e) + ")" + hint(e, self), e);
    } catch (EOFException | SocketException e) {
      throw new TransportException(who + " closed the connection during the TLS handshake; is it running with --plaintext, or does it refuse the "
          + self.label() + "'s certificate " + own.fingerprint() + "? check its log", e);
    }
  }

  private String hint(SSLException e, Party self) {
    String m = String.valueOf(e.getMessage());
    if (m.contains("terminated") || m.contains("closed")) {
      return "; is it running with --plaintext, or does its peers file not pin the " + self.label() + "'s certificate " + own.fingerprint() + "?";
    }
    if (m.contains("bad_certificate") || m.contains("certificate_unknown")) return refusalHint(self);
    return "";
  }

  /** A party in malicious mode presents a key made for that run, never a pinned one. */
  public static final String ANOTHER_MODE = "; if that party runs in malicious mode (its key is made per run and attested), "
      + "run this one with --security malicious too";

  @Override
  public String refusalHint(Party self) {
    return "; does its peers file pin the " + self.label() + "'s certificate " + own.fingerprint() + "? check its log";
  }

  private static String describeTls(SSLException e) {
    String m = e.getMessage();
    return m != null && !m.isBlank() ? m : e.getClass().getSimpleName();
  }

  @Override
  public void verifyPeer(Socket s, Party self, Party peer, String where) throws IOException {
    SSLSession session = ((SSLSocket) s).getSession();
    Certificate[] chain;
    try {
      chain = session.getPeerCertificates();
    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
      throw new TransportException("the " + peer.label() + " at " + where + " presented no certificate; run it with --key", e);
    }
    X509Certificate cert = (X509Certificate) chain[0];
    Fingerprint f = Fingerprint.of(cert);
    List<Fingerprint> pins = peers.pins(peer);
    if (pins.isEmpty()) {
      throw new TransportException("the peers file pins no certificate for the " + peer.label() + " (the " + peer.label() + " at " + where
          + " presented " + f + "); add its fingerprint to the " + peer.label() + "'s line, or run every party with --plaintext");
    }
    if (!pins.contains(f)) {
      throw new TransportException("the " + peer.label() + " at " + where + " presented certificate " + f + ", the peers file pins "
          + pins.stream().map(Fingerprint::toString).collect(Collectors.joining(" or ")) + ANOTHER_MODE);
    }
    try {
      cert.checkValidity();
    } catch (CertificateExpiredException e) {
      throw new TransportException("the " + peer.label() + " at " + where + " presented certificate " + f + ", which expired on "
          + DATE.format(cert.getNotAfter().toInstant()) + "; make it a new key (musketeer keygen --role " + peer.label()
          + ") and pin that in every peers file", e);
    } catch (CertificateNotYetValidException e) {
      throw new TransportException("the " + peer.label() + " at " + where + " presented certificate " + f + ", which is valid only from "
          + DATE.format(cert.getNotBefore().toInstant()) + "; are the two machines' clocks right?", e);
    }
  }

  // ---------------------------------------------------------------- channel binding

  @Override
  public byte[] channelBinding(Socket s) throws IOException {
    SSLSession session = ((SSLSocket) s).getSession();
    if (EXPORTER != null && session instanceof ExtendedSSLSession ext) {
      try {
        return (byte[]) EXPORTER.invoke(ext, EXPORTER_LABEL, new byte[0], BINDING_BYTES);
      } catch (IOException e) {
        throw e;
      } catch (Throwable e) {
        throw new IOException("TLS exporter failed: " + e.getMessage(), e);
      }
    }
    try {
      return certificateBinding(session.getLocalCertificates()[0].getEncoded(), session.getPeerCertificates()[0].getEncoded());
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IOException("certificate cannot be encoded", e);
    }
  }

  /** SHA-256 over both certificates, the smaller DER first, so both ends compute the same value. */
  static byte[] certificateBinding(byte[] a, byte[] b) {
    try {
      if (Arrays.compare(a, b) > 0) {
        byte[] t = a;
        a = b;
        b = t;
      }
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update("musketeer channel binding: certificates/v1".getBytes(StandardCharsets.US_ASCII));
      for (byte[] c : new byte[][] {a, b}) {
        d.update(new byte[] {(byte) (c.length >>> 24), (byte) (c.length >>> 16), (byte) (c.length >>> 8), (byte) c.length});
        d.update(c);
      }
      return d.digest();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  @Override
  public byte[] peerPublicKey(Socket s) throws IOException {
    Certificate[] chain = ((SSLSocket) s).getSession().getPeerCertificates();
    return chain[0].getPublicKey().getEncoded();
  }

  private static MethodHandle exporter() {
    try {
      return MethodHandles.publicLookup().findVirtual(ExtendedSSLSession.class, "exportKeyingMaterialData",
          MethodType.methodType(byte[].class, String.class, byte[].class, int.class));
    } catch (NoSuchMethodException | IllegalAccessException e) {
      return null;
    }
  }

  /**
   * Serves this party's one key and certificate to the handshake, for the key type it asks for (as the
   * JDK's SunX509 key manager does). A key store would do the same at start-up cost: PKCS12 encrypts
   * the key with 10,000 PBKDF2 rounds just to hand it back, about half a second of a cold JVM.
   */
  private static final class OwnKey extends X509ExtendedKeyManager {
    private static final String ALIAS = "party";
    private final PrivateKey key;
    private final X509Certificate[] chain;

    OwnKey(PartyKey own) {
      this.key = own.privateKey();
      this.chain = new X509Certificate[] {own.certificate()};
    }

    private String alias(String keyType) {
      return key.getAlgorithm().equals(keyType) ? ALIAS : null;
    }

    private String alias(String[] keyTypes) {
      if (keyTypes != null) for (String t : keyTypes) if (alias(t) != null) return ALIAS;
      return null;
    }

    private String[] aliases(String keyType) {
      return alias(keyType) == null ? null : new String[] {ALIAS};
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
      return alias(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
      return alias(keyTypes);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return alias(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return alias(keyType);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return aliases(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return aliases(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return ALIAS.equals(alias) ? chain.clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return ALIAS.equals(alias) ? key : null;
    }
  }

  /**
   * Accepts any certificate during the handshake, which proves possession of its key; the pin and
   * the dates are checked right after it, in {@link #verifyPeer}, with the role the peer claims and
   * a message naming it. Nothing of the session is sent before that check.
   */
  private static final class PinnedLater extends X509ExtendedTrustManager {
    private static void requireOne(X509Certificate[] chain) throws java.security.cert.CertificateException {
      if (chain == null || chain.length == 0) throw new java.security.cert.CertificateException("no certificate");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws java.security.cert.CertificateException {
      requireOne(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws java.security.cert.CertificateException {
      requireOne(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws java.security.cert.CertificateException {
      requireOne(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws java.security.cert.CertificateException {
      requireOne(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
      requireOne(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
      requireOne(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
