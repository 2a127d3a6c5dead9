package io.sidecache.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpExpectationFailedEvent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpContentException;

/**
 * An {@link HttpObjectAggregator} whose {@code 413} travels in request order.
 *
 * <p>Netty's aggregator writes its {@code 413} straight to the channel, ahead of the answers to
 * earlier pipelined requests that may still be waiting for the store. This one instead passes
 * the handler a body-less copy of the oversized request whose {@link DecoderResult} failed with
 * {@link TooLongHttpContentException}; the handler answers it in turn, like any other request.
 * The body is discarded as Netty does. The connection closes after the answer when the body
 * had already started to arrive (a chunked body found too long part way), or when the request is
 * neither keep-alive nor waiting for {@code 100 Continue}; the copy then carries {@code
 * Connection: close}.
 *
 * <p>A request with {@code Expect: 100-continue} and a too large {@code Content-Length} gets the
 * same in-order {@code 413} instead of {@code 100 Continue} (RFC 9110 §10.1.1), and the decoder
 * is told to skip the body the client will not send. {@code 100 Continue} and {@code 417} are
 * still written at once by Netty.
 *
 * <p>Not sharable: one instance per channel, used from its event loop.
 */
final class InOrderHttpObjectAggregator extends HttpObjectAggregator {

  InOrderHttpObjectAggregator(int maxContentLength) {
    super(maxContentLength);
  }

  @Override
  protected Object newContinueResponse(
      HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
    if (HttpUtil.is100ContinueExpected(start)
        && HttpUtil.getContentLength(start, -1L) > maxContentLength) {
      // The decoder skips the body the client now will not send; the 413 follows in order
      // from handleOversizedMessage, which the aggregator calls next.
      pipeline.fireUserEventTriggered(HttpExpectationFailedEvent.INSTANCE);
      return null;
    }
    return super.newContinueResponse(start, maxContentLength, pipeline);
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
    if (!(oversized instanceof HttpRequest request)) {
      throw new IllegalStateException("not a request: " + oversized.getClass().getName());
    }
    boolean close =
        oversized instanceof FullHttpMessage
            || (!HttpUtil.is100ContinueExpected(oversized) && !HttpUtil.isKeepAlive(oversized));
    DefaultFullHttpRequest marker =
        new DefaultFullHttpRequest(
            request.protocolVersion(),
            request.method(),
            request.uri(),
            Unpooled.EMPTY_BUFFER,
            request.headers().copy(),
            EmptyHttpHeaders.INSTANCE);
    if (close) {
      HttpUtil.setKeepAlive(marker, false);
    }
    marker.setDecoderResult(
        DecoderResult.failure(
            new TooLongHttpContentException(
                "content length exceeds maxContentLength: " + maxContentLength())));
    ctx.fireChannelRead(marker);
  }
}
