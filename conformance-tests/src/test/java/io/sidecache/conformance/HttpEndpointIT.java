package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sidecache.server.Sidecache;
import io.sidecache.server.SidecacheConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.spy.memcached.AddrUtil;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.MemcachedClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/**
 * The HTTP endpoint through {@code java.net.http} (and raw sockets where that client cannot send
 * the request): every status and header docs/protocol-http.md lists, over chunked values (a
 * 1 KiB chunk size, so small values span many chunks), conditional-write races, and the
 * operations endpoints after traffic on all three protocols.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HttpEndpointIT {
  private static final int CHUNK = 1024;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Sidecache server;
  private static HttpClient http;

  @BeforeAll
  static void start() {
    server = SidecacheServer.start(
        SidecacheConfig.ephemeral(SidecacheServer.MEMORY_BYTES).withChunkSize(CHUNK));
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.httpAddress().getPort() + path);
  }

  private static HttpResponse<byte[]> send(HttpRequest.Builder b) throws Exception {
    return http.send(b.timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static HttpResponse<byte[]> get(String path, String... headers) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)).headers(headers.length == 0
        ? new String[] {"Accept", "*/*"} : headers).GET());
  }

  private static HttpResponse<byte[]> put(String path, byte[] body, String... headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(b);
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  private static String header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name).orElse(null);
  }

  /** Sends raw bytes on a new connection and returns all the server answers until it closes. */
  private static String raw(String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", server.httpAddress().getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void putGetHeadDelete_statusesAndHeaders() throws Exception {
    byte[] value = bytes(10 * CHUNK + 17, 1);
    HttpResponse<byte[]> created = put("/cache/it:crud", value);
    assertEquals(201, created.statusCode());
    String etag = header(created, "ETag");
    assertNotNull(etag);
    HttpResponse<byte[]> got = get("/cache/it:crud");
    assertEquals(200, got.statusCode());
    assertArrayEquals(value, got.body());
    assertEquals(etag, header(got, "ETag"));
    assertEquals("bytes", header(got, "Accept-Ranges"));
    assertEquals("application/octet-stream", header(got, "Content-Type"));
    assertEquals(null, header(got, "Cache-Control"));
    HttpResponse<byte[]> head = send(HttpRequest.newBuilder(uri("/cache/it:crud"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertEquals(200, head.statusCode());
    assertEquals(String.valueOf(value.length), header(head, "Content-Length"));
    assertEquals(etag, header(head, "ETag"));
    assertEquals(0, head.body().length);
    HttpResponse<byte[]> replaced = put("/cache/it:crud", "small".getBytes(StandardCharsets.UTF_8));
    assertEquals(204, replaced.statusCode());
    assertNotEquals(etag, header(replaced, "ETag"));
    assertEquals(204, send(HttpRequest.newBuilder(uri("/cache/it:crud")).DELETE()).statusCode());
    HttpResponse<byte[]> gone = send(HttpRequest.newBuilder(uri("/cache/it:crud")).DELETE());
    assertEquals(404, gone.statusCode());
    assertEquals("application/json", header(gone, "Content-Type"));
    assertEquals(404, JSON.readTree(gone.body()).get("status").asInt());
    assertEquals(404, get("/cache/it:crud").statusCode());
  }

  @Test
  void ttl_queryAndCacheControl_maxAgeOnReads() throws Exception {
    assertEquals(201, put("/cache/it:ttl?ttl=100", new byte[3]).statusCode());
    assertEquals(201, put("/cache/it:ttl2", bytes(3 * CHUNK, 2), "Cache-Control", "max-age=50")
        .statusCode());
    String maxAge = header(get("/cache/it:ttl"), "Cache-Control");
    assertTrue(maxAge.equals("max-age=100") || maxAge.equals("max-age=99"), maxAge);
    String chunked = header(get("/cache/it:ttl2"), "Cache-Control");
    assertTrue(chunked.equals("max-age=50") || chunked.equals("max-age=49"), chunked);
    try (Jedis jedis = new Jedis(server.respAddress().getHostString(),
        server.respAddress().getPort())) {
      long ttl = jedis.ttl("it:ttl");
      assertTrue(ttl > 90 && ttl <= 100, "TTL " + ttl);
    }
    HttpResponse<byte[]> bad = put("/cache/it:ttl?ttl=zero", new byte[1]);
    assertEquals(400, bad.statusCode());
    assertTrue(JSON.readTree(bad.body()).get("message").asText().contains("ttl"));
  }

  @Test
  void conditionalRequests_304And412() throws Exception {
    String etag = header(put("/cache/it:cond", bytes(5 * CHUNK, 3)), "ETag");
    assertEquals(304, get("/cache/it:cond", "If-None-Match", etag).statusCode());
    assertEquals(200, get("/cache/it:cond", "If-None-Match", "\"nope\"").statusCode());
    assertEquals(412, get("/cache/it:cond", "If-Match", "\"nope\"").statusCode());
    assertEquals(412, put("/cache/it:cond", new byte[1], "If-None-Match", "*").statusCode());
    assertEquals(412, put("/cache/it:cond", new byte[1], "If-Match", "\"nope\"").statusCode());
    HttpResponse<byte[]> won = put("/cache/it:cond", bytes(2 * CHUNK, 4), "If-Match", etag);
    assertEquals(204, won.statusCode());
    assertEquals(412, send(HttpRequest.newBuilder(uri("/cache/it:cond"))
        .header("If-Match", etag).DELETE()).statusCode());
    assertEquals(204, send(HttpRequest.newBuilder(uri("/cache/it:cond"))
        .header("If-Match", header(won, "ETag")).DELETE()).statusCode());
    assertEquals(201, put("/cache/it:cond", new byte[1], "If-None-Match", "*").statusCode());
  }

  @Test
  void ranges_singleMultipartUnsatisfiableIfRange_readOnlyTheirChunks() throws Exception {
    byte[] value = bytes(20 * CHUNK, 5);
    String etag = header(put("/cache/it:range", value), "ETag");
    HttpResponse<byte[]> one = get("/cache/it:range", "Range", "bytes=1000-1100");
    assertEquals(206, one.statusCode());
    assertEquals("bytes 1000-1100/" + value.length, header(one, "Content-Range"));
    assertArrayEquals(java.util.Arrays.copyOfRange(value, 1000, 1101), one.body());
    assertEquals(206, get("/cache/it:range", "Range", "bytes=-10").statusCode());
    assertEquals(206, get("/cache/it:range", "Range", "bytes=20000-").statusCode());

    long before = server.store().stats().chunks().orElseThrow().memoryReads();
    long hits = server.store().stats().hits();
    // Two ranges, each inside one chunk: chunk 2 and chunk 15.
    HttpResponse<byte[]> multi = get("/cache/it:range", "Range",
        "bytes=" + (2 * CHUNK + 5) + "-" + (2 * CHUNK + 9) + "," + (15 * CHUNK) + "-"
            + (15 * CHUNK + 3));
    long reads = server.store().stats().chunks().orElseThrow().memoryReads() - before;
    assertEquals(206, multi.statusCode());
    assertEquals(2, reads, "chunk reads for two ranges in two chunks");
    assertEquals(1, server.store().stats().hits() - hits, "one client read, one hit");
    String type = header(multi, "Content-Type");
    assertTrue(type.startsWith("multipart/byteranges; boundary="), type);
    String boundary = type.substring(type.indexOf('=') + 1);
    String body = new String(multi.body(), StandardCharsets.ISO_8859_1);
    assertEquals(String.valueOf(multi.body().length), header(multi, "Content-Length"));
    assertTrue(body.startsWith("--" + boundary + "\r\n"), body);
    assertTrue(body.endsWith("\r\n--" + boundary + "--\r\n"), body);
    assertTrue(body.contains("Content-Range: bytes " + (2 * CHUNK + 5) + "-" + (2 * CHUNK + 9)
        + "/" + value.length + "\r\n\r\n"
        + new String(value, 2 * CHUNK + 5, 5, StandardCharsets.ISO_8859_1) + "\r\n--"));
    assertTrue(body.contains("Content-Range: bytes " + (15 * CHUNK) + "-" + (15 * CHUNK + 3)
        + "/" + value.length + "\r\n\r\n"
        + new String(value, 15 * CHUNK, 4, StandardCharsets.ISO_8859_1) + "\r\n--"));

    HttpResponse<byte[]> unsatisfiable = get("/cache/it:range", "Range", "bytes=999999-");
    assertEquals(416, unsatisfiable.statusCode());
    assertEquals("bytes */" + value.length, header(unsatisfiable, "Content-Range"));
    assertEquals(206, get("/cache/it:range", "Range", "bytes=0-0", "If-Range", etag)
        .statusCode());
    HttpResponse<byte[]> stale = get("/cache/it:range", "Range", "bytes=0-0", "If-Range",
        "\"0\"");
    assertEquals(200, stale.statusCode());
    assertArrayEquals(value, stale.body());
  }

  @Test
  void twoPutsWithTheSameIfMatch_exactlyOneWins() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (int round = 0; round < 30; round++) {
        // Small and chunked values both: a chunked PUT commits after its body streamed in.
        int size = round % 2 == 0 ? 100 : 3 * CHUNK;
        String etag = header(put("/cache/it:race", bytes(size, round)), "ETag");
        CyclicBarrier barrier = new CyclicBarrier(4);
        List<Future<Integer>> statuses = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          byte[] mine = bytes(size, 1000 * round + t);
          statuses.add(pool.submit(() -> {
            barrier.await(10, TimeUnit.SECONDS);
            return put("/cache/it:race", mine, "If-Match", etag).statusCode();
          }));
        }
        int won = 0;
        for (Future<Integer> f : statuses) {
          int status = f.get(30, TimeUnit.SECONDS);
          assertTrue(status == 204 || status == 412, "status " + status);
          won += status == 204 ? 1 : 0;
        }
        assertEquals(1, won, "round " + round);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void errors_405_411_413_414_431_505() throws Exception {
    HttpResponse<byte[]> post = send(HttpRequest.newBuilder(uri("/cache/x"))
        .POST(HttpRequest.BodyPublishers.noBody()));
    assertEquals(405, post.statusCode());
    assertEquals("GET, HEAD, PUT, DELETE", header(post, "Allow"));
    assertTrue(raw("PUT /cache/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .startsWith("HTTP/1.1 411 Length Required\r\n"));
    assertTrue(raw("PUT /cache/x HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n"
        + "Connection: close\r\n\r\n")
        .startsWith("HTTP/1.1 413 "));
    assertTrue(raw("GET /cache/" + "k".repeat(9000) + " HTTP/1.1\r\n\r\n")
        .startsWith("HTTP/1.1 414 "));
    assertTrue(raw("GET /health HTTP/1.1\r\nX: " + "v".repeat(9000) + "\r\n\r\n")
        .startsWith("HTTP/1.1 431 "));
    assertTrue(raw("GET /health HTTP/2.0\r\n\r\n").startsWith("HTTP/1.1 505 "));
    assertTrue(raw("GET /cache/%zz HTTP/1.1\r\nConnection: close\r\n\r\n")
        .startsWith("HTTP/1.1 400 "));
    assertEquals(404, get("/nowhere").statusCode());
  }

  @Test
  void token_guardsCache_opsOpenUnlessProtected() throws Exception {
    for (boolean protectOps : new boolean[] {false, true}) {
      try (Sidecache guarded = SidecacheServer.start(
          SidecacheConfig.ephemeral(1 << 20).withHttpToken("t0ken", protectOps))) {
        String base = "http://127.0.0.1:" + guarded.httpAddress().getPort();
        HttpResponse<byte[]> denied = send(HttpRequest.newBuilder(URI.create(base + "/cache/k"))
            .GET());
        assertEquals(401, denied.statusCode());
        assertEquals("Bearer realm=\"sidecache\"", header(denied, "WWW-Authenticate"));
        assertEquals(401, send(HttpRequest.newBuilder(URI.create(base + "/cache/k"))
            .header("Authorization", "Bearer nope").GET()).statusCode());
        assertEquals(404, send(HttpRequest.newBuilder(URI.create(base + "/cache/k"))
            .header("Authorization", "Bearer t0ken").GET()).statusCode());
        int health = send(HttpRequest.newBuilder(URI.create(base + "/health")).GET())
            .statusCode();
        assertEquals(protectOps ? 401 : 200, health);
      }
    }
  }

  @Test
  void metricsAndStats_afterTrafficOnAllThreeProtocols() throws Exception {
    try (Jedis jedis = new Jedis(server.respAddress().getHostString(),
        server.respAddress().getPort())) {
      jedis.set("it:ops", "v");
      jedis.get("it:ops");
      jedis.get("it:ops:missing");
    }
    MemcachedClient mc = new MemcachedClient(
        new ConnectionFactoryBuilder().setProtocol(ConnectionFactoryBuilder.Protocol.TEXT)
            .setOpTimeout(5000).build(),
        AddrUtil.getAddresses("127.0.0.1:" + server.memcachedAddress().getPort()));
    try {
      assertTrue(mc.set("it:ops:mc", 0, "v").get(5, TimeUnit.SECONDS));
      assertEquals("v", mc.get("it:ops:mc"));
    } finally {
      mc.shutdown(5, TimeUnit.SECONDS);
    }
    assertEquals(200, get("/cache/it:ops").statusCode());

    HttpResponse<byte[]> metrics = get("/metrics");
    assertEquals(200, metrics.statusCode());
    assertEquals("text/plain; version=0.0.4; charset=utf-8", header(metrics, "Content-Type"));
    List<String> parsed = PrometheusText.parse(text(metrics));
    assertHas(parsed, "family sidecache_commands_seconds summary");
    assertHas(parsed, "sample sidecache_commands_seconds_count command=get protocol=resp result=ok");
    assertHas(parsed, "sample sidecache_commands_seconds_count command=get protocol=http result=ok");
    assertHas(parsed, "family sidecache_command_latency_seconds histogram");
    assertHas(parsed, "sample sidecache_command_latency_seconds_bucket command=get le=+Inf "
        + "protocol=resp");
    assertHas(parsed, "sample sidecache_memcached_commands_total command=get");
    assertHas(parsed, "sample sidecache_commands_seconds_count command=set protocol=memcached "
        + "result=ok");
    assertHas(parsed, "sample sidecache_command_latency_seconds_bucket command=get le=+Inf "
        + "protocol=memcached");
    assertHas(parsed, "sample sidecache_store_gets_total result=hit tier=memory");
    assertHas(parsed, "sample sidecache_store_keys tier=memory");
    assertHas(parsed, "sample sidecache_store_bytes tier=memory");
    assertHas(parsed, "sample sidecache_store_evictions_total tier=memory");
    assertHas(parsed, "sample sidecache_connections protocol=resp");
    assertHas(parsed, "sample sidecache_connections_received_total protocol=memcached");
    assertHas(parsed, "family jvm_memory_used_bytes gauge");
    assertHas(parsed, "family process_cpu_usage gauge");

    HttpResponse<byte[]> stats = get("/stats");
    assertEquals(200, stats.statusCode());
    JsonNode doc = JSON.readTree(stats.body());
    assertTrue(doc.at("/redis/stats/keyspace_hits").asLong() >= 1, doc.toString());
    assertTrue(doc.at("/redis/stats/keyspace_misses").asLong() >= 1, doc.toString());
    assertTrue(doc.at("/redis/keyspace/db0").asText().startsWith("keys="), doc.toString());
    assertTrue(doc.at("/memcached/get_hits").asLong() >= 1, doc.toString());
    assertTrue(doc.at("/memcached/curr_items").isNumber(), doc.toString());
    assertEquals("{\"status\":\"READY\"}", text(get("/ready")));
    assertEquals("{\"status\":\"UP\"}", text(get("/health")));
  }

  private static void assertHas(List<String> parsed, String line) {
    assertTrue(parsed.stream().anyMatch(l -> l.startsWith(line)),
        () -> "no '" + line + "' among " + parsed.size() + " parsed lines, e.g. "
            + parsed.subList(0, Math.min(40, parsed.size())));
  }

  @Test
  void pipelinedKeepAlive_answeredInOrder() throws Exception {
    String answers = raw("PUT /cache/it:p HTTP/1.1\r\nContent-Length: 2\r\n\r\nv1"
        + "GET /cache/it:p HTTP/1.1\r\n\r\n"
        + "GET /cache/it:none HTTP/1.1\r\n\r\n"
        + "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n");
    int created = answers.indexOf("201 Created");
    int ok = answers.indexOf("200 OK", created);
    int missing = answers.indexOf("404 Not Found", ok);
    int health = answers.indexOf("{\"status\":\"UP\"}", missing);
    assertTrue(created >= 0 && ok > created && missing > ok && health > missing, answers);
    assertFalse(answers.contains("500"), answers);
  }
}
