package io.sidecache.cluster;

import io.sidecache.store.SetOptions;
import io.sidecache.store.SetResult;
import io.sidecache.store.ValueWriter;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A value streamed to its owner on another node (docs/cluster.md, "Forwarding"): an upload
 * session opened there ({@link PeerOp#UPLOAD_OPEN}), the bytes sent in parts of at most {@link
 * #PART_BYTES} ({@link PeerOp#UPLOAD_PART}), committed with the write's options at the end
 * ({@link PeerOp#UPLOAD_COMMIT}) with the owner's atomicity and replication, or abandoned ({@link
 * PeerOp#UPLOAD_ABORT}; the owner also aborts a session idle for {@link
 * RoutingStore#UPLOAD_IDLE_SECONDS}). This node never holds more than a part of the value.
 *
 * <p>Back-pressure: a write that completes a part returns the stage of that part's answer, so a
 * caller that waits for it keeps one part in flight. Not thread-safe, as {@link ValueWriter}.
 */
final class RemoteWriter implements ValueWriter {
  /** The most bytes sent per part. */
  static final int PART_BYTES = 256 * 1024;

  /** Sends one upload request to the owner chosen at open: the operation and its arguments. */
  interface Owner {
    <R> CompletionStage<R> call(PeerOp<R> op, java.util.function.Consumer<io.netty.buffer.ByteBuf>
        args);
  }

  private final Owner owner;
  private final CompletableFuture<Long> session;
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
  private CompletionStage<Void> lastPart = CompletableFuture.completedFuture(null);
  private boolean done;

  /**
   * Opens the session.
   *
   * @param owner where the value goes
   * @param length the value's length in bytes, or -1 when not known
   */
  RemoteWriter(Owner owner, long length) {
    this.owner = owner;
    this.session = owner.call(PeerOp.UPLOAD_OPEN, out -> out.writeLong(length))
        .toCompletableFuture();
  }

  @Override
  public CompletionStage<Void> write(ByteBuffer bytes) {
    if (done) {
      throw new IllegalStateException("writer already committed or aborted");
    }
    byte[] copy = new byte[bytes.remaining()];
    bytes.get(copy);
    pending.writeBytes(copy);
    return pending.size() >= PART_BYTES ? sendPart() : lastPart;
  }

  /** Sends what is pending as one part, after the previous part was answered. */
  private CompletionStage<Void> sendPart() {
    byte[] part = pending.toByteArray();
    pending.reset();
    lastPart = lastPart.thenCompose(v -> session).thenCompose(id -> owner.call(
        PeerOp.UPLOAD_PART, out -> {
          out.writeLong(id);
          PeerCodec.writeBytes(out, part);
        }));
    return lastPart;
  }

  @Override
  public CompletionStage<SetResult> commit(SetOptions options) {
    if (done) {
      throw new IllegalStateException("writer already committed or aborted");
    }
    done = true;
    if (pending.size() > 0) {
      sendPart();
    }
    return lastPart.thenCompose(v -> session).thenCompose(id -> owner.call(PeerOp.UPLOAD_COMMIT,
        out -> {
          out.writeLong(id);
          PeerCodec.writeSetOptions(out, options);
        }));
  }

  @Override
  public void abort() {
    if (done) {
      return;
    }
    done = true;
    pending.reset();
    session.thenAccept(id -> owner.call(PeerOp.UPLOAD_ABORT, out -> out.writeLong(id)));
  }
}
