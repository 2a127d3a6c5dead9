package io.sidecache.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.RedisArrayAggregator;
import io.netty.handler.codec.redis.RedisBulkStringAggregator;
import io.netty.handler.codec.redis.RedisDecoder;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Test helpers shared by the RESP decoder tests: request encoding, feeding a byte stream to a
 * channel in pieces, and netty-codec-redis as the reference decoder.
 */
final class RespFrames {
  private RespFrames() {}

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Encodes one request as a RESP array of bulk strings. */
  static byte[] multibulk(byte[]... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeMultibulk(out, args);
    return out.toByteArray();
  }

  static void writeMultibulk(ByteArrayOutputStream out, byte[]... args) {
    out.writeBytes(bytes("*" + args.length + "\r\n"));
    for (byte[] a : args) {
      out.writeBytes(bytes("$" + a.length + "\r\n"));
      out.writeBytes(a);
      out.writeBytes(bytes("\r\n"));
    }
  }

  /**
   * Writes {@code input} to {@code ch} in the pieces {@code [0, cuts[0])}, {@code [cuts[0],
   * cuts[1])} ... {@code [cuts[n-1], input.length)}, each copied into a buffer from the channel's
   * allocator; {@code cuts} ascending, each in {@code [0, input.length]}.
   *
   * @return the messages read after each piece, in order
   * @throws RuntimeException what a handler threw, after releasing the messages read so far
   */
  static List<Object> feed(EmbeddedChannel ch, byte[] input, int... cuts) {
    List<Object> out = new ArrayList<>();
    try {
      int from = 0;
      for (int i = 0; i <= cuts.length; i++) {
        int to = i < cuts.length ? cuts[i] : input.length;
        ByteBuf piece = ch.alloc().heapBuffer(to - from);
        piece.writeBytes(input, from, to - from);
        ch.writeInbound(piece);
        Object m;
        while ((m = ch.readInbound()) != null) {
          out.add(m);
        }
        from = to;
      }
      return out;
    } catch (RuntimeException e) {
      out.forEach(ReferenceCountUtil::release);
      throw e;
    }
  }

  /**
   * Decodes with netty-codec-redis ({@code RedisDecoder}, {@code RedisBulkStringAggregator},
   * {@code RedisArrayAggregator}), the reference decoder, and returns every top-level message as
   * a list of its bulk string arguments. Fails the test when a message is not an array of bulk
   * strings.
   */
  static List<List<byte[]>> reference(byte[] input, int... cuts) {
    EmbeddedChannel ch = referenceChannel(new TrackingAllocator());
    List<List<byte[]>> out = new ArrayList<>();
    for (Object m : feed(ch, input, cuts)) {
      out.add(bulkArguments((RedisMessage) m));
    }
    assertEquals(false, ch.finish(), "messages left in the reference channel");
    return out;
  }

  /** A channel with netty-codec-redis's decoder and aggregators that allocates from {@code alloc}. */
  static EmbeddedChannel referenceChannel(TrackingAllocator alloc) {
    EmbeddedChannel ch = new EmbeddedChannel(
        new RedisDecoder(), new RedisBulkStringAggregator(), new RedisArrayAggregator());
    ch.config().setAllocator(alloc);
    return ch;
  }

  /**
   * Returns the arguments of a reference message that is an array of non-null bulk strings, or
   * {@code null} for any other message; releases the message either way.
   */
  static List<byte[]> bulkArgumentsOrNull(RedisMessage m) {
    try {
      if (!(m instanceof ArrayRedisMessage) || ((ArrayRedisMessage) m).isNull()) {
        return null;
      }
      List<byte[]> args = new ArrayList<>();
      for (RedisMessage child : ((ArrayRedisMessage) m).children()) {
        if (!(child instanceof FullBulkStringRedisMessage)
            || ((FullBulkStringRedisMessage) child).isNull()) {
          return null;
        }
        ByteBuf content = ((FullBulkStringRedisMessage) child).content();
        byte[] a = new byte[content.readableBytes()];
        content.getBytes(content.readerIndex(), a);
        args.add(a);
      }
      return args;
    } finally {
      ReferenceCountUtil.release(m);
    }
  }

  private static List<byte[]> bulkArguments(RedisMessage m) {
    String type = m.getClass().getSimpleName();
    List<byte[]> args = bulkArgumentsOrNull(m);
    if (args == null) {
      throw new AssertionError("reference message: " + type + " (expected: array of bulk strings)");
    }
    return args;
  }

  /**
   * An unpooled heap/direct allocator that remembers every buffer it hands out, so a test can
   * check that all of them were released ({@link #unreleased()}). Buffers are leak-aware as with
   * Netty's own allocators, so paranoid leak detection also sees them. Not thread-safe: for one
   * {@code EmbeddedChannel}.
   */
  static final class TrackingAllocator extends AbstractByteBufAllocator {
    private final List<ByteBuf> allocated = new ArrayList<>();

    TrackingAllocator() {
      super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
      return track(new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity));
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
      return track(new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity));
    }

    private ByteBuf track(ByteBuf buf) {
      ByteBuf leakAware = toLeakAwareBuffer(buf);
      allocated.add(leakAware);
      return leakAware;
    }

    @Override
    public boolean isDirectBufferPooled() {
      return false;
    }

    /** Returns how many buffers handed out still have a reference count above zero. */
    int unreleased() {
      int n = 0;
      for (ByteBuf b : allocated) {
        if (b.refCnt() > 0) {
          n++;
        }
      }
      return n;
    }
  }
}
