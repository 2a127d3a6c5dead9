package io.sidecache.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class PipelinedRequestHandlerTest {

  /**
   * Answers each request (a string) by writing and flushing it at once, as a handler does with a
   * large reply mid-batch; a request starting with "wait" awaits {@code pending} and then only
   * buffers a short "w". Records how deeply {@link #handle} calls nest.
   */
  private static final class EchoHandler extends PipelinedRequestHandler<String> {
    final List<String> handled = new ArrayList<>();
    final List<String> completed = new ArrayList<>();
    final CompletableFuture<Void> pending;
    int depth;
    int maxDepth;

    EchoHandler(CompletableFuture<Void> pending) {
      super(String.class);
      this.pending = pending;
    }

    @Override
    protected void handle(ChannelHandlerContext ctx, String request) {
      depth++;
      maxDepth = Math.max(maxDepth, depth);
      try {
        handled.add(request);
        if (request.startsWith("wait") && !pending.isDone()) {
          await(pending, (v, e) -> ctx.write(copy("w")));
        } else {
          ctx.writeAndFlush(copy(request));
        }
      } finally {
        depth--;
      }
    }

    @Override
    protected void requestCompleted() {
      completed.add(handled.get(handled.size() - 1));
    }

    @Override
    protected void flushReplies(ChannelHandlerContext ctx) {
      ctx.flush();
    }
  }

  private static ByteBuf copy(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
  }

  private static String outbound(EmbeddedChannel ch) {
    StringBuilder sb = new StringBuilder();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      sb.append(b.toString(StandardCharsets.US_ASCII)).append(' ');
      b.release();
    }
    return sb.toString().trim();
  }

  @Test
  void handle_writabilityRegainedInsideAWriteDoesNotNestRequests() {
    EchoHandler handler = new EchoHandler(new CompletableFuture<>());
    EmbeddedChannel ch = new EmbeddedChannel(handler);
    // Every write passes the high water mark, and the write itself brings the channel back
    // under the low one: the writability event fires inside handle().
    ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1, 2));
    ch.writeInbound("one", "two", "three", "four");
    assertEquals("one two three four", outbound(ch));
    assertEquals(List.of("one", "two", "three", "four"), handler.handled);
    assertEquals(1, handler.maxDepth);
    assertFalse(ch.finish());
  }

  @Test
  void await_writabilityRegainedInsideABacklogWriteDoesNotNestRequests() {
    CompletableFuture<Void> pending = new CompletableFuture<>();
    EchoHandler handler = new EchoHandler(pending);
    EmbeddedChannel ch = new EmbeddedChannel(handler);
    // Netty counts ~96 bytes of overhead per outbound message: the short "w" keeps the channel
    // writable, a long reply passes the high mark and its own write brings it under the low one.
    ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(150, 200));
    String c = "c".repeat(150);
    String d = "d".repeat(150);
    ch.writeInbound("aaa", "wait-b", c, d);
    assertEquals("aaa", outbound(ch));
    assertFalse(ch.config().isAutoRead());
    pending.complete(null);
    ch.runPendingTasks();
    assertEquals("w " + c + " " + d, outbound(ch));
    assertEquals(List.of("aaa", "wait-b", c, d), handler.handled);
    assertEquals(1, handler.maxDepth);
    assertTrue(ch.config().isAutoRead());
    assertFalse(ch.finish());
  }

  @Test
  void requestCompleted_oncePerRequest_afterItsAwaitedStage() {
    CompletableFuture<Void> pending = new CompletableFuture<>();
    EchoHandler handler = new EchoHandler(pending);
    EmbeddedChannel ch = new EmbeddedChannel(handler);
    ch.writeInbound("one", "wait", "two");
    assertEquals(List.of("one"), handler.completed); // "wait" awaits; "two" waits behind it
    pending.complete(null);
    ch.runPendingTasks();
    assertEquals(List.of("one", "wait", "two"), handler.completed);
    outbound(ch);
    ch.finishAndReleaseAll();
  }
}
