package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.ProtocolVersion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import redis.clients.jedis.Jedis;

/**
 * The clients of a RESP conformance suite, connected to {@link #target()} for each test: a raw
 * socket for exact bytes, Jedis, and Lettuce pinned to RESP2 (RespConformance covers RESP3), so
 * both targets answer in the same reply shapes. Each test gets a unique key prefix, so tests never see each
 * other's keys unless they flush.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RespClientSuite {
  private static final AtomicInteger KEYS = new AtomicInteger();
  private RedisClient lettuceClient;
  private StatefulRedisConnection<String, String> lettuceConnection;
  RawResp raw;
  Jedis jedis;
  RedisCommands<String, String> lettuce;
  private String prefix;

  /** Returns the server under test. */
  abstract RespTarget target();

  InetSocketAddress address() {
    return target().address();
  }

  @BeforeAll
  void startLettuce() {
    lettuceClient = RedisClient.create(
        RedisURI.create(address().getHostString(), address().getPort()));
    lettuceClient.setOptions(
        ClientOptions.builder().protocolVersion(ProtocolVersion.RESP2).build());
  }

  @AfterAll
  void stopLettuce() {
    if (lettuceClient != null) {
      lettuceClient.shutdown(Duration.ZERO, Duration.ofSeconds(5));
    }
  }

  @BeforeEach
  void connect(TestInfo info) throws IOException {
    raw = new RawResp(address());
    jedis = new Jedis(address().getHostString(), address().getPort());
    lettuceConnection = lettuceClient.connect();
    lettuce = lettuceConnection.sync();
    prefix = "{" + info.getTestMethod().orElseThrow().getName() + "}:" + System.nanoTime() + ":";
  }

  @AfterEach
  void disconnect() throws IOException {
    raw.close();
    jedis.close();
    lettuceConnection.close();
  }

  /** Returns a key no other test uses. */
  String key() {
    return prefix + KEYS.incrementAndGet();
  }

  /** Waits (at most 5 s) until {@code k} is gone: short real TTLs only. */
  void awaitGone(String k) throws IOException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!raw.call("EXISTS", k).equals(":0\r\n")) {
      assertTrue(System.nanoTime() < deadline, "key " + k + " did not expire");
      Thread.onSpinWait();
    }
  }

  /** Returns the RESP error line for {@code message}. */
  static String err(String message) {
    return "-ERR " + message + "\r\n";
  }

  /** Returns the RESP bulk string for {@code s}. */
  static String bulk(String s) {
    return "$" + s.length() + "\r\n" + s + "\r\n";
  }

  /** Returns the RESP integer reply for {@code n}. */
  static String integer(long n) {
    return ":" + n + "\r\n";
  }
}
