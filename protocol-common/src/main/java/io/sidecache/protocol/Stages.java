package io.sidecache.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Combines the store stages of a multi-key command into one stage. Stateless and thread-safe. */
public final class Stages {
  private Stages() {}

  /**
   * Returns a stage completed with the values of all {@code stages}, in order. When every stage is
   * already complete, so is the result (no thread hop). The first failure fails the result.
   *
   * @param stages the stages, must not be {@code null}
   * @param <T> the value type
   * @return the combined stage
   */
  public static <T> CompletionStage<List<T>> all(List<? extends CompletionStage<? extends T>> stages) {
    List<CompletableFuture<? extends T>> futures = new ArrayList<>(stages.size());
    boolean allDone = true;
    for (CompletionStage<? extends T> stage : stages) {
      CompletableFuture<? extends T> f = stage.toCompletableFuture();
      allDone &= f.isDone() && !f.isCompletedExceptionally();
      futures.add(f);
    }
    if (allDone) {
      return CompletableFuture.completedFuture(values(futures));
    }
    return CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0]))
        .thenApply(ignored -> values(futures));
  }

  private static <T> List<T> values(List<CompletableFuture<? extends T>> futures) {
    List<T> values = new ArrayList<>(futures.size());
    for (CompletableFuture<? extends T> f : futures) {
      values.add(f.join());
    }
    return values;
  }
}
