package io.sidecache.store.tiered;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import io.sidecache.store.SetOptions;
import io.sidecache.store.memory.MemoryStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TieredStoreTest {
  private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
  @TempDir Path dir;

  private TieredStore open(long memoryBytes) throws Exception {
    return TieredStore.open(MemoryStore.builder().maximumBytes(memoryBytes)
        .executor(Runnable::run), dir, 256L * 1024 * 1024, TieredStore.PENDING_BYTES_DEFAULT,
        1024 * 1024, now::get);
  }

  private static <T> T done(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Demotions are counted on the disk thread once written: waits (10 s at most) for the first. */
  private static void awaitADemotion(TieredStore store) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (store.demotions() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertTrue(store.demotions() > 0, "a 64 KiB memory tier demoted nothing");
  }

  @Test
  void close_thenOpenServesEveryKeyWithFlagsCasAndExpiry() throws Exception {
    List<Long> cas = new ArrayList<>();
    try (TieredStore store = open(64 * 1024)) {
      for (int i = 0; i < 1000; i++) {
        SetOptions options = SetOptions.builder().flags(i)
            .expiresAt(i % 2 == 0 ? Entry.NO_EXPIRY : now.get() + 1000 * i).build();
        cas.add(done(store.set(Key.of("k" + i), b("value-" + i), options)).current().cas());
      }
      awaitADemotion(store);
    }
    now.addAndGet(1500); // k1 (expiring after 1 s) is gone after the restart
    try (TieredStore store = open(64 * 1024)) {
      assertNull(done(store.get(Key.of("k1"))));
      for (int i = 2; i < 1000; i++) {
        Entry e = done(store.get(Key.of("k" + i)));
        assertArrayEquals(b("value-" + i), e.value(), "k" + i);
        assertEquals(i, e.flags());
        assertEquals(cas.get(i), e.cas());
        assertEquals(i % 2 == 0 ? Entry.NO_EXPIRY : 1_700_000_000_000L + 1000 * i, e.expiresAt());
      }
      long fresh = done(store.set(Key.of("new"), b("x"), SetOptions.DEFAULT)).current().cas();
      assertTrue(fresh > cas.stream().mapToLong(Long::longValue).max().orElseThrow(),
          "CAS versions stay unique across the restart");
    }
  }

  /** A key demoted to disk is reported as changed: the disk tier reports none of its own. */
  @Test
  void aKeyMovedToDiskIsReportedToKeyChanges() throws Exception {
    java.util.Set<Key> reported = java.util.concurrent.ConcurrentHashMap.newKeySet();
    io.sidecache.store.KeyChanges changes = new io.sidecache.store.KeyChanges() {
      @Override
      public void changed(Key key, long origin) {
        reported.add(key);
      }

      @Override
      public void flushed(long origin) {}
    };
    try (TieredStore store = TieredStore.open(MemoryStore.builder().maximumBytes(64 * 1024)
        .executor(Runnable::run).keyChanges(changes), dir, 256L * 1024 * 1024,
        TieredStore.PENDING_BYTES_DEFAULT, 1024 * 1024, now::get)) {
      for (int i = 0; i < 1000; i++) {
        done(store.set(Key.of("k" + i), b("value-" + i), SetOptions.DEFAULT));
      }
      awaitADemotion(store);
      // Only writes, each key once: every key handed to disk is a distinct report.
      assertTrue(reported.size() >= store.demotions(),
          reported.size() + " reported, " + store.demotions() + " demoted");
    }
  }

  /**
   * Writers overwrite and delete keys while a tiny memory tier demotes and promotes them all the
   * time; each key's last acknowledged write is the model. No read may return anything but the
   * model's value, during the run, after it, and after a restart: no resurrection.
   */
  @Test
  void racingWritesDemotionsAndPromotions_neverResurrect() throws Exception {
    int keys = 64;
    int threads = 4;
    long[] merged = new long[keys];
    try (TieredStore store = open(8 * 1024)) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<long[]>> models = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        models.add(pool.submit(() -> {
          // Each thread owns the keys congruent to it, so its own view is the model.
          Random random = new Random(thread);
          long[] model = new long[keys];
          for (int i = 0; i < 20_000; i++) {
            int slot = thread + threads * random.nextInt(keys / threads);
            Key key = Key.of("key" + slot);
            int op = random.nextInt(10);
            if (op < 5) {
              long v = (long) thread << 32 | i;
              done(store.set(key, value(v), SetOptions.DEFAULT));
              model[slot] = v;
            } else if (op < 7) {
              done(store.delete(key));
              model[slot] = -1;
            } else {
              Entry e = done(store.get(key));
              long expected = model[slot];
              if (expected == 0 || expected == -1) {
                assertNull(e, "key" + slot + " came back after its delete");
              } else {
                assertEquals(expected, ByteBuffer.wrap(e.value()).getLong(), "key" + slot);
              }
            }
          }
          return model;
        }));
      }
      for (Future<long[]> f : models) {
        long[] m = f.get(120, TimeUnit.SECONDS);
        for (int i = 0; i < keys; i++) {
          merged[i] = m[i] != 0 ? m[i] : merged[i];
        }
      }
      pool.shutdown();
      check(store, merged);
      assertTrue(store.demotions() > 1000 && store.promotions() > 1000,
          "demotions " + store.demotions() + ", promotions " + store.promotions());
      assertEquals(0, store.shedDemotions(), "a shed demotion would make the restart check moot");
    }
    try (TieredStore store = open(8 * 1024)) {
      // After a clean restart every acknowledged value is back and every delete stays.
      check(store, merged);
    }
  }

  private static byte[] value(long v) {
    return ByteBuffer.allocate(Long.BYTES + 200).putLong(v).array();
  }

  private static void check(TieredStore store, long[] model) throws Exception {
    for (int i = 0; i < model.length; i++) {
      Entry e = done(store.get(Key.of("key" + i)));
      if (model[i] <= 0) {
        assertNull(e, "key" + i);
      } else {
        assertEquals(model[i], ByteBuffer.wrap(e.value()).getLong(), "key" + i);
      }
    }
  }
}
