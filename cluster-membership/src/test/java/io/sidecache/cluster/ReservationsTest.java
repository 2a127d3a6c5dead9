package io.sidecache.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sidecache.store.Key;
import io.sidecache.store.StoreUnavailableException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The owner's table of keys held for isolated sections. */
class ReservationsTest {
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
  private final Reservations table = new Reservations(executor);
  private final Key a = Key.of("a");
  private final Key b = Key.of("b");
  private final Key c = Key.of("c");

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  private static long granted(java.util.concurrent.CompletionStage<Long> s) throws Exception {
    return s.toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void waitingOperationsRunInArrivalOrderWhenTheSectionEnds() throws Exception {
    long id = granted(table.reserve(Reservations.newId(), List.of(a, b), 10_000, 1_000));
    List<String> ran = new CopyOnWriteArrayList<>();
    // The caller goes on itself when it may: the retry is not run.
    assertTrue(table.proceed(a, id, () -> ran.add("own")), "the section's own operation");
    assertTrue(table.proceed(c, 0, () -> ran.add("c")), "a key the section does not hold");
    for (int i = 0; i < 5; i++) {
      int n = i;
      assertFalse(table.proceed(i % 2 == 0 ? a : b, 0, () -> ran.add("op" + n)));
    }
    assertEquals(List.of(), ran);
    table.release(id);
    assertEquals(List.of("op0", "op1", "op2", "op3", "op4"), ran, "in arrival order, only them");
    assertTrue(table.isEmpty());
    table.release(id); // twice: nothing
  }

  @Test
  void aSectionOverlappingAnotherWaitsForItAndTakesAllItsKeysOrNone() throws Exception {
    long first = granted(table.reserve(Reservations.newId(), List.of(a, b), 10_000, 5_000));
    CompletableFuture<Long> second = table.reserve(Reservations.newId(), List.of(c, b), 10_000, 5_000)
        .toCompletableFuture();
    Thread.sleep(50);
    assertFalse(second.isDone());
    assertTrue(table.proceed(c, 0, () -> { }), "c is not held while b is unavailable");
    table.release(first);
    long id = second.get(5, TimeUnit.SECONDS);
    assertFalse(table.proceed(c, 0, () -> { }), "now held");
    table.release(id);
  }

  @Test
  void aSectionStartsOnlyOnceTheOperationsRunningOnItsKeysEnd() throws Exception {
    table.enter(a, null);
    CompletableFuture<Long> section = table.reserve(Reservations.newId(), List.of(a), 10_000, 5_000)
        .toCompletableFuture();
    Thread.sleep(50);
    assertFalse(section.isDone(), "granted while an operation on its key ran");
    table.exit(a, null);
    granted(section);
  }

  @Test
  void aSectionReleasedBeforeItsGrantNeverHoldsItsKeys() throws Exception {
    long first = granted(table.reserve(Reservations.newId(), List.of(a), 10_000, 5_000));
    long late = Reservations.newId();
    CompletableFuture<Long> waiting = table.reserve(late, List.of(a, b), 10_000, 5_000)
        .toCompletableFuture();
    table.release(late); // its node gave up on the answer
    table.release(first);
    assertThrows(ExecutionException.class, () -> waiting.get(5, TimeUnit.SECONDS));
    assertTrue(table.isEmpty(), "nothing held");
    assertFalse(table.holds(late));
    long held = granted(table.reserve(Reservations.newId(), List.of(c), 10_000, 5_000));
    assertThrows(ExecutionException.class, () -> table.reserve(held, List.of(b), 10_000, 50)
        .toCompletableFuture().get(5, TimeUnit.SECONDS), "an id in use");
    table.release(held);
  }

  @Test
  void aSectionThatWaitsTooLongFailsAndALeaseEnds() throws Exception {
    long id = granted(table.reserve(Reservations.newId(), List.of(a), 300, 1_000));
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> table.reserve(Reservations.newId(), List.of(a), 10_000, 50).toCompletableFuture().get(5, TimeUnit.SECONDS));
    assertInstanceOf(StoreUnavailableException.class, e.getCause());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (table.holds(id) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertFalse(table.holds(id), "the lease ended");
    assertTrue(table.isEmpty());
  }
}
