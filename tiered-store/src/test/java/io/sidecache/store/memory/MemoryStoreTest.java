package io.sidecache.store.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sidecache.store.Entry;
import io.sidecache.store.ExpireCondition;
import io.sidecache.store.ExpiringKeys;
import io.sidecache.store.Key;
import io.sidecache.store.SetOptions;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What only the memory tier promises beyond {@link io.sidecache.store.CacheStoreContract}. */
class MemoryStoreTest {
  private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
  private final MemoryStore store =
      MemoryStore.builder().maximumBytes(1 << 20).ticker(now::get).executor(Runnable::run).build();
  private final Key k = Key.of("k");

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static <T> T done(CompletionStage<T> stage) {
    assertTrue(stage.toCompletableFuture().isDone(), "memory tier completes inline");
    return stage.toCompletableFuture().join();
  }

  private static Throwable failure(CompletionStage<?> stage) {
    CompletionException e =
        assertThrows(CompletionException.class, () -> stage.toCompletableFuture().join());
    return e.getCause();
  }

  private String value(Key key) {
    Entry e = done(store.get(key));
    return e == null ? null : new String(e.value(), StandardCharsets.UTF_8);
  }

  @Test
  void builder_rejectsRepeatsAndBadValues() {
    assertThrows(IllegalStateException.class, () -> MemoryStore.builder().build());
    assertThrows(IllegalStateException.class,
        () -> MemoryStore.builder().maximumBytes(1).maximumBytes(2));
    assertThrows(IllegalArgumentException.class, () -> MemoryStore.builder().maximumBytes(-1));
    assertThrows(IllegalStateException.class,
        () -> SetOptions.builder().expiresAt(5).keepTtl());
    assertThrows(IllegalStateException.class, () -> SetOptions.builder().ifAbsent().ifPresent());
  }

  @Test
  void maximumBytes_boundsHeldBytes() {
    MemoryStore small = MemoryStore.builder().maximumBytes(64 * 1024).executor(Runnable::run)
        .ticker(now::get).build();
    byte[] value = new byte[1000];
    for (int i = 0; i < 1000; i++) {
      done(small.set(Key.of("key" + i), value, SetOptions.DEFAULT));
    }
    small.cleanUp();
    assertTrue(small.weightedSize() <= 64 * 1024, "weighted size " + small.weightedSize());
    assertTrue(small.estimatedSize() < 1000);
  }

  @Test
  void sizeAndStats() {
    done(store.set(k, b("value"), SetOptions.DEFAULT));
    assertEquals(1L, done(store.size()));
    assertEquals(1, store.stats().keys());
    assertEquals(1 + 5 + MemoryStore.ENTRY_OVERHEAD, store.stats().usedBytes());
    assertEquals(1 << 20, store.stats().maximumBytes());
  }

  @Test
  void expiringKeys_stayExactThroughEvictionAndExpiry() {
    MemoryStore small = MemoryStore.builder().maximumBytes(64 * 1024).executor(Runnable::run)
        .ticker(now::get).build();
    byte[] value = new byte[100];
    for (int i = 0; i < 5000; i++) {
      long expiresAt = i % 3 == 0 ? Entry.NO_EXPIRY : now.get() + 1_000 + i % 7;
      done(small.set(Key.of("key" + i), value, SetOptions.builder().expiresAt(expiresAt)
          .build()));
    }
    small.cleanUp();
    long[] held = new long[2];
    small.forEachInMemory((key, e) -> {
      if (e.hasExpiry()) {
        held[0]++;
        held[1] += e.expiresAt() - now.get();
      }
    });
    assertTrue(held[0] > 0 && small.stats().evictions() > 0, "evicted some, kept some");
    assertEquals(new ExpiringKeys(held[0], held[1]), small.stats().expiring());
    now.addAndGet(2_000);
    small.cleanUp();
    assertEquals(ExpiringKeys.NONE, small.stats().expiring(), "every TTL key expired");
  }

