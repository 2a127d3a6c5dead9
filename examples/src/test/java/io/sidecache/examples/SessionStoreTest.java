package io.sidecache.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sidecache.server.Sidecache;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/** {@link SessionStore} against Sidecache: the Jedis session-store example works as written. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SessionStoreTest {
  private Sidecache node;
  private SessionStore sessions;

  @BeforeEach
  void start() throws Exception {
    node = LocalSidecache.start();
    sessions = new SessionStore("127.0.0.1", node.respAddress().getPort(), Duration.ofMinutes(30));
  }

  @AfterEach
  void stop() {
    sessions.close();
    node.close();
  }

  @Test
  void aSessionLivesWhileItIsReadAndEndsWhenInvalidated() {
    String id = sessions.create(Map.of("user", "ada"));
    assertEquals(32, id.length());
    assertEquals(Optional.of(Map.of("user", "ada")), sessions.load(id));
    try (Jedis jedis = new Jedis("127.0.0.1", node.respAddress().getPort())) {
      jedis.expire("session:" + id, 5);
    }
    assertTrue(sessions.load(id).isPresent());
    assertTrue(sessions.secondsLeft(id) > 1700, "a read renews the idle timeout");
    assertTrue(sessions.invalidate(id));
    assertEquals(Optional.empty(), sessions.load(id));
    assertEquals(-2, sessions.secondsLeft(id));
    assertFalse(sessions.update(id, a -> a));
  }

  @Test
  void concurrentUpdatesOfOneSessionLoseNoChange() throws Exception {
    String id = sessions.create(Map.of("count", "0"));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        done.add(pool.submit(() -> {
          for (int i = 0; i < 50; i++) {
            assertTrue(sessions.update(id, a -> {
              a.put("count", Integer.toString(Integer.parseInt(a.get("count")) + 1));
              return a;
            }));
          }
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals("200", sessions.load(id).orElseThrow().get("count"));
  }

  @Test
  void theSessionIsTheSameKeyOverHttp() throws Exception {
    String id = sessions.create(Map.of("user", "grace"));
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
        "http://127.0.0.1:" + node.httpAddress().getPort() + "/cache/session:" + id)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertEquals("{\"user\":\"grace\"}", r.body());
  }
}
