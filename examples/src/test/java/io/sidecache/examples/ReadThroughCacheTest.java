package io.sidecache.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sidecache.server.Sidecache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ReadThroughCache} against Sidecache: the spymemcached read-through example calls its
 * slow function once per miss, however many callers miss at once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadThroughCacheTest {
  private final AtomicInteger calls = new AtomicInteger();
  private Sidecache node;
  private ReadThroughCache cache;

  @BeforeEach
  void start() throws Exception {
    node = LocalSidecache.start();
    cache = new ReadThroughCache(node.memcachedAddress(), key -> {
      calls.incrementAndGet();
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "value of " + key + " #" + calls.get();
    }, Duration.ofMinutes(5), Duration.ofSeconds(10));
  }

  @AfterEach
  void stop() {
    cache.close();
    node.close();
  }

  @Test
  void manyCallersMissingAtOnceCostOneSlowCall() throws Exception {
    int callers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<String>> values = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        values.add(pool.submit(() -> {
          go.await();
          return cache.get("report");
        }));
      }
      go.countDown();
      for (Future<String> v : values) {
        assertEquals("value of report #1", v.get());
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, calls.get());
  }

  @Test
  void aHitCallsNothingAndAnInvalidatedKeyIsComputedAgain() throws Exception {
    assertEquals("value of k #1", cache.get("k"));
    assertEquals("value of k #1", cache.get("k"));
    assertEquals(1, calls.get());
    cache.invalidate("k");
    assertEquals("value of k #2", cache.get("k"));
    assertEquals(2, calls.get());
  }
}
