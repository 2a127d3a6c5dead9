package io.sidecache.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * Sets up the pipeline of one HTTP/1.1 connection: {@link HttpServerCodec} (request decoder and
 * response encoder), an aggregator that turns a request and its body into one {@code
 * FullHttpRequest} and answers an oversized body with {@code 413 Content Too Large} in request
 * order, then an {@link HttpServerHandler} bound to the node's {@link HttpServerContext}.
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

  private final HttpServerContext context;

  /**
   * Creates the initializer of a node's HTTP connections.
   *
   * @param context what every connection shares, must not be {@code null}
   * @throws NullPointerException if {@code context} is {@code null}
   */
  public HttpServerInitializer(HttpServerContext context) {
    if (context == null) {
      throw new NullPointerException("context");
    }
    this.context = context;
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
    p.addLast("http-put-splitter", new StreamingPutSplitter(
        context.store().streamingThreshold(), context.maxBodyBytes(), "http-aggregator"));
    p.addLast("http-aggregator", new InOrderHttpObjectAggregator(
        (int) Math.min(context.maxBodyBytes(), Integer.MAX_VALUE - 8)));
    p.addLast("http-handler", new HttpServerHandler(context));
  }
}
