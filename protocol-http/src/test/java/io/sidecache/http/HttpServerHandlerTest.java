package io.sidecache.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import io.sidecache.store.SetOptions;
import io.sidecache.store.StoreException;
import io.sidecache.store.memory.MemoryStore;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The HTTP endpoint end to end: raw request bytes through the real pipeline to a MemoryStore. */
class HttpServerHandlerTest {
  private static final int MAX_CONTENT = 64;
  private static final String DIGITS = "0123456789";

  private MemoryStore store;
  private TestConnection conn;

  @BeforeEach
  void setUp() {
    store = MemoryStore.builder().maximumBytes(1 << 20).executor(Runnable::run).build();
    conn = new TestConnection(store, MAX_CONTENT);
  }

  @AfterEach
  void tearDown() {
    conn.close();
  }

  private static String put(String path, String body) {
    return "PUT " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n"
        + body;
  }

  private static String request(String method, String path, String... headers) {
    return TestConnection.request(method, path, headers);
  }

  private Entry stored(byte[] key) {
    return store.get(Key.of(key)).toCompletableFuture().join();
  }

  private void storeValue(String key, String value) {
    store.set(Key.of(key), value.getBytes(ISO_8859_1), SetOptions.DEFAULT);
  }

  @Test
  void put_absent_createdThenGetReturnsValue() {
    conn.send(put("/cache/k", "hello"));
    conn.next().assertStatus(201).assertHeader("Content-Length", "0");
    assertArrayEquals("hello".getBytes(UTF_8), stored("k".getBytes(UTF_8)).value());

    conn.send(request("GET", "/cache/k"));
    TestConnection.Response r = conn.next().assertStatus(200)
        .assertHeader("Content-Type", "application/octet-stream")
        .assertHeader("Content-Length", "5")
        .assertHeader("Accept-Ranges", "bytes")
        .assertHeader("Connection", null);
    assertEquals("hello", r.bodyText());
    assertEquals("HTTP/1.1", r.version());
  }

  @Test
  void put_present_noContentAndReplaced() {
    storeValue("k", "old");
    conn.send(put("/cache/k", "new"));
    conn.next().assertStatus(204).assertHeader("Content-Length", null);
    assertEquals("new", new String(stored("k".getBytes(UTF_8)).value(), UTF_8));
  }

  @Test
  void put_emptyBody_storesEmptyValue() {
    conn.send(put("/cache/k", ""));
    conn.next().assertStatus(201);
    assertEquals(0, stored("k".getBytes(UTF_8)).length());
    conn.send(request("GET", "/cache/k"));
    conn.next().assertStatus(200).assertHeader("Content-Length", "0");
  }

