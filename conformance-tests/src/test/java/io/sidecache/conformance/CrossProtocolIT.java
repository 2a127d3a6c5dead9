package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sidecache.server.Sidecache;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.spy.memcached.AddrUtil;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.MemcachedClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * One keyspace, three protocols: what Jedis writes, spymemcached and HTTP read, and the other way
 * round; GETRANGE and HTTP Range agree on every kind of range.
 */
class CrossProtocolIT {
  private static Sidecache server;
  private static Jedis jedis;
  private static MemcachedClient memcached;
  private static HttpClient http;

  @BeforeAll
  static void start() throws IOException {
    server = SidecacheServer.start();
    jedis = new Jedis(server.respAddress().getHostString(), server.respAddress().getPort());
    memcached = new MemcachedClient(
        new ConnectionFactoryBuilder().setProtocol(ConnectionFactoryBuilder.Protocol.TEXT)
            .setOpTimeout(5000).build(),
        AddrUtil.getAddresses("127.0.0.1:" + server.memcachedAddress().getPort()));
    http = HttpClient.newHttpClient();
  }

  @AfterAll
  static void stop() {
    jedis.close();
    memcached.shutdown(5, TimeUnit.SECONDS);
    server.close();
  }

  private static URI uri(String key) {
    return URI.create("http://127.0.0.1:" + server.httpAddress().getPort() + "/cache/" + key);
  }

  private static HttpResponse<byte[]> httpGet(String key, String range)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(key)).GET();
    if (range != null) {
      b.header("Range", range);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String body(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  @Test
  void resp_write_readByMemcachedAndHttp() throws Exception {
    jedis.set("cross:resp", "from redis");
    assertEquals("from redis", memcached.get("cross:resp"));
    HttpResponse<byte[]> r = httpGet("cross:resp", null);
    assertEquals(200, r.statusCode());
    assertEquals("from redis", body(r));
  }

  @Test
  void memcached_write_readByRespAndHttp() throws Exception {
    assertTrue(memcached.set("cross:mc", 0, "from memcached").get(5, TimeUnit.SECONDS));
    assertEquals("from memcached", jedis.get("cross:mc"));
    assertEquals("from memcached", body(httpGet("cross:mc", null)));
  }

  @Test
  void http_write_readByRespAndMemcached() throws Exception {
    HttpResponse<Void> put = http.send(
        HttpRequest.newBuilder(uri("cross:http"))
            .PUT(HttpRequest.BodyPublishers.ofString("from http")).build(),
        HttpResponse.BodyHandlers.discarding());
    assertTrue(put.statusCode() / 100 == 2, "PUT status " + put.statusCode());
    assertEquals("from http", jedis.get("cross:http"));
    assertEquals("from http", memcached.get("cross:http"));
  }

  /** Client-side caching over RESP3 hears of writes made through memcached and HTTP. */
  @Test
  void aKeyTrackedOverRespIsInvalidatedByMemcachedAndHttpWrites() throws Exception {
    String key = "cross:tracked";
    String push = ">2\r\n$10\r\ninvalidate\r\n*1\r\n$" + key.length() + "\r\n" + key + "\r\n";
    try (RawResp resp = new RawResp(server.respAddress())) {
      assertTrue(resp.call("HELLO", "3").startsWith("%7"));
      assertEquals("+OK\r\n", resp.call("CLIENT", "TRACKING", "ON"));
      assertEquals("_\r\n", resp.call("GET", key));
      assertTrue(memcached.set(key, 0, "mc").get(5, TimeUnit.SECONDS));
      assertEquals(push, resp.reply(), "after a memcached set");
      assertEquals("$2\r\nmc\r\n", resp.call("GET", key));
      HttpResponse<Void> put = http.send(HttpRequest.newBuilder(uri(key))
          .PUT(HttpRequest.BodyPublishers.ofString("web")).build(),
          HttpResponse.BodyHandlers.discarding());
      assertEquals(2, put.statusCode() / 100);
      assertEquals(push, resp.reply(), "after an HTTP PUT");
      assertEquals("$3\r\nweb\r\n", resp.call("GET", key));
      assertTrue(memcached.delete(key).get(5, TimeUnit.SECONDS));
      assertEquals(push, resp.reply(), "after a memcached delete");
    }
  }

  @Test
  void delete_visibleEverywhere() throws Exception {
    jedis.set("cross:del", "x");
    HttpResponse<Void> del = http.send(
        HttpRequest.newBuilder(uri("cross:del")).DELETE().build(),
        HttpResponse.BodyHandlers.discarding());
    assertTrue(del.statusCode() / 100 == 2);
    assertEquals(null, jedis.get("cross:del"));
    assertEquals(null, memcached.get("cross:del"));
    assertEquals(404, httpGet("cross:del", null).statusCode());
  }

  @Test
  void getrange_and_httpRange_agree() throws Exception {
    String value = "0123456789abcdefghij";
    jedis.set("cross:range", value);
    // start, middle, end, past the end
    for (long[] r : List.of(new long[] {0, 4}, new long[] {7, 12}, new long[] {15, 19},
        new long[] {15, 99})) {
      String expected = value.substring((int) r[0], (int) Math.min(r[1] + 1, value.length()));
      assertEquals(expected, jedis.getrange("cross:range", r[0], r[1]));
      HttpResponse<byte[]> resp = httpGet("cross:range", "bytes=" + r[0] + "-" + r[1]);
      assertEquals(206, resp.statusCode());
      assertEquals(expected, body(resp));
      long last = Math.min(r[1], value.length() - 1);
      assertEquals("bytes " + r[0] + "-" + last + "/" + value.length(),
          resp.headers().firstValue("Content-Range").orElseThrow());
    }
    assertEquals("ghij", jedis.getrange("cross:range", -4, -1));
    assertEquals("ghij", body(httpGet("cross:range", "bytes=-4")));
    assertEquals("", jedis.getrange("cross:range", 25, 30));
    HttpResponse<byte[]> unsatisfiable = httpGet("cross:range", "bytes=25-30");
    assertEquals(416, unsatisfiable.statusCode());
    assertEquals("bytes */20", unsatisfiable.headers().firstValue("Content-Range").orElseThrow());
  }

  @Test
  void binaryValue_roundTrips() throws Exception {
    byte[] value = new byte[256];
    for (int i = 0; i < value.length; i++) {
      value[i] = (byte) i;
    }
    jedis.set("cross:bin".getBytes(StandardCharsets.US_ASCII), value);
    assertArrayEquals(value, httpGet("cross:bin", null).body());
  }
}
