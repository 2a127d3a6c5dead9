package io.sidecache.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.sidecache.protocol.StreamPart;

/**
 * Takes a {@code PUT} whose body is longer than the store's streaming threshold, or of unknown
 * length ({@code Transfer-Encoding: chunked}, or neither that nor {@code Content-Length}, which
 * the handler refuses with {@code 411 Length Required}), out of aggregation: the request head goes to the
 * handler as it is (not a {@code FullHttpRequest}), its body as {@link StreamPart}s as the bytes
 * arrive, then {@link LastHttpContent#EMPTY_LAST_CONTENT} ends it (or the content whose decoding
 * failed, for a malformed body). Every other request goes on to
 * the aggregator. Sits between the codec and the aggregator and delivers the streamed messages
 * past the aggregator, straight to the handler, so a 4 GiB upload needs no 4 GiB of heap.
 *
 * <p>A streamed request that expects {@code 100 Continue} gets it from the handler when its turn
 * comes; one whose {@code Content-Length} is above {@code maxBody} is left to the aggregator,
 * which answers {@code 413} in order.
 *
 * <p>Not sharable: one instance per channel, used from its event loop.
 */
final class StreamingPutSplitter extends ChannelInboundHandlerAdapter {
  private final long streamAbove;
  private final long maxBody;
  private final String aggregator;
  private boolean streaming;

  /**
   * Creates the splitter.
   *
   * @param streamAbove the body length above which a {@code PUT} streams
   * @param maxBody the longest body accepted, in bytes
   * @param aggregator the name of the aggregator the streamed messages skip
   */
  StreamingPutSplitter(long streamAbove, long maxBody, String aggregator) {
    this.streamAbove = streamAbove;
    this.maxBody = maxBody;
    this.aggregator = aggregator;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request && startsStream(request)) {
      streaming = true;
      past(ctx).fireChannelRead(request); // the handler sends 100 Continue, in order
      // A FullHttpRequest would carry its body; the codec sends the head alone, the body after.
      return;
    }
    if (streaming && msg instanceof HttpContent content) {
      if (content.decoderResult().isFailure()) {
        streaming = false;
        past(ctx).fireChannelRead(content); // a malformed body: the handler answers 400
        return;
      }
      if (content.content().isReadable()) {
        past(ctx).fireChannelRead(new StreamPart(content.content()));
      } else {
        content.release();
      }
      if (content instanceof LastHttpContent) {
        streaming = false;
        past(ctx).fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
      }
      return;
    }
    ctx.fireChannelRead(msg);
  }

  private ChannelHandlerContext past(ChannelHandlerContext ctx) {
    return ctx.pipeline().context(aggregator);
  }

  private boolean startsStream(HttpRequest request) {
    if (!HttpMethod.PUT.equals(request.method()) || !request.decoderResult().isSuccess()
        || request instanceof LastHttpContent) {
      return false;
    }
    long length = HttpUtil.getContentLength(request, -1L);
    if (length < 0) {
      return true; // chunked, or no framing at all, which the handler answers 411
    }
    return length > streamAbove && length <= maxBody;
  }
}
