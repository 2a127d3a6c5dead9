package io.sidecache.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.sidecache.protocol.CommandGate;
import io.sidecache.store.CacheStore;

/**
 * Sets up the pipeline of one HTTP/1.1 connection: {@link HttpServerCodec} (request decoder and
 * response encoder), an aggregator that turns a request and its body into one {@code
 * FullHttpRequest} and answers an oversized body with {@code 413 Content Too Large} in request
 * order, then an {@link HttpServerHandler} bound to the store.
 *
 * <p>Limits: a request line of at most {@value #MAX_INITIAL_LINE_LENGTH} bytes (a longer one is
 * answered {@code 414 URI Too Long}, RFC 9110 §15.5.15), a header section of at most {@value
 * #MAX_HEADER_SIZE} bytes ({@code 431}, RFC 6585 §5), and a body of at most the configured
 * maximum ({@code 413}, RFC 9110 §15.5.14). Header validation stays on.
 *
 * <p>Sharable and thread-safe: one instance may initialise every child channel of a server.
 */
public class HttpServerInitializer extends ChannelInitializer<Channel> {

  /**
   * Longest accepted request line in bytes (method, target and version). Bounds the key length: up
   * to about 8 KiB of plain key bytes or about 2.7 KiB of fully percent-encoded ones.
   */
  public static final int MAX_INITIAL_LINE_LENGTH = 8192;

  /** Longest accepted header section in bytes, Netty's default. */
  public static final int MAX_HEADER_SIZE = 8192;

  /** Largest body chunk the decoder hands to the aggregator at once, in bytes. */
  static final int MAX_CHUNK_SIZE = 8192;

  private final CacheStore store;
  private final long maxContentLengthBytes;
  private final CommandGate gate;

  /**
   * Creates the initializer.
   *
   * @param store the store every connection reads and writes, must not be {@code null}
   * @param maxContentLengthBytes the largest request body accepted, in bytes, at least 0; a {@code
   *     PUT} with a larger body is answered {@code 413}
   * @throws NullPointerException if {@code store} is {@code null}
   * @throws IllegalArgumentException if {@code maxContentLengthBytes} is negative
   */
  public HttpServerInitializer(CacheStore store, long maxContentLengthBytes) {
    this(store, maxContentLengthBytes, null);
  }

  /**
   * Creates the initializer whose handlers hold requests while {@code gate} is closed.
   *
   * @param store the store every connection reads and writes, must not be {@code null}
   * @param maxContentLengthBytes the largest request body accepted, in bytes, at least 0
   * @param gate the node's gate for exclusive sections (Redis {@code EXEC}), or {@code null}
   * @throws NullPointerException if {@code store} is {@code null}
   * @throws IllegalArgumentException if {@code maxContentLengthBytes} is negative
   */
  public HttpServerInitializer(CacheStore store, long maxContentLengthBytes,
      CommandGate gate) {
    if (store == null) {
      throw new NullPointerException("store");
    }
    if (maxContentLengthBytes < 0) {
      throw new IllegalArgumentException(
          "maxContentLengthBytes: " + maxContentLengthBytes + " (expected: >= 0)");
    }
    this.store = store;
    this.maxContentLengthBytes = maxContentLengthBytes;
    this.gate = gate;
  }

  @Override
  protected void initChannel(Channel ch) {
    ChannelPipeline p = ch.pipeline();
    p.addLast(
        "http-codec",
        new HttpServerCodec(
            new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_INITIAL_LINE_LENGTH)
                .setMaxHeaderSize(MAX_HEADER_SIZE)
                .setMaxChunkSize(MAX_CHUNK_SIZE)));
    // A PUT longer than the store's streaming threshold streams past the aggregator, which
    // gathers the rest (bodies of at most one chunk, or refused ones).
    p.addLast("http-put-splitter", new StreamingPutSplitter(store.streamingThreshold(),
        maxContentLengthBytes, "http-aggregator"));
    p.addLast("http-aggregator", new InOrderHttpObjectAggregator(
        (int) Math.min(maxContentLengthBytes, Integer.MAX_VALUE - 8)));
    p.addLast("http-handler", new HttpServerHandler(store, gate, maxContentLengthBytes));
  }
}
