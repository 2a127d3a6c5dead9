package io.sidecache.store;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Moves a value from a {@link ValueReader} to a sink piece by piece, each piece only once the sink
 * took the previous one. Pieces that are ready at once (chunks in memory) are moved in a loop, not
 * by recursion, so a value of any number of chunks needs no deep stack. Stateless.
 */
public final class ValueStreams {
  private ValueStreams() {}

  /**
   * Feeds every piece of {@code reader} to {@code sink}, waiting for each stage {@code sink}
   * returns before asking for the next piece. The reader is not closed.
   *
   * @param reader the source
   * @param sink takes a piece (valid until the reader is closed) and returns when it can take more
   * @return a stage completed after the last piece was taken, or failed with the first failure of
   *     the reader or the sink
   */
  public static CompletionStage<Void> drain(
      ValueReader reader, Function<ByteBuffer, CompletionStage<Void>> sink) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    new Pump(reader, sink, done).run();
    return done;
  }

  /**
   * Copies the rest of {@code reader} into {@code writer}; neither is closed nor committed.
   *
   * @param reader the source
   * @param writer the destination
   * @return a stage completed when every piece was written
   */
  public static CompletionStage<Void> copy(ValueReader reader, ValueWriter writer) {
    return drain(reader, writer::write);
  }

  /**
   * Reads the rest of {@code reader} into one array and closes the reader.
   *
   * @param reader the source, yielding at most {@code Integer.MAX_VALUE - 8} bytes
   * @return a stage completed with the bytes
   * @throws IllegalArgumentException if the reader yields more than fits one array
   */
  public static CompletionStage<byte[]> collect(ValueReader reader) {
    if (reader.length() > Integer.MAX_VALUE - 8) {
      reader.close();
      throw new IllegalArgumentException(reader.length() + " bytes do not fit one array");
    }
    byte[] bytes = new byte[(int) reader.length()];
    int[] filled = new int[1];
    return drain(reader, piece -> {
      int n = piece.remaining();
      piece.get(bytes, filled[0], n);
      filled[0] += n;
      return CompletableFuture.completedFuture(null);
    }).whenComplete((v, t) -> reader.close()).thenApply(v -> bytes);
  }

  /** The loop: runs pieces while they are ready, and resumes from a callback when one is not. */
  private static final class Pump implements Runnable {
    private final ValueReader reader;
    private final Function<ByteBuffer, CompletionStage<Void>> sink;
    private final CompletableFuture<Void> done;

    Pump(ValueReader reader, Function<ByteBuffer, CompletionStage<Void>> sink,
        CompletableFuture<Void> done) {
      this.reader = reader;
      this.sink = sink;
      this.done = done;
    }

    @Override
    public void run() {
      try {
        for (; ; ) {
          CompletableFuture<ByteBuffer> next = reader.next().toCompletableFuture();
          if (!next.isDone()) {
            next.whenComplete((piece, t) -> resume(piece, t));
            return;
          }
          ByteBuffer piece = next.join();
          if (piece == null) {
            done.complete(null);
            return;
          }
          CompletableFuture<Void> taken = sink.apply(piece).toCompletableFuture();
          if (!taken.isDone()) {
            taken.whenComplete((v, t) -> {
              if (t != null) {
                done.completeExceptionally(t);
              } else {
                run();
              }
            });
            return;
          }
          taken.join();
        }
      } catch (RuntimeException e) {
        done.completeExceptionally(e instanceof java.util.concurrent.CompletionException
            && e.getCause() != null ? e.getCause() : e);
      }
    }

    private void resume(ByteBuffer piece, Throwable t) {
      if (t != null) {
        done.completeExceptionally(t);
        return;
      }
      if (piece == null) {
        done.complete(null);
        return;
      }
      try {
        sink.apply(piece).whenComplete((v, t2) -> {
          if (t2 != null) {
            done.completeExceptionally(t2);
          } else {
            run();
          }
        });
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
      }
    }
  }
}
