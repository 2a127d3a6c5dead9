package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sidecache.server.Sidecache;
import io.sidecache.server.SidecacheConfig;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import net.spy.memcached.AddrUtil;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.auth.AuthDescriptor;
import net.spy.memcached.auth.PlainCallbackHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SASL PLAIN on the memcached port, against Sidecache only: the installed memcached is built
 * without a SASL password database to test against ({@code -S} needs Cyrus SASL set up with
 * users), so the reference behaviour is taken from memcached's {@code proto_bin.c} instead.
 */
class SidecacheMemcachedSaslIT {
  private static Sidecache server;

  @BeforeAll
  static void start() throws InterruptedException {
    server = Sidecache.start(
        SidecacheConfig.ephemeral(16L * 1024 * 1024).withMemcachedSasl("app", "s3cret"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private MemcachedClient spy(String user, String password) throws IOException {
    return new MemcachedClient(
        new ConnectionFactoryBuilder().setProtocol(ConnectionFactoryBuilder.Protocol.BINARY)
            .setAuthDescriptor(new AuthDescriptor(new String[] {"PLAIN"},
                new PlainCallbackHandler(user, password)))
            .setOpTimeout(5000).build(),
        AddrUtil.getAddresses("127.0.0.1:" + server.memcachedAddress().getPort()));
  }

  @Test
  void spy_authenticated_setGet() throws Exception {
    MemcachedClient c = spy("app", "s3cret");
    try {
      assertTrue(c.set("sasl:k", 0, "v").get(5, TimeUnit.SECONDS));
      assertEquals("v", c.get("sasl:k"));
    } finally {
      c.shutdown(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void raw_unauthenticatedGet_authErrorThenClose() throws IOException {
    try (Socket s = connect()) {
      s.getOutputStream().write(packet(0x00, "k", new byte[0]));
      DataInputStream in = new DataInputStream(s.getInputStream());
      assertEquals(0x20, status(in));
      assertEquals(-1, in.read(), "closed");
    }
  }

  @Test
  void raw_wrongPassword_authError_thenRightOne() throws IOException {
    try (Socket s = connect()) {
      DataInputStream in = new DataInputStream(s.getInputStream());
      s.getOutputStream().write(packet(0x20, "", new byte[0]));
      assertEquals(0, status(in));
      s.getOutputStream().write(packet(0x21, "PLAIN", bytes("\0app\0wrong")));
      assertEquals(0x20, status(in));
      s.getOutputStream().write(packet(0x21, "PLAIN", bytes("\0app\0s3cret")));
      assertEquals(0, status(in));
      s.getOutputStream().write(packet(0x0a, "", new byte[0]));
      assertEquals(0, status(in));
    }
  }

  @Test
  void raw_textProtocol_closedWithoutAnswer() throws IOException {
    try (Socket s = connect()) {
      s.getOutputStream().write(bytes("get k\r\n"));
      assertEquals(-1, s.getInputStream().read());
    }
  }

  private static Socket connect() throws IOException {
    Socket s = new Socket("127.0.0.1", server.memcachedAddress().getPort());
    s.setSoTimeout(5000);
    return s;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] packet(int op, String key, byte[] value) {
    byte[] k = bytes(key);
    return ByteBuffer.allocate(24 + k.length + value.length).put((byte) 0x80).put((byte) op)
        .putShort((short) k.length).putInt(0).putInt(k.length + value.length).putInt(1)
        .putLong(0).put(k).put(value).array();
  }

  /** Reads one response and returns its status. */
  private static int status(DataInputStream in) throws IOException {
    byte[] header = new byte[24];
    in.readFully(header);
    ByteBuffer b = ByteBuffer.wrap(header);
    in.readFully(new byte[b.getInt(8)]);
    return b.getShort(6) & 0xFFFF;
  }
}
