package io.sidecache.protocol;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * A value streaming in, as {@link PipelinedRequestHandler} feeds it: where the bytes go (a store
 * writer's {@code write}), how to abandon it, and the first failure of a write. Protocol-common
 * knows no store, so the writer is given as these two functions. Used from the channel's event
 * loop only.
 */
public final class StreamedUpload {
  private final Function<ByteBuffer, CompletionStage<Void>> write;
  private final Runnable abort;
  private Throwable failure;
  private boolean aborted;

  StreamedUpload(Function<ByteBuffer, CompletionStage<Void>> write, Runnable abort) {
    this.write = write;
    this.abort = abort;
  }

  CompletionStage<Void> write(ByteBuffer bytes) {
    return write.apply(bytes);
  }

  void failed(Throwable cause) {
    if (failure == null) {
      failure = cause;
      abort();
    }
  }

  /** Returns the first failure of a write, or {@code null}; after one, nothing more is written. */
  public Throwable failure() {
    return failure;
  }

  /** Abandons the value (the writer frees what it stored); idempotent. */
  public void abort() {
    if (!aborted) {
      aborted = true;
      abort.run();
    }
  }
}
