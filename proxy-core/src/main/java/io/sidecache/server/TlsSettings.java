package io.sidecache.server;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * TLS on the TCP listeners (RESP, memcached, HTTP) and on the cluster's peer port
 * (docs/configuration.md, "TLS"): a PEM certificate chain and private key, optionally a CA whose
 * client certificates every client must present (Redis {@code tls-auth-clients yes} with {@code
 * tls-ca-cert-file}), and the protocol versions allowed. Unix domain sockets stay plain, as in
 * Redis. Netty's {@code SslHandler} over BoringSSL (netty-tcnative-boringssl-static, bundled for
 * linux-x86_64) when it loads, else over the JDK's TLS; {@code -Dio.netty.handler.ssl.noOpenSsl=true}
 * forces the JDK's. Immutable.
 *
 * @param cert the PEM certificate chain ({@code --tls-cert})
 * @param key the PEM PKCS#8 private key of its first certificate ({@code --tls-key})
 * @param ca the PEM CA certificates that sign client certificates, or {@code null} for no client
 *     authentication ({@code --tls-ca})
 * @param protocols the protocol versions allowed, e.g. {@code TLSv1.3} ({@code --tls-protocols})
 */
public record TlsSettings(Path cert, Path key, Path ca, List<String> protocols) {

  /**
   * The TLS implementation every context uses: BoringSSL through netty-tcnative when its native
   * library loads on this machine, else the JDK's. The OpenSSL contexts and engines are the
   * reference-counted kind: each connection's {@code SslHandler} releases its engine when the
   * connection closes, and the node releases its contexts when it stops ({@link #release}), with
   * no finalizers involved.
   *
   * @return {@link SslProvider#OPENSSL_REFCNT} or {@link SslProvider#JDK}
   */
  public static SslProvider provider() {
    return OpenSsl.isAvailable() ? SslProvider.OPENSSL_REFCNT : SslProvider.JDK;
  }

  /**
   * Releases a context this class built (a no-op for the JDK's).
   *
   * @param context the context, or {@code null}
   */
  static void release(SslContext context) {
    io.netty.util.ReferenceCountUtil.release(context);
  }

  /** The protocol versions allowed by default. */
  public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  /**
   * Checks the settings.
   *
   * @throws IllegalArgumentException if a file is not readable or no protocol is given
   */
  public TlsSettings {
    Objects.requireNonNull(cert, "cert");
    Objects.requireNonNull(key, "key");
    protocols = List.copyOf(protocols);
    if (protocols.isEmpty()) {
      throw new IllegalArgumentException("tlsProtocols: none (expected: e.g. TLSv1.3,TLSv1.2)");
    }
    readable("tlsCert", cert);
    readable("tlsKey", key);
    if (ca != null) {
      readable("tlsCa", ca);
    }
  }

  private static void readable(String field, Path p) {
    if (!Files.isReadable(p)) {
      throw new IllegalArgumentException(field + ": " + p + " (expected: a readable PEM file)");
    }
  }

  /**
   * Builds the server side (every TCP listener's and the peer port's) and checks it once: the
   * protocols are known, an engine can be made.
   *
   * @throws StartupException naming the option whose file or value cannot be used
   */
  SslContext server() {
    SslContextBuilder b;
    try {
      b = SslContextBuilder.forServer(cert.toFile(), key.toFile());
    } catch (RuntimeException e) {
      throw unusable("the certificate or key (--tls-cert, --tls-key)", e);
    }
    b.sslProvider(provider()).protocols(protocols);
    if (ca != null) {
      try {
        b.trustManager(ca.toFile()).clientAuth(ClientAuth.REQUIRE);
      } catch (RuntimeException e) {
        throw unusable("the CA certificates (--tls-ca)", e);
      }
    }
    return checked(b, ca != null ? "--tls-cert, --tls-key or --tls-ca" : "--tls-cert or --tls-key");
  }

  /**
   * Builds the client side of peer connections: it trusts the CA when given, else the node's own
   * certificate (every node of a cluster shares one), checks that the certificate names the
   * address dialled (HTTPS endpoint identification: a SAN for each node's {@code --bind}), and
   * presents the node's certificate.
   *
   * @throws StartupException naming the option whose file or value cannot be used
   */
  SslContext peerClient() {
    SslContextBuilder b;
    try {
      b = SslContextBuilder.forClient().trustManager((ca != null ? ca : cert).toFile())
          .keyManager(cert.toFile(), key.toFile());
    } catch (RuntimeException e) {
      throw unusable(ca != null ? "--tls-ca" : "--tls-cert or --tls-key", e);
    }
    return checked(b.sslProvider(provider()).protocols(protocols)
        .endpointIdentificationAlgorithm("HTTPS"), ca != null ? "--tls-ca" : "--tls-cert");
  }

  /** Builds a context and makes one engine, so a bad protocol or file fails now, not per client. */
  private SslContext checked(SslContextBuilder b, String options) {
    SslContext ctx = null;
    try {
      ctx = b.build();
      io.netty.util.ReferenceCountUtil.release(ctx.newEngine(
          io.netty.buffer.ByteBufAllocator.DEFAULT));
      return ctx;
    } catch (SSLException | RuntimeException e) {
      release(ctx);
      throw unusable(options + " with --tls-protocols " + String.join(",", protocols), e);
    }
  }

  private static StartupException unusable(String what, Exception e) {
    return new StartupException("cannot use " + what + ": " + e.getMessage()
        + " (PEM files; the key in PKCS#8; protocols such as TLSv1.3,TLSv1.2)", e);
  }

  /** What the start-up summary shows. */
  @Override
  public String toString() {
    return "tls-cert=" + cert + (ca != null ? " tls-ca=" + ca : "") + " tls-protocols="
        + String.join(",", protocols) + " tls-provider=" + (provider() == SslProvider.JDK
            ? "JDK" : OpenSsl.versionString());
  }
}
