package io.sidecache.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sidecache.store.Key;
import io.sidecache.store.memory.MemoryStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The pipeline's limits and malformed input: 413, 414, 431, 400, and the connection after. */
class HttpServerInitializerTest {
  private static final int MAX_CONTENT = 16;

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

  private static final String HEALTH = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";

  private boolean stored(String key) {
    return store.exists(Key.of(key)).toCompletableFuture().join();
  }

  @Test
  void constructor_invalidArguments_rejected() {
    assertThrows(NullPointerException.class, () -> new HttpServerInitializer(null));
    assertThrows(NullPointerException.class, () -> HttpServerContext.builder(null));
    assertThrows(IllegalArgumentException.class,
        () -> HttpServerContext.builder(store).maxBodyBytes(-1));
    assertThrows(IllegalArgumentException.class,
        () -> HttpServerContext.builder(store).token("", false));
  }

  @Test
  void put_bodyAtLimit_stored() {
    conn.send("PUT /cache/k HTTP/1.1\r\nContent-Length: 16\r\n\r\n0123456789abcdef");
    conn.next().assertStatus(201);
    assertTrue(stored("k"));
  }

  @Test
  void put_oversizedContentLength_contentTooLargeAndConnectionUsable() {
    // The body is discarded; the pipelined request after it is answered normally, in order.
    conn.sendFragments("PUT /cache/k HTTP/1.1\r\nContent-Length: 17\r\n\r\n0123456789abcdefg"
        + HEALTH, 5);
    TestConnection.Response r = conn.next().assertStatus(413).assertHeader("Connection", null);
    assertEquals("{\"status\":413,\"error\":\"Request Entity Too Large\","
        + "\"message\":\"content length exceeds maxContentLength: 16\"}", r.bodyText());
    conn.next().assertStatus(200);
    assertTrue(conn.channel.isOpen());
    assertFalse(stored("k"));
  }

  @Test
  void put_oversizedWithExpectContinue_contentTooLargeWithoutContinue() {
    // The client waits for 100 Continue and never sends the body; the next request follows.
    conn.send("PUT /cache/k HTTP/1.1\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n");
    conn.next().assertStatus(413);
    conn.send(HEALTH);
    conn.next().assertStatus(200);
    assertTrue(conn.channel.isOpen());
  }

  @Test
  void put_expectContinueWithinLimit_continueThenStored() {
    conn.send("PUT /cache/k HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
    conn.next().assertStatus(100);
    conn.send("abc");
    conn.next().assertStatus(201);
    assertTrue(stored("k"));
  }

  @Test
  void put_oversizedChunkedBody_contentTooLargeAndClosed() {
    conn.sendFragments("PUT /cache/k HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n" + HEALTH, 4);
    conn.next().assertStatus(413).assertHeader("Connection", "close");
    assertFalse(conn.channel.isOpen());
    assertFalse(stored("k"));
  }

  @Test
  void put_oversizedAfterPendingRequest_answeredInOrder() {
    InterceptingStore deferred = new InterceptingStore(store, null);
    conn.close();
    conn = new TestConnection(deferred.store, MAX_CONTENT);
    deferred.mode = InterceptingStore.Mode.DEFERRED;
    conn.send("GET /cache/a HTTP/1.1\r\n\r\n"
        + "PUT /cache/k HTTP/1.1\r\nContent-Length: 17\r\n\r\n0123456789abcdefg");
    conn.assertNoMoreResponses(); // the 413 waits for the GET before it
    deferred.completeNext();
    conn.next().assertStatus(404);
    conn.next().assertStatus(413);
  }

  @Test
  void request_tooLongRequestLine_uriTooLongAndClosed() {
    String path = "/cache/" + "k".repeat(HttpServerInitializer.MAX_INITIAL_LINE_LENGTH);
    conn.send("GET " + path + " HTTP/1.1\r\n\r\n" + HEALTH);
    conn.next().assertStatus(414).assertHeader("Connection", "close");
    assertFalse(conn.channel.isOpen());
  }

  @Test
  void request_longKeyWithinLimit_served() {
    String key = "k".repeat(HttpServerInitializer.MAX_INITIAL_LINE_LENGTH - 100);
    conn.send("PUT /cache/" + key + " HTTP/1.1\r\nContent-Length: 1\r\n\r\nv");
    conn.next().assertStatus(201);
    assertTrue(stored(key));
  }

  @Test
  void request_tooLargeHeaders_headerFieldsTooLargeAndClosed() {
    String big = "X-Big: " + "v".repeat(HttpServerInitializer.MAX_HEADER_SIZE) + "\r\n";
    conn.send("GET /health HTTP/1.1\r\n" + big + "\r\n" + HEALTH);
    conn.next().assertStatus(431).assertHeader("Connection", "close");
    assertFalse(conn.channel.isOpen());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "GET /health HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        "GET /health HTTP/1.1\r\nBad Header: x\r\n\r\n",
        "PUT /cache/k HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      })
  void request_malformed_badRequestAndClosed(String raw) {
    conn.send(raw + HEALTH);
    conn.next().assertStatus(400).assertHeader("Connection", "close");
    assertFalse(conn.channel.isOpen());
    assertFalse(stored("k"));
  }

  @Test
  void request_otherMajorVersion_versionNotSupportedAndClosed() {
    conn.send("GET /health HTTP/2.0\r\n\r\n" + HEALTH);
    TestConnection.Response r = conn.next().assertStatus(505).assertHeader("Connection", "close");
    assertEquals("HTTP/1.1", r.version());
    assertFalse(conn.channel.isOpen());
  }

  @Test
  void request_laterMinorVersion_answeredAsHttp11() {
    conn.send("GET /health HTTP/1.7\r\n\r\n");
    assertEquals("HTTP/1.1", conn.next().assertStatus(200).version());
    assertTrue(conn.channel.isOpen());
  }

  @Test
  void request_malformedAfterGoodOne_goodOneAnsweredFirst() {
    conn.send(HEALTH + "GET /health HTTP/1.1\r\nContent-Length: -1\r\n\r\n");
    conn.next().assertStatus(200).assertHeader("Connection", null);
    conn.next().assertStatus(400);
    assertFalse(conn.channel.isOpen());
  }

  @Test
  void request_everySplit_sameResponses() {
    // One request stream fed at every fragment size from 1 byte upwards.
    String stream = "PUT /cache/%41b HTTP/1.1\r\nContent-Length: 4\r\n\r\nwxyz"
        + "GET /cache/Ab HTTP/1.1\r\nRange: bytes=-2\r\n\r\n"
        + "PUT /cache/big HTTP/1.1\r\nContent-Length: 20\r\n\r\n01234567890123456789"
        + "HEAD /cache/Ab HTTP/1.1\r\n\r\n"
        + "DELETE /cache/Ab HTTP/1.1\r\n\r\n";
    for (int size = 1; size <= stream.length(); size++) {
      conn.sendFragments(stream, size);
      conn.next().assertStatus(201);
      assertEquals("yz", conn.next().assertStatus(206).bodyText());
      conn.next().assertStatus(413);
      conn.nextHead().assertStatus(200).assertHeader("Content-Length", "4");
      conn.next().assertStatus(204);
      assertNull(store.get(Key.of("Ab")).toCompletableFuture().join());
    }
  }
}