  /**
   * A compute that finds its key expired tells the eviction listener, then runs its function with
   * no entry; when that function throws (INCRBYFLOAT of a bad increment), the expired entry must
   * leave the map then, or the listener hears of it twice (Caffeine 3.2.3 kept it).
   */
  @Test
  void expiringKeys_aFailedWriteOverAnExpiredKeyCountsItsExpiryOnce() {
    Key other = Key.of("other");
    done(store.set(k, b("1.5"), SetOptions.builder().expiresAt(now.get() + 1_000).build()));
    done(store.set(other, b("v"), SetOptions.builder().expiresAt(now.get() + 60_000).build()));
    now.addAndGet(2_000);
    failure(store.incrementByFloat(k, b("abc")));
    store.cleanUp();
    assertEquals(1, store.stats().expiring().count());
    assertEquals(1, store.stats().expirations());
  }

  @Test
  void flush_emptiesTheTierAndItsTally() {
    done(store.set(k, b("v"), SetOptions.builder().expiresAt(now.get() + 1_000).build()));
    done(store.set(Key.of("live"), b("v"), SetOptions.DEFAULT));
    now.addAndGet(2_000);
    done(store.flush());
    assertEquals(0, store.stats().keys());
    assertEquals(ExpiringKeys.NONE, store.stats().expiring());
  }

  @Test
  void expirations_aWriteOverAnExpiredEntryCountsItsExpiryOnce() {
    done(store.set(k, b("v"), SetOptions.builder().expiresAt(now.get() + 1_000).build()));
    now.addAndGet(2_000);
    assertEquals(1L, done(store.incrementBy(k, 1)), "the expired value is not read");
    store.cleanUp();
    assertEquals(1, store.stats().expirations());
    assertEquals(ExpiringKeys.NONE, store.stats().expiring());
  }

  /**
   * Writers set, delete and persist keys while a sweep runs over and over with a clock ahead of
   * theirs (so it finds entries expired and removes them under the writers' feet): afterwards
   * every entry that carries an expiry time has its key in the sweep's set.
   */
  @Test
  void activeExpiry_keepsEveryKeyWithAnExpiryUnderRacingWritesAndSweeps() throws Exception {
    Key[] keys = new Key[32];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = Key.of("k" + i);
    }
    AtomicBoolean stop = new AtomicBoolean();
    Thread sweeper = new Thread(() -> {
      while (!stop.get()) {
        store.activeExpiry().sweep(now.get() + 1_000, false);
      }
    });
    sweeper.start();
    Thread[] writers = new Thread[2];
    for (int w = 0; w < writers.length; w++) {
      long seed = w;
      writers[w] = new Thread(() -> {
        Random random = new Random(seed);
        for (int i = 0; i < 200_000; i++) {
          Key key = keys[random.nextInt(keys.length)];
          switch (random.nextInt(4)) {
            case 0 -> done(store.set(key, b("v"), SetOptions.builder()
                .expiresAt(now.get() + 500 + random.nextInt(1_000)).build()));
            case 1 -> done(store.set(key, b("v"), SetOptions.DEFAULT));
            case 2 -> done(store.delete(key));
            default -> done(store.expire(key, Entry.NO_EXPIRY, ExpireCondition.ALWAYS));
          }
        }
      });
      writers[w].start();
    }
    for (Thread writer : writers) {
      writer.join(60_000);
    }
    stop.set(true);
    sweeper.join(60_000);
    for (Key key : keys) {
      store.forEachInMemory((held, e) -> {
        if (held.equals(key) && e.hasExpiry()) {
          assertTrue(store.activeExpiry().contains(key), key + " has an expiry but is not swept");
        }
      });
    }
  }

  @Test
  void activeExpiry_reclaimsWithoutReads() throws InterruptedException {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      MemoryStore active = MemoryStore.builder().maximumBytes(1 << 20)
          .activeExpiry(scheduler).build();
      for (int i = 0; i < 100; i++) {
        done(active.set(Key.of("k" + i), b("v"),
            SetOptions.builder().expiresAt(System.currentTimeMillis() + 50).build()));
      }
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (active.stats().expirations() < 100 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(100, active.stats().expirations());
      assertEquals(0, active.estimatedSize());
    } finally {
      scheduler.shutdownNow();
    }
  }
}
