package io.sidecache.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * Bytes of a value that streams in, as a decoder hands them on: between the request that starts
 * the value (a RESP {@code SET} with a long bulk string, a memcached {@code set} with a long data
 * block, an HTTP {@code PUT}) and the one that ends it, so the value is never gathered whole in
 * heap. Usually a slice of the decoder's input, not a copy. {@link PipelinedRequestHandler} runs
 * parts in order with the requests around them ({@link PipelinedRequestHandler#handlePart}) and
 * releases each after it ran.
 */
public final class StreamPart extends DefaultByteBufHolder {
  /**
   * Wraps bytes of a streamed value.
   *
   * @param bytes the bytes; the part owns the reference
   */
  public StreamPart(ByteBuf bytes) {
    super(bytes);
  }
}
