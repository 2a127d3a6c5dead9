package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * {@code requirepass}: NOAUTH before authentication, AUTH in both forms, WRONGPASS, HELLO with
 * AUTH, and Jedis configured with a password. Subclasses start a server whose password is {@link
 * #PASSWORD}, Sidecache and a real redis-server.
 */
abstract class RespAuthConformance {
  static final String PASSWORD = "s3cret pass";
  private RawResp raw;

  /** Returns the address of the server under test, started with {@link #PASSWORD}. */
  abstract InetSocketAddress respAddress();

  @BeforeEach
  void connect() throws IOException {
    raw = new RawResp(respAddress());
  }

  @AfterEach
  void disconnect() throws IOException {
    raw.close();
  }

  @Test
  void commandsBeforeAuth_noauth() throws IOException {
    assertEquals("-NOAUTH Authentication required.\r\n", raw.call("GET", "k"));
    assertEquals("-NOAUTH Authentication required.\r\n", raw.call("PING"));
    assertEquals("-NOAUTH Authentication required.\r\n", raw.call("MULTI"));
    assertEquals("-ERR unknown command 'NOPE', with args beginning with: \r\n", raw.call("NOPE"));
    assertEquals("-ERR wrong number of arguments for 'get' command\r\n", raw.call("GET"));
  }

  @Test
  void auth_passwordForms() throws IOException {
    assertEquals("-WRONGPASS invalid username-password pair or user is disabled.\r\n",
        raw.call("AUTH", "wrong"));
    assertEquals("-WRONGPASS invalid username-password pair or user is disabled.\r\n",
        raw.call("AUTH", "someone", PASSWORD));
    assertEquals("-WRONGPASS invalid username-password pair or user is disabled.\r\n",
        raw.call("AUTH", "DEFAULT", PASSWORD), "user names are case-sensitive");
    assertEquals("-ERR syntax error\r\n", raw.call("AUTH", "a", "b", "c"));
    assertEquals("-NOAUTH Authentication required.\r\n", raw.call("GET", "k"));
    assertEquals("+OK\r\n", raw.call("AUTH", PASSWORD));
    assertEquals("+PONG\r\n", raw.call("PING"));
    assertEquals("-WRONGPASS invalid username-password pair or user is disabled.\r\n",
        raw.call("AUTH", "wrong"));
    assertEquals("+PONG\r\n", raw.call("PING"), "a failed AUTH keeps the earlier login");
  }

  @Test
  void auth_withDefaultUser() throws IOException {
    assertEquals("+OK\r\n", raw.call("AUTH", "default", PASSWORD));
    assertEquals(":0\r\n", raw.call("EXISTS", "auth:nothing"));
  }

  @Test
  void hello_requiresAuthOrAuthOption() throws IOException {
    String noauth = raw.call("HELLO", "2");
    assertTrue(noauth.startsWith("-NOAUTH HELLO must be called with the client already"
        + " authenticated"), noauth);
    assertEquals("-WRONGPASS invalid username-password pair or user is disabled.\r\n",
        raw.call("HELLO", "2", "AUTH", "default", "wrong"));
    String hello = raw.call("HELLO", "2", "AUTH", "default", PASSWORD, "SETNAME", "me");
    assertTrue(hello.startsWith("*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n"), hello);
    assertEquals("$2\r\nme\r\n", raw.call("CLIENT", "GETNAME"));
  }

  @Test
  void jedis_withPassword() {
    HostAndPort hp = new HostAndPort(respAddress().getHostString(), respAddress().getPort());
    try (Jedis jedis = new Jedis(hp, DefaultJedisClientConfig.builder().password(PASSWORD)
        .build())) {
      jedis.set("auth:k", "v");
      assertEquals("v", jedis.get("auth:k"));
    }
    assertThrows(JedisAccessControlException.class, () -> {
      try (Jedis wrong = new Jedis(hp, DefaultJedisClientConfig.builder().password("nope")
          .build())) {
        wrong.ping();
      }
    });
    try (Jedis none = new Jedis(hp)) {
      JedisDataException e = assertThrows(JedisDataException.class, () -> none.get("auth:k"));
      assertTrue(e.getMessage().startsWith("NOAUTH"), e.getMessage());
    }
  }
}