  @Test
  void put_binaryBody_storedExactly() {
    byte[] body = new byte[256];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) i;
    }
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    raw.writeBytes("PUT /cache/bin HTTP/1.1\r\nContent-Length: 256\r\n\r\n".getBytes(ISO_8859_1));
    raw.writeBytes(body);
    conn.close();
    conn = new TestConnection(store, 1024);
    conn.send(raw.toByteArray());
    conn.next().assertStatus(201);
    conn.send(request("GET", "/cache/bin"));
    assertArrayEquals(body, conn.next().assertStatus(200).body());
  }

  @Test
  void put_chunkedBody_aggregated() {
    conn.send("PUT /cache/k HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
    conn.next().assertStatus(201);
    assertEquals("abcdefg", new String(stored("k".getBytes(UTF_8)).value(), UTF_8));
  }

  @Test
  void get_absent_notFound() {
    conn.send(request("GET", "/cache/missing"));
    TestConnection.Response r = conn.next().assertStatus(404);
    assertEquals("application/json", r.header("Content-Type"));
    assertEquals("{\"status\":404,\"error\":\"Not Found\"}", r.bodyText());
  }

  @Test
  void head_present_headersOfGetWithoutBody() {
    storeValue("k", DIGITS);
    // A pipelined GET behind the HEAD proves that no body bytes were written for the HEAD.
    conn.send(request("HEAD", "/cache/k", "Range: bytes=0-1") + request("GET", "/cache/k"));
    TestConnection.Response head = conn.nextHead().assertStatus(200)
        .assertHeader("Content-Length", "10")
        .assertHeader("Content-Type", "application/octet-stream")
        .assertHeader("Accept-Ranges", "bytes")
        .assertHeader("Content-Range", null);
    assertEquals(0, head.body().length);
    assertEquals(DIGITS, conn.next().assertStatus(200).bodyText());
  }

  @Test
  void head_absent_notFoundWithoutBody() {
    conn.send(request("HEAD", "/cache/k") + request("GET", "/health"));
    conn.nextHead().assertStatus(404).assertHeader("Content-Length", "34");
    conn.next().assertStatus(200);
  }

  @Test
  void delete_present_noContentThenAbsent() {
    storeValue("k", "v");
    conn.send(request("DELETE", "/cache/k"));
    conn.next().assertStatus(204);
    assertNull(stored("k".getBytes(UTF_8)));
    conn.send(request("GET", "/cache/k"));
    conn.next().assertStatus(404);
  }

  @Test
  void delete_absent_notFound() {
    conn.send(request("DELETE", "/cache/k"));
    conn.next().assertStatus(404);
  }

  @ParameterizedTest(name = "{0} -> {1} {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "bytes=0-3      | bytes 0-3/10 | 0123",
        "bytes=3-6      | bytes 3-6/10 | 3456",
        "bytes=7-9      | bytes 7-9/10 | 789",
        "bytes=8-100    | bytes 8-9/10 | 89",
        "bytes=9-9      | bytes 9-9/10 | 9",
        "bytes=4-       | bytes 4-9/10 | 456789",
        "bytes=0-       | bytes 0-9/10 | 0123456789",
        "bytes=-3       | bytes 7-9/10 | 789",
        "bytes=-10      | bytes 0-9/10 | 0123456789",
        "bytes=-100     | bytes 0-9/10 | 0123456789",
        "BYTES=2-3      | bytes 2-3/10 | 23",
        "bytes= 2-3 ,   | bytes 2-3/10 | 23",
        "bytes=5-99999999999999999999999 | bytes 5-9/10 | 56789",
      })
  void get_satisfiableRange_partialContent(String range, String contentRange, String body) {
    storeValue("k", DIGITS);
    conn.send(request("GET", "/cache/k", "Range: " + range));
    TestConnection.Response r = conn.next().assertStatus(206)
        .assertHeader("Content-Range", contentRange)
        .assertHeader("Content-Length", Integer.toString(body.length()))
        .assertHeader("Content-Type", "application/octet-stream")
        .assertHeader("Accept-Ranges", "bytes");
    assertEquals(body, r.bodyText());
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes=10-20", "bytes=10-", "bytes=-0", "bytes=99999999999999999999-"})
  void get_unsatisfiableRange_rangeNotSatisfiable(String range) {
    storeValue("k", DIGITS);
    conn.send(request("GET", "/cache/k", "Range: " + range));
    TestConnection.Response r = conn.next().assertStatus(416)
        .assertHeader("Content-Range", "bytes */10")
        .assertHeader("Content-Length", "0");
    assertEquals(0, r.body().length);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "bytes=0-1,5-2", "bytes=0-1, -x", "bytes=5-2", "bytes=abc", "bytes=1-2-3", "bytes=",
        "bytes=-", "bytes=+1-2", "bytes = 2-3", "bytes 0-1", "items=0-1", "bytes=0x1-2", "bytes=--1"
      })
  void get_invalidRanges_wholeValue(String range) {
    storeValue("k", DIGITS);
    conn.send(request("GET", "/cache/k", "Range: " + range));
    TestConnection.Response r = conn.next().assertStatus(200)
        .assertHeader("Content-Range", null)
        .assertHeader("Accept-Ranges", "bytes");
    assertEquals(DIGITS, r.bodyText());
  }

  @Test
  void get_twoRangeHeaders_wholeValue() {
    storeValue("k", DIGITS);
    conn.send(request("GET", "/cache/k", "Range: bytes=0-1", "Range: bytes=2-3"));
    assertEquals(DIGITS, conn.next().assertStatus(200).bodyText());
  }

  @Test
  void get_rangeWithIfRange_wholeValue() {
    storeValue("k", DIGITS);
    conn.send(request("GET", "/cache/k", "Range: bytes=0-1", "If-Range: \"v1\""));
    assertEquals(DIGITS, conn.next().assertStatus(200).bodyText());
  }

  @Test
  void get_rangeOnAbsentKey_notFound() {
    conn.send(request("GET", "/cache/k", "Range: bytes=0-1")
        + request("GET", "/cache/k", "Range: bytes=-0"));
    conn.next().assertStatus(404);
    conn.next().assertStatus(404);
  }

  @Test
  void get_rangeOnEmptyValue_suffixWholeOtherwiseUnsatisfiable() {
    storeValue("k", "");
    conn.send(request("GET", "/cache/k", "Range: bytes=-5")
        + request("GET", "/cache/k", "Range: bytes=0-"));
    conn.next().assertStatus(200).assertHeader("Content-Length", "0");
    conn.next().assertStatus(416).assertHeader("Content-Range", "bytes */0");
  }

  @Test
  void put_percentEncodedBinaryKey_rawBytesKey() {
    byte[] key = {0, (byte) 0xFF, 'a', '/', 'b', '%', ' ', (byte) 0xC3, '+'};
    conn.send(put("/cache/%00%FFa%2Fb%25%20%c3+", "v"));
    conn.next().assertStatus(201);
    assertEquals("v", new String(stored(key).value(), UTF_8));
    // The same bytes, spelled differently: lower-case hex, '/' and 'a' unencoded.
    conn.send(request("GET", "/cache/%00%ffa/b%25%20%C3%2B"));
    assertEquals("v", conn.next().assertStatus(200).bodyText());
  }

  @Test
  void get_slashesInKey_partOfKey() {
    conn.send(put("/cache/a/b/c", "v") + request("GET", "/cache/a/b/c"));
    conn.next().assertStatus(201);
    conn.next().assertStatus(200);
    assertEquals("v", new String(stored("a/b/c".getBytes(UTF_8)).value(), UTF_8));
  }

  @Test
  void get_queryString_notPartOfKey() {
    storeValue("k", "v");
    conn.send(request("GET", "/cache/k?x=1"));
    assertEquals("v", conn.next().assertStatus(200).bodyText());
  }

  @Test
  void get_absoluteFormTarget_served() {
    storeValue("k", "v");
    conn.send(request("GET", "http://example.com:8080/cache/k"));
    assertEquals("v", conn.next().assertStatus(200).bodyText());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/cache/%", "/cache/a%4", "/cache/%zz", "/cache/%4g"})
  void get_badPercentEncoding_badRequest(String path) {
    conn.send(request("GET", path) + request("GET", "/health"));
    conn.next().assertStatus(400);
    conn.next().assertStatus(200); // the connection stays usable
  }

  @Test
  void put_emptyKey_badRequest() {
    conn.send(put("/cache/", "v"));
    assertEquals("{\"status\":400,\"error\":\"Bad Request\",\"message\":\"empty key\"}",
        conn.next().assertStatus(400).bodyText());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/cache", "/cachex/k", "/health/x", "/CACHE/k", "*"})
  void get_unknownPath_notFound(String path) {
    conn.send(request("GET", path));
    conn.next().assertStatus(404);
  }

  @ParameterizedTest
  @ValueSource(strings = {"POST", "PATCH", "OPTIONS", "TRACE"})
  void request_otherMethodOnCache_methodNotAllowed(String method) {
    conn.send(request(method, "/cache/k"));
    conn.next().assertStatus(405).assertHeader("Allow", "GET, HEAD, PUT, DELETE");
  }

  @Test
  void get_health_up() {
    conn.send(request("GET", "/health"));
    TestConnection.Response r = conn.next().assertStatus(200)
        .assertHeader("Content-Type", "application/json");
    assertEquals("{\"status\":\"UP\"}", r.bodyText());
  }

  @Test
  void post_health_methodNotAllowed() {
    conn.send(put("/health", "x"));
    conn.next().assertStatus(405).assertHeader("Allow", "GET, HEAD");
  }

  @Test
  void request_twoPipelinedInOneBuffer_answeredInOrder() {
    conn.send(put("/cache/k", "v1") + request("GET", "/cache/k"));
    conn.next().assertStatus(201);
    assertEquals("v1", conn.next().assertStatus(200).bodyText());
  }

  @Test
  void request_splitIntoFragments_sameResponses() {
    String requests = put("/cache/k", "value") + request("GET", "/cache/k", "Range: bytes=1-3")
        + request("DELETE", "/cache/k") + request("GET", "/cache/k");
    for (int size : new int[] {1, 2, 3, 7, 64}) {
      conn.sendFragments(requests, size);
      conn.next().assertStatus(201); // DELETE below removed the key again
      assertEquals("alu", conn.next().assertStatus(206).bodyText());
      conn.next().assertStatus(204);
      conn.next().assertStatus(404);
    }
  }

  @Test
  void request_connectionClose_answeredThenClosed() {
    storeValue("k", "v");
    conn.send(request("GET", "/cache/k", "Connection: close") + request("GET", "/cache/k"));
    conn.next().assertStatus(200).assertHeader("Connection", "close");
    assertFalse(conn.channel.isOpen());
  }

  @Test
  void request_http10WithoutKeepAlive_closed() {
    conn.send("GET /health HTTP/1.0\r\n\r\n");
    TestConnection.Response r = conn.next().assertStatus(200);
    assertEquals("HTTP/1.0", r.version());
    assertFalse(conn.channel.isOpen());
  }

  @Test
  void request_http10KeepAlive_staysOpen() {
    conn.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    conn.next().assertStatus(200).assertHeader("Connection", "keep-alive");
    assertTrue(conn.channel.isOpen());
  }

  @Test
  void request_deferredStore_answeredInOrderWhenStagesComplete() {
    InterceptingStore deferred = new InterceptingStore(store, null);
    conn.close();
    conn = new TestConnection(deferred.store, MAX_CONTENT);
    storeValue("a", "A");
    storeValue("b", "B");
    deferred.mode = InterceptingStore.Mode.DEFERRED;
    conn.send(request("GET", "/cache/a") + request("GET", "/cache/b")
        + request("DELETE", "/cache/a"));
    // Only the first request runs; the others wait behind it.
    assertEquals(1, deferred.heldCount());
    conn.assertNoMoreResponses();
    deferred.completeNext();
    assertEquals("A", conn.next().assertStatus(200).bodyText());
    deferred.completeNext();
    assertEquals("B", conn.next().assertStatus(200).bodyText());
    deferred.completeNext();
    conn.next().assertStatus(204);
    assertEquals(0, deferred.heldCount());
    assertTrue(conn.channel.config().isAutoRead());
  }

  @Test
  void request_deferredStoreWithConnectionClose_closedAfterResponse() {
    InterceptingStore deferred = new InterceptingStore(store, null);
    conn.close();
    conn = new TestConnection(deferred.store, MAX_CONTENT);
    storeValue("a", "A");
    deferred.mode = InterceptingStore.Mode.DEFERRED;
    conn.send(request("GET", "/cache/a", "Connection: close") + request("GET", "/cache/a"));
    deferred.completeNext();
    conn.next().assertStatus(200).assertHeader("Connection", "close");
    assertFalse(conn.channel.isOpen());
    assertEquals(0, deferred.heldCount());
  }

  @ParameterizedTest
  @CsvSource({"FAIL, disk tier unavailable", "THROW, disk tier unavailable"})
  void get_storeFails_internalServerErrorAndStaysOpen(InterceptingStore.Mode mode, String msg) {
    InterceptingStore failing = new InterceptingStore(store, new StoreException(msg));
    conn.close();
    conn = new TestConnection(failing.store, MAX_CONTENT);
    failing.mode = mode;
    conn.send(request("GET", "/cache/a") + put("/cache/a", "x"));
    assertEquals("{\"status\":500,\"error\":\"Internal Server Error\",\"message\":\"" + msg
        + "\"}", conn.next().assertStatus(500).bodyText());
    conn.next().assertStatus(500);
    assertTrue(conn.channel.isOpen());
  }

  @Test
  void get_storeFailsWithUnexpectedException_detailWithheld() {
    InterceptingStore failing =
        new InterceptingStore(store, new IllegalStateException("secret internals"));
    conn.close();
    conn = new TestConnection(failing.store, MAX_CONTENT);
    failing.mode = InterceptingStore.Mode.FAIL;
    conn.send(request("GET", "/cache/a"));
    assertEquals("{\"status\":500,\"error\":\"Internal Server Error\"}",
        conn.next().assertStatus(500).bodyText());
  }
}
