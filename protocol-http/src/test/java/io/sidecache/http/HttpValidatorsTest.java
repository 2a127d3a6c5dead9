package io.sidecache.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sidecache.protocol.CommandMetrics;
import io.sidecache.store.CacheStore;
import io.sidecache.store.Entry;
import io.sidecache.store.ForwardingCacheStore;
import io.sidecache.store.Key;
import io.sidecache.store.SetOptions;
import io.sidecache.store.Ticker;
import io.sidecache.store.chunk.ChunkedStore;
import io.sidecache.store.memory.MemoryStore;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Validators, conditional requests, multi-range responses, TTLs, bearer tokens and the operations
 * endpoints, through the real pipeline over a MemoryStore with a controlled clock.
 */
class HttpValidatorsTest {
  private static final String DIGITS = "0123456789";
  private static final String TOKEN = "s3cret-token";

  private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
  private final Ticker ticker = now::get;
  private final AtomicReference<String> notReady = new AtomicReference<>();
  private final HttpOperations operations = new HttpOperations() {
    @Override
    public String notReadyReason() {
      return notReady.get();
    }

    @Override
    public String scrape() {
      return "# TYPE up gauge\nup 1.0\n";
    }

    @Override
    public Map<String, Object> stats() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("memcached", Map.of("curr_items", 3));
      return m;
    }
  };
  private MemoryStore store;
  private CommandMetrics metrics;
  private TestConnection conn;

  @BeforeEach
  void setUp() {
    store = MemoryStore.builder().maximumBytes(1 << 20).executor(Runnable::run).ticker(ticker)
        .build();
    metrics = CommandMetrics.unregistered("http");
    conn = connect(HttpServerContext.builder(store).ticker(ticker).operations(operations)
        .metrics(metrics).maxBodyBytes(1 << 16));
  }

  @AfterEach
  void tearDown() {
    conn.close();
  }

  private TestConnection connect(HttpServerContext.Builder context) {
    if (conn != null) {
      conn.close();
    }
    conn = new TestConnection(context.build());
    return conn;
  }

  private static String request(String method, String path, String... headers) {
    return TestConnection.request(method, path, headers);
  }

  private static String put(String path, String body, String... headers) {
    String[] all = new String[headers.length + 1];
    System.arraycopy(headers, 0, all, 0, headers.length);
    all[headers.length] = "Content-Length: " + body.length();
    return request("PUT", path, all) + body;
  }

  /** Stores {@code value} under {@code k} with a PUT and returns the ETag the PUT answered. */
  private String putK(String value) {
    conn.send(put("/cache/k", value));
    String etag = conn.next().header("ETag");
    assertNotNull(etag);
    return etag;
  }

  private String value(String key) {
    var e = store.get(Key.of(key)).toCompletableFuture().join();
    return e == null ? null : new String(e.value(), StandardCharsets.UTF_8);
  }

  @Test
  void etag_changesOnEveryWrite_sameOnRead() {
    String first = putK("a");
    assertTrue(first.matches("\"[0-9a-f]+\""), first);
    conn.send(request("GET", "/cache/k") + request("HEAD", "/cache/k"));
    conn.next().assertStatus(200).assertHeader("ETag", first);
    conn.nextHead().assertStatus(200).assertHeader("ETag", first);
    String second = putK("a");
    assertNotEquals(first, second);
  }

  @Test
  void ifNoneMatch_currentTag_notModifiedWithoutBody() {
    String etag = putK(DIGITS);
    conn.send(request("GET", "/cache/k", "If-None-Match: \"0\", " + etag)
        + request("GET", "/cache/k", "If-None-Match: W/" + etag)
        + request("HEAD", "/cache/k", "If-None-Match: *")
        + request("GET", "/cache/k", "If-None-Match: \"other\""));
    TestConnection.Response r = conn.next().assertStatus(304).assertHeader("ETag", etag);
    assertEquals(0, r.body().length);
    conn.next().assertStatus(304);
    conn.nextHead().assertStatus(304);
    assertEquals(DIGITS, conn.next().assertStatus(200).bodyText());
  }

  @Test
  void ifMatch_onRead_failsWhenStaleOrAbsent() {
    String etag = putK("v");
    conn.send(request("GET", "/cache/k", "If-Match: " + etag)
        + request("GET", "/cache/k", "If-Match: \"1234\"")
        + request("GET", "/cache/k", "If-Match: W/" + etag) // weak never matches strongly
        + request("GET", "/cache/absent", "If-Match: *"));
    conn.next().assertStatus(200);
    conn.next().assertStatus(412);
    conn.next().assertStatus(412);
    conn.next().assertStatus(404); // RFC 9110 §13.2.1: not 2xx without it, so not evaluated
  }

  @Test
  void putIfNoneMatchStar_createsOnlyWhenAbsent() {
    conn.send(put("/cache/k", "one", "If-None-Match: *") + put("/cache/k", "two",
        "If-None-Match: *"));
    conn.next().assertStatus(201);
    conn.next().assertStatus(412);
    assertEquals("one", value("k"));
  }

  @Test
  void putIfMatch_replacesOnlyTheMatchedVersion() {
    String etag = putK("one");
    conn.send(put("/cache/k", "two", "If-Match: " + etag));
    TestConnection.Response r = conn.next().assertStatus(204);
    String next = r.header("ETag");
    assertNotEquals(etag, next);
    conn.send(put("/cache/k", "three", "If-Match: " + etag)
        + put("/cache/k", "four", "If-Match: \"1\", " + next)
        + put("/cache/absent", "x", "If-Match: *"));
    conn.next().assertStatus(412);
    conn.next().assertStatus(204);
    conn.next().assertStatus(412);
    assertEquals("four", value("k"));
    assertNull(value("absent"));
  }

  @Test
  void deleteIfMatch_deletesOnlyTheMatchedVersion() {
    String etag = putK("one");
    putK("two");
    conn.send(request("DELETE", "/cache/k", "If-Match: " + etag));
    conn.next().assertStatus(412);
    assertEquals("two", value("k"));
    conn.send(request("GET", "/cache/k"));
    String current = conn.next().header("ETag");
    conn.send(request("DELETE", "/cache/k", "If-Match: " + current)
        + request("DELETE", "/cache/k", "If-None-Match: *")
        + request("DELETE", "/cache/k", "If-Match: *"));
    conn.next().assertStatus(204);
    conn.next().assertStatus(404);
    conn.next().assertStatus(404);
    assertNull(value("k"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"If-Match: abc", "If-None-Match: \"unterminated", "If-Match: \"a\"b",
      "If-None-Match: ,"})
  void malformedPrecondition_badRequest(String header) {
    putK("v");
    conn.send(request("GET", "/cache/k", header) + request("GET", "/health"));
    conn.next().assertStatus(400);
    conn.next().assertStatus(200);
  }

  @Test
  void ifRange_currentTagKeepsRange_otherwiseWholeValue() {
    String etag = putK(DIGITS);
    conn.send(request("GET", "/cache/k", "Range: bytes=0-1", "If-Range: " + etag)
        + request("GET", "/cache/k", "Range: bytes=0-1", "If-Range: \"0\"")
        + request("GET", "/cache/k", "Range: bytes=0-1", "If-Range: W/" + etag)
        + request("GET", "/cache/k", "Range: bytes=0-1",
            "If-Range: Wed, 21 Oct 2015 07:28:00 GMT"));
    assertEquals("01", conn.next().assertStatus(206).bodyText());
    assertEquals(DIGITS, conn.next().assertStatus(200).bodyText());
    assertEquals(DIGITS, conn.next().assertStatus(200).bodyText());
    assertEquals(DIGITS, conn.next().assertStatus(200).bodyText());
  }

  @Test
  void severalRanges_multipartByteranges() {
    String etag = putK(DIGITS);
    conn.send(request("GET", "/cache/k", "Range: bytes=0-1, 5-6,-2"));
    TestConnection.Response r = conn.next().assertStatus(206)
        .assertHeader("ETag", etag).assertHeader("Content-Range", null);
    String type = r.header("Content-Type");
    assertTrue(type.startsWith("multipart/byteranges; boundary="), type);
    String b = type.substring(type.indexOf('=') + 1);
    String expected = "--" + b + "\r\nContent-Type: application/octet-stream\r\n"
        + "Content-Range: bytes 0-1/10\r\n\r\n01"
        + "\r\n--" + b + "\r\nContent-Type: application/octet-stream\r\n"
        + "Content-Range: bytes 5-6/10\r\n\r\n56"
        + "\r\n--" + b + "\r\nContent-Type: application/octet-stream\r\n"
        + "Content-Range: bytes 8-9/10\r\n\r\n89"
        + "\r\n--" + b + "--\r\n";
    assertEquals(expected, r.bodyText());
  }

  @Test
  void severalRanges_oneSatisfiable_singlePart() {
    putK(DIGITS);
    conn.send(request("GET", "/cache/k", "Range: bytes=50-60, 2-3")
        + request("GET", "/cache/k", "Range: bytes=50-60, 70-"));
    assertEquals("23", conn.next().assertStatus(206)
        .assertHeader("Content-Range", "bytes 2-3/10").bodyText());
    conn.next().assertStatus(416).assertHeader("Content-Range", "bytes */10");
  }

  @Test
  void severalRanges_overlappingBeyondValueOrTooMany_wholeValue() {
    putK(DIGITS);
    StringBuilder many = new StringBuilder("Range: bytes=0-0");
    for (int i = 1; i <= HttpServerHandler.MAX_RANGES; i++) {
      many.append(',').append(i % 10).append('-').append(i % 10);
    }
    conn.send(request("GET", "/cache/k", "Range: bytes=0-9,0-9")
        + request("GET", "/cache/k", many.toString()));
    assertEquals(DIGITS, conn.next().assertStatus(200).bodyText());
    assertEquals(DIGITS, conn.next().assertStatus(200).bodyText());
  }

  @Test
  void ttl_fromQueryOrCacheControl_answeredAsMaxAge() {
    conn.send(put("/cache/a?ttl=10", "v") + put("/cache/b", "v", "Cache-Control: max-age=5")
        + put("/cache/c?ttl=7", "v", "Cache-Control: no-cache, max-age=100"));
    conn.next().assertStatus(201).assertHeader("Cache-Control", "max-age=10");
    conn.next().assertStatus(201).assertHeader("Cache-Control", "max-age=5");
    conn.next().assertStatus(201).assertHeader("Cache-Control", "max-age=7");
    now.addAndGet(3_500);
    conn.send(request("GET", "/cache/a") + request("HEAD", "/cache/b"));
    conn.next().assertStatus(200).assertHeader("Cache-Control", "max-age=7"); // 6.5 s, rounded
    conn.nextHead().assertStatus(200).assertHeader("Cache-Control", "max-age=2");
    now.addAndGet(2_000);
    conn.send(request("GET", "/cache/b") + put("/cache/a", "w") + request("GET", "/cache/a"));
    conn.next().assertStatus(404);
    conn.next().assertStatus(204).assertHeader("Cache-Control", null);
    conn.next().assertStatus(200).assertHeader("Cache-Control", null);
  }

  @ParameterizedTest
  @ValueSource(strings = {"?ttl=0", "?ttl=-1", "?ttl=abc", "?ttl=", "?ttl=1&ttl=2",
      "?ttl=99999999999999999999", "?ttl=9223372036854775"})
  void ttl_invalid_badRequestNothingStored(String query) {
    conn.send(put("/cache/k" + query, "v") + request("GET", "/health"));
    String body = conn.next().assertStatus(400).bodyText();
    assertTrue(body.contains("ttl"), body);
    conn.next().assertStatus(200);
    assertNull(value("k"));
  }

  @Test
  void put_withoutLength_lengthRequired() {
    conn.send(request("PUT", "/cache/k") + request("GET", "/health"));
    conn.next().assertStatus(411);
    conn.next().assertStatus(200);
    assertNull(value("k"));
  }

  @Test
  void streamedPut_preconditionFailedBeforeBody_closesWhenClientAwaitsContinue() {
    putK("v");
    conn.send("PUT /cache/k HTTP/1.1\r\nTransfer-Encoding: chunked\r\nIf-None-Match: *\r\n"
        + "Expect: 100-continue\r\n\r\n");
    conn.next().assertStatus(412).assertHeader("Connection", "close");
    assertFalse(conn.channel.isOpen());
    assertEquals("v", value("k"));
  }

  @Test
  void streamedPut_preconditionFailed_bodyDroppedConnectionKept() {
    putK("v");
    conn.send("PUT /cache/k HTTP/1.1\r\nTransfer-Encoding: chunked\r\nIf-None-Match: *\r\n\r\n"
        + "3\r\nabc\r\n0\r\n\r\n" + request("GET", "/cache/k"));
    conn.next().assertStatus(412).assertHeader("Connection", null);
    assertEquals("v", conn.next().assertStatus(200).bodyText());
  }

  @Test
  void streamedRequestOutsideCache_refusedBeforeBody_closesWhenClientAwaitsContinue() {
    conn.send("PUT /health HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
        + "Expect: 100-continue\r\n\r\n");
    conn.next().assertStatus(405).assertHeader("Connection", "close");
    assertFalse(conn.channel.isOpen());
  }

  @Test
  void refusedStreamedPut_malformedBody_connectionClosed() {
    putK("v");
    conn.send("PUT /cache/k HTTP/1.1\r\nTransfer-Encoding: chunked\r\nIf-None-Match: *\r\n\r\n"
        + "zz\r\n" + request("GET", "/health"));
    conn.next().assertStatus(412);
    assertFalse(conn.channel.isOpen());
  }

  /** A chunked store that writes a new version of a key right after each of its first reads. */
  private static CacheStore changingAfterReads(int changes) {
    ChunkedStore chunked = ChunkedStore.overMemory(
        MemoryStore.builder().maximumBytes(1 << 20).executor(Runnable::run), 1 << 20, 16,
        Ticker.system(), null);
    int[] left = {changes};
    return new ForwardingCacheStore(chunked) {
      @Override
      public CompletionStage<Entry> get(Key key) {
        return super.get(key).thenCompose(e -> left[0]-- <= 0 ? CompletableFuture.completedFuture(e)
            : super.set(key, ("n" + left[0]).repeat(40).getBytes(StandardCharsets.UTF_8),
                SetOptions.DEFAULT).thenApply(r -> e));
      }
    };
  }

  @Test
  void chunkedValueChangedAfterPreconditions_readAgainNeverMixed() {
    CacheStore changing = changingAfterReads(1);
    connect(HttpServerContext.builder(changing));
    changing.set(Key.of("k"), DIGITS.repeat(10).getBytes(StandardCharsets.UTF_8),
        SetOptions.DEFAULT).toCompletableFuture().join();
    String oldTag = EntityTags.of(changing.get(Key.of("k")).toCompletableFuture().join().cas());
    // That read changed the value: the GET below reads, the value changes again, and the reader
    // sees the new version; the If-Range evaluated on the old one must not yield its range.
    conn.send(request("GET", "/cache/k", "Range: bytes=50-59", "If-Range: " + oldTag));
    TestConnection.Response r = conn.next().assertStatus(200);
    assertEquals("n0".repeat(40), r.bodyText());
    assertEquals(EntityTags.of(changing.get(Key.of("k")).toCompletableFuture().join().cas()),
        r.header("ETag"));
  }

  @Test
  void chunkedValueChangingOnEveryRead_serviceUnavailable() {
    CacheStore changing = changingAfterReads(1000);
    connect(HttpServerContext.builder(changing));
    changing.set(Key.of("k"), DIGITS.repeat(10).getBytes(StandardCharsets.UTF_8),
        SetOptions.DEFAULT).toCompletableFuture().join();
    conn.send(request("GET", "/cache/k") + request("GET", "/health"));
    conn.next().assertStatus(503);
    conn.next().assertStatus(200);
  }

  @Test
  void token_requiredOnCache_opsOpenUnlessProtected() {
    connect(HttpServerContext.builder(store).token(TOKEN, false));
    conn.send(put("/cache/k", "v") + put("/cache/k", "v", "Authorization: Bearer wrong")
        + put("/cache/k", "v", "Authorization: bearer " + TOKEN) + request("GET", "/health"));
    conn.next().assertStatus(401).assertHeader("WWW-Authenticate", "Bearer realm=\"sidecache\"");
    conn.next().assertStatus(401).assertHeader("WWW-Authenticate",
        "Bearer realm=\"sidecache\", error=\"invalid_token\"");
    conn.next().assertStatus(201);
    conn.next().assertStatus(200);
    connect(HttpServerContext.builder(store).token(TOKEN, true));
    conn.send(request("GET", "/health") + request("GET", "/ready", "Authorization: Bearer "
        + TOKEN));
    conn.next().assertStatus(401);
    conn.next().assertStatus(200);
  }

  @Test
  void ready_reportsReason() {
    conn.send(request("GET", "/ready"));
    assertEquals("{\"status\":\"READY\"}", conn.next().assertStatus(200).bodyText());
    notReady.set("disk tier failed");
    conn.send(request("GET", "/ready"));
    String body = conn.next().assertStatus(503).bodyText();
    assertTrue(body.contains("\"reason\":\"disk tier failed\""), body);
  }

  @Test
  void metricsAndStats_fromOperations() {
    conn.send(request("GET", "/metrics") + request("GET", "/stats")
        + request("POST", "/metrics") + request("HEAD", "/stats"));
    assertEquals("# TYPE up gauge\nup 1.0\n", conn.next().assertStatus(200)
        .assertHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").bodyText());
    assertEquals("{\"memcached\":{\"curr_items\":3}}", conn.next().assertStatus(200)
        .assertHeader("Content-Type", "application/json").bodyText());
    conn.next().assertStatus(405).assertHeader("Allow", "GET, HEAD");
    assertEquals(0, conn.nextHead().assertStatus(200).body().length);
  }

  @Test
  void operationsAbsent_metricsAndStatsNotFound_readyUp() {
    connect(HttpServerContext.builder(store));
    conn.send(request("GET", "/metrics") + request("GET", "/stats") + request("GET", "/ready"));
    conn.next().assertStatus(404);
    conn.next().assertStatus(404);
    conn.next().assertStatus(200);
  }

  @Test
  void requests_countedPerMethodAndEndpoint() {
    putK("v");
    conn.send(request("GET", "/cache/k") + request("GET", "/cache/none")
        + request("GET", "/cache/k", "If-Match: \"0\"") + request("GET", "/health")
        + request("GET", "/nowhere") + put("/cache/k?ttl=0", "v"));
    for (int i = 0; i < 6; i++) {
      conn.next();
    }
    assertEquals(3, metrics.meter("get").calls());
    assertEquals(0, metrics.meter("get").failures()); // 404 and 412 are answers, not errors
    assertEquals(1, metrics.meter("health").calls());
    assertEquals(1, metrics.meter("other").calls());
    assertEquals(2, metrics.meter("put").calls());
    assertEquals(1, metrics.meter("put").failures()); // the 400
  }
}
