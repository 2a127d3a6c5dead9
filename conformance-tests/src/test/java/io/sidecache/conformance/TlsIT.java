package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sidecache.cluster.ClusterNode;
import io.sidecache.cluster.HashRing;
import io.sidecache.protocol.testing.Ports;
import io.sidecache.server.Sidecache;
import io.sidecache.server.SidecacheConfig;
import io.sidecache.server.TlsSettings;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * TLS on every TCP listener and on the peer port (issue 14, "TLS"; issue 10, "Peer security"),
 * with a self-signed certificate made by {@code openssl} for the test: {@code redis-cli --tls},
 * Jedis over SSL, a TLS socket speaking the memcached text protocol, {@code curl https://}, and a
 * two-node cluster forwarding over TLS.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsIT {
  @TempDir static Path dir;
  private static Path cert;
  private static Path key;

  @BeforeAll
  static void certificate() throws Exception {
    cert = dir.resolve("cert.pem");
    key = dir.resolve("key.pem");
    Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
        "-keyout", key.toString(), "-out", cert.toString(), "-days", "1", "-subj",
        "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
        .redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertEquals(0, p.waitFor(), "openssl req");
  }

  private static SidecacheConfig config() {
    return SidecacheConfig.ephemeral(SidecacheServer.MEMORY_BYTES)
        .withTls(new TlsSettings(cert, key, null, TlsSettings.DEFAULT_PROTOCOLS));
  }

  /** An SSL socket factory that trusts the test certificate. */
  private static SSLSocketFactory trusting() throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(cert)) {
      ks.setCertificateEntry("sidecache", (X509Certificate) CertificateFactory
          .getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx.getSocketFactory();
  }

  private static String run(String... command) throws Exception {
    return io.sidecache.protocol.testing.ChildProcess.run(new ProcessBuilder(command),
        java.time.Duration.ofSeconds(30)).output().trim();
  }

  @Test
  void boringSslIsTheProviderWhereItIsBundled() {
    assumeTrue(System.getProperty("os.name").equals("Linux")
        && System.getProperty("os.arch").equals("amd64"), "netty-tcnative is bundled for"
        + " linux-x86_64 only");
    assertEquals(io.netty.handler.ssl.SslProvider.OPENSSL_REFCNT, TlsSettings.provider(),
        () -> "BoringSSL did not load: " + io.netty.handler.ssl.OpenSsl.unavailabilityCause());
    assertTrue(config().tls().toString().contains("tls-provider=BoringSSL"),
        config().tls().toString());
  }

  @Test
  void everyListenerSpeaksTls() throws Exception {
    try (Sidecache s = SidecacheServer.start(config())) {
      String port = Integer.toString(s.respAddress().getPort());
      if (ExternalServer.find("redis-cli").isPresent()) {
        assertEquals("OK", run("redis-cli", "--tls", "--cacert", cert.toString(), "-h",
            "127.0.0.1", "-p", port, "set", "greeting", "hello"));
        assertEquals("hello", run("redis-cli", "--tls", "--cacert", cert.toString(), "-h",
            "127.0.0.1", "-p", port, "get", "greeting"));
      }
      try (Jedis j = new Jedis(new HostAndPort("localhost", s.respAddress().getPort()),
          DefaultJedisClientConfig.builder().ssl(true).sslSocketFactory(trusting()).build())) {
        assertEquals("OK", j.set("jedis", "over tls"));
        assertEquals("over tls", j.get("jedis"));
        j.set("greeting", "hello");
      }
      try (SSLSocket socket = (SSLSocket) trusting().createSocket("127.0.0.1",
          s.memcachedAddress().getPort())) {
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        out.write("set mc 0 0 2\r\nhi\r\nget mc greeting\r\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
            StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        for (String l; !(l = in.readLine()).equals("END"); ) {
          lines.add(l);
        }
        assertEquals(List.of("STORED", "VALUE mc 0 2", "hi", "VALUE greeting 0 5", "hello"),
            lines.stream().filter(l -> !l.isEmpty()).toList().subList(0, 5));
      }
      if (ExternalServer.find("curl").isPresent()) {
        assertEquals("hello", run("curl", "-s", "--cacert", cert.toString(),
            "https://localhost:" + s.httpAddress().getPort() + "/cache/greeting"));
      }
      // A client that speaks plain RESP to the TLS port gets no answer, only a closed connection.
      try (java.net.Socket plain = new java.net.Socket("127.0.0.1", s.respAddress().getPort())) {
        plain.setSoTimeout(5_000);
        plain.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        int b;
        try {
          b = plain.getInputStream().read();
        } catch (java.net.SocketException reset) {
          b = -1;
        }
        assertTrue(b == -1 || b == 0x15, "a TLS alert or nothing, not +PONG: " + b);
      }
    }
  }

  @Test
  void withTlsCaEveryClientMustPresentACertificate() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(ExternalServer.find("redis-cli").isPresent(),
        "redis-cli is not installed");
    // The self-signed certificate is its own CA: it signs the one client certificate accepted.
    SidecacheConfig c = SidecacheConfig.ephemeral(SidecacheServer.MEMORY_BYTES)
        .withTls(new TlsSettings(cert, key, cert, TlsSettings.DEFAULT_PROTOCOLS));
    try (Sidecache s = SidecacheServer.start(c)) {
      String port = Integer.toString(s.respAddress().getPort());
      assertEquals("PONG", run("redis-cli", "--tls", "--cacert", cert.toString(), "--cert",
          cert.toString(), "--key", key.toString(), "-h", "127.0.0.1", "-p", port, "ping"));
      String refused = run("redis-cli", "--tls", "--cacert", cert.toString(), "-h",
          "127.0.0.1", "-p", port, "ping");
      assertTrue(!refused.equals("PONG"), "no client certificate, no answer: " + refused);
    }
  }

  @Test
  void peersForwardOverTls() throws Exception {
    int p1 = Ports.free();
    int p2 = Ports.free();
    List<String> join = List.of("127.0.0.1:" + p1, "127.0.0.1:" + p2);
    String name = "tls-" + System.nanoTime();
    try (Sidecache a = SidecacheServer.start(config().withCluster(new ClusterNode.Settings(name,
            "127.0.0.1", p1, 0, join, "a", "s3cret", 2, true, 2_000)));
        Sidecache b = SidecacheServer.start(config().withCluster(new ClusterNode.Settings(name,
            "127.0.0.1", p2, 0, join, "b", "s3cret", 2, true, 2_000)))) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (a.cluster().store().ring().members().size() < 2
          || b.cluster().store().ring().members().size() < 2) {
        assertTrue(System.nanoTime() < deadline, "the nodes admit each other over TLS");
        Thread.sleep(50);
      }
      HashRing ring = a.cluster().store().ring();
      String k = null;
      for (int i = 0; k == null; i++) {
        if (ring.owner(("k" + i).getBytes(StandardCharsets.UTF_8)).nodeId().equals("b")) {
          k = "k" + i;
        }
      }
      try (Jedis ja = new Jedis(new HostAndPort("localhost", a.respAddress().getPort()),
          DefaultJedisClientConfig.builder().ssl(true).sslSocketFactory(trusting()).build())) {
        assertEquals("OK", ja.set(k, "forwarded"));
        assertEquals("forwarded", ja.get(k));
      }
      assertTrue(a.cluster().store().routingStats().forwarded() > 0, "sent to b over TLS");
      // The peer port itself speaks only TLS: plain bytes get no handshake, only a close.
      try (java.net.Socket plain = new java.net.Socket("127.0.0.1",
          b.cluster().peerAddress().getPort())) {
        plain.setSoTimeout(10_000);
        plain.getOutputStream().write(new byte[64]);
        int first;
        try {
          first = plain.getInputStream().read();
        } catch (java.net.SocketException reset) {
          first = -1;
        }
        assertTrue(first == -1 || first == 0x15, "a TLS alert or a close: " + first);
      }
    }
  }

  @Test
  void unusableFilesOrProtocolsAreOneLineAtStartup() throws Exception {
    Path bad = dir.resolve("bad.pem");
    Files.writeString(bad, "not a key\n");
    SidecacheConfig c = SidecacheConfig.ephemeral(SidecacheServer.MEMORY_BYTES)
        .withTls(new TlsSettings(cert, bad, null, TlsSettings.DEFAULT_PROTOCOLS));
    Exception e = assertThrows(Exception.class, () -> Sidecache.start(c));
    assertTrue(e.getMessage().contains("--tls-key"), e.getMessage());
    SidecacheConfig badCa = SidecacheConfig.ephemeral(SidecacheServer.MEMORY_BYTES)
        .withTls(new TlsSettings(cert, key, bad, TlsSettings.DEFAULT_PROTOCOLS));
    e = assertThrows(Exception.class, () -> Sidecache.start(badCa));
    assertTrue(e.getMessage().contains("--tls-ca"), e.getMessage());
    SidecacheConfig badProtocol = SidecacheConfig.ephemeral(SidecacheServer.MEMORY_BYTES)
        .withTls(new TlsSettings(cert, key, null, List.of("TLS1.3")));
    e = assertThrows(Exception.class, () -> Sidecache.start(badProtocol));
    assertTrue(e.getMessage().contains("--tls-protocols"), e.getMessage());
  }
}
