package io.sidecache.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class StagesTest {

  @Test
  void all_completedStagesGiveCompletedResult() {
    CompletionStage<List<Integer>> all = Stages.all(
        List.of(CompletableFuture.completedFuture(1), CompletableFuture.completedFuture(2)));
    assertTrue(all.toCompletableFuture().isDone());
    assertEquals(List.of(1, 2), all.toCompletableFuture().join());
  }

  @Test
  void all_pendingStageCompletesLaterInOrder() {
    CompletableFuture<Integer> later = new CompletableFuture<>();
    CompletableFuture<List<Integer>> all =
        Stages.all(List.of(later, CompletableFuture.completedFuture(2))).toCompletableFuture();
    assertFalse(all.isDone());
    later.complete(1);
    assertEquals(List.of(1, 2), all.join());
  }

  @Test
  void all_failureFailsResult() {
    IllegalStateException boom = new IllegalStateException("boom");
    CompletableFuture<List<Integer>> all = Stages.<Integer>all(
        List.of(CompletableFuture.completedFuture(1), CompletableFuture.failedFuture(boom)))
        .toCompletableFuture();
    CompletionException e = assertThrows(CompletionException.class, all::join);
    assertSame(boom, e.getCause());
  }
}
