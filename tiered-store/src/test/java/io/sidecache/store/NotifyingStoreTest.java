package io.sidecache.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sidecache.store.memory.MemoryStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Which operations {@link NotifyingStore} reports, and which it does not: only a change, as Redis
 * 7 signals a modified key; and the memory tier's own expiries and evictions (its {@code
 * keyChanges} option).
 */
class NotifyingStoreTest {
  private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
  private final List<String> reported = new ArrayList<>();
  private final KeyChanges recorder = new KeyChanges() {
    @Override
    public synchronized void changed(Key key, long origin) {
      reported.add(new String(key.bytes(), StandardCharsets.UTF_8) + "@" + origin);
    }

    @Override
    public synchronized void flushed(long origin) {
      reported.add("*@" + origin);
    }
  };
  private final MemoryStore memory = MemoryStore.builder().maximumBytes(1 << 20)
      .ticker(now::get).executor(Runnable::run).keyChanges(recorder).build();
  private final NotifyingStore store = new NotifyingStore(memory, recorder).from(5);
  private final Key k = Key.of("k");
  private final Key n = Key.of("n");

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  /** Runs {@code op} and returns what it reported. */
  private List<String> reports(Runnable op) {
    reported.clear();
    op.run();
    return List.copyOf(reported);
  }

  @Test
  void writesThatChangeAKeyAreReportedWithTheViewsOrigin() {
    assertEquals(List.of("k@5"), reports(() -> join(store.set(k, b("v"), SetOptions.DEFAULT))));
    assertEquals(List.of("k@5"), reports(() -> join(store.concat(k, b("w"),
        ConcatOptions.REDIS_APPEND))));
    assertEquals(List.of("k@5"), reports(() -> join(store.setRange(k, 0, b("x")))));
    assertEquals(List.of("n@5"), reports(() -> join(store.incrementBy(n, 2))));
    assertEquals(List.of("n@5"), reports(() -> join(store.expire(n, now.get() + 60_000,
        ExpireCondition.ALWAYS))));
    assertEquals(List.of("k@5", "n@5"), reports(() -> join(store.rename(k, n, false))));
    assertEquals(List.of("k@5"), reports(() -> join(store.copy(n, k, false))));
    assertEquals(List.of("k@5"), reports(() -> join(store.getAndDelete(k))));
    assertEquals(List.of("n@5"), reports(() -> join(store.delete(n))));
    assertEquals(List.of("*@5"), reports(() -> join(store.flush())));
    assertEquals(List.of("k@0"), reports(() -> join(new NotifyingStore(memory, recorder)
        .set(k, b("v"), SetOptions.DEFAULT))));
  }

  @Test
  void operationsThatChangeNothingAreNotReported() {
    join(store.set(k, b("v"), SetOptions.DEFAULT));
    assertEquals(List.of(), reports(() -> join(store.get(k))));
    assertEquals(List.of(), reports(() -> join(store.set(k, b("w"),
        SetOptions.builder().ifAbsent().build()))));
    assertEquals(List.of(), reports(() -> join(store.delete(n))));
    assertEquals(List.of(), reports(() -> join(store.getAndDelete(n))));
    assertEquals(List.of(), reports(() -> store.incrementBy(k, 1).toCompletableFuture()
        .exceptionally(t -> null).join())); // not an integer: nothing changed
    assertEquals(List.of(), reports(() -> join(store.expire(n, now.get() + 1000,
        ExpireCondition.ALWAYS))));
    join(store.set(n, b("1"), SetOptions.DEFAULT));
    assertEquals(List.of(), reports(() -> join(store.rename(k, n, true))),
        "RENAMENX onto an existing key");
    assertEquals(List.of(), reports(() -> join(store.copy(k, n, false))),
        "COPY onto an existing key without REPLACE");
  }

  @Test
  void aStreamedValueIsReportedWhenItCommits() {
    ValueWriter w = store.writer(k, 3);
    assertEquals(List.of(), reports(() -> join(w.write(ByteBuffer.wrap(b("abc"))))));
    assertEquals(List.of("k@5"), reports(() -> join(w.commit(SetOptions.DEFAULT))));
  }

  @Test
  void aSectionsWritesAreReportedLikeAnyOther() {
    assertEquals(List.of("k@5"), reports(() -> join(store.isolated(Set.of(k),
        view -> view.set(k, b("v"), SetOptions.DEFAULT)))));
  }

  @Test
  void aWriteThatCompletesLaterIsReportedWhenItCompletes() {
    CompletableFuture<SetResult> later = new CompletableFuture<>();
    NotifyingStore slow = new NotifyingStore(new ForwardingCacheStore(memory) {
      @Override
      public CompletionStage<SetResult> set(Key key, byte[] value, SetOptions options) {
        return super.set(key, value, options).thenCompose(r -> later.thenApply(x -> r));
      }
    }, recorder);
    CompletionStage<SetResult> stage = slow.set(k, b("v"), SetOptions.DEFAULT);
    assertEquals(List.of(), List.copyOf(reported));
    assertEquals(List.of("k@0"), reports(() -> later.complete(null)));
    assertEquals(true, join(stage).stored());
  }

  @Test
  void theMemoryTierReportsAnExpiredKeyWhenItsSweepReclaimsIt() {
    join(store.set(k, b("v"), SetOptions.builder().expiresAt(now.get() + 1000).build()));
    now.addAndGet(2000);
    assertEquals(List.of("n@5"), reports(() -> join(store.set(n, b("1"), SetOptions.DEFAULT))));
    assertEquals(List.of("k@0"), reports(memory::cleanUp));
    assertEquals(List.of(), reports(memory::cleanUp));
  }

  /** As Redis 7 expireIfNeeded: a lookup that finds the key expired deletes it and signals it. */
  @Test
  void aReadThatFindsAnExpiredKeyReclaimsAndReportsIt() {
    join(store.set(k, b("v"), SetOptions.builder().expiresAt(now.get() + 1000).build()));
    now.addAndGet(2000);
    assertEquals(List.of("k@0"), reports(() -> assertEquals(null, join(store.get(k)))));
    assertEquals(0, memory.stats().keys());
    assertEquals(1, memory.stats().expirations());
  }

  /** As Redis 7 expireIfNeeded: the expiry is signalled for every client, then the write. */
  @Test
  void aWriteOverAnExpiredKeyReportsItsExpiryAndTheWrite() {
    join(store.set(k, b("v"), SetOptions.builder().expiresAt(now.get() + 1000).build()));
    now.addAndGet(2000);
    assertEquals(List.of("k@0", "k@5"),
        reports(() -> join(store.set(k, b("w"), SetOptions.DEFAULT))).stream().sorted().toList());
  }
}
