package io.sidecache.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The RESP side of a command's path, each part alone, per command of a 16-deep pipeline of 100 B
 * {@code SET}s (the referee's pipeline-16 case): decoding the bytes into requests, finding the
 * command in the table, and writing the replies ({@code +OK}, a 100 B bulk string, an integer).
 * Times in nanoseconds per command; the store is measured by {@code MemoryStoreBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RespHotPathBench {
  private static final int PIPELINE = 16;

  private ByteBuf pipeline;
  private EmbeddedChannel decoder;
  private RespCommands commands;
  private byte[][] names;
  private RespReply reply;
  private byte[] value;

  @Setup(Level.Trial)
  public void setUp() {
    value = new byte[100];
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < PIPELINE; i++) {
      String key = "key:" + (1000 + i);
      sb.append("*3\r\n$3\r\nSET\r\n$").append(key.length()).append("\r\n").append(key)
          .append("\r\n$100\r\n").append("x".repeat(100)).append("\r\n");
    }
    pipeline = Unpooled.directBuffer().writeBytes(sb.toString().getBytes(StandardCharsets.US_ASCII));
    decoder = new EmbeddedChannel(new RespDecoder(new RespLimits(512L << 20, 1 << 20, 64 << 10)));
    commands = RespCommands.standard();
    names = new byte[][] {bytes("GET"), bytes("set"), bytes("INCR"), bytes("getrange"),
        bytes("MSET"), bytes("ping")};
    reply = new RespReply(PooledByteBufAllocator.DEFAULT);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    pipeline.release();
    decoder.finishAndReleaseAll();
    reply.discard();
  }

  /** The decoder on 16 pipelined SETs: bytes to {@code RespRequest}s. */
  @Benchmark
  @OperationsPerInvocation(PIPELINE)
  public void decode(Blackhole bh) {
    decoder.writeInbound(pipeline.retainedDuplicate());
    Object request;
    while ((request = decoder.readInbound()) != null) {
      bh.consume(request);
    }
  }

  /** The command table: a name as sent, any case, to its command. */
  @Benchmark
  @OperationsPerInvocation(6)
  public void lookup(Blackhole bh) {
    for (byte[] name : names) {
      bh.consume(commands.lookup(name));
    }
  }

  /**
   * The reply writer: 16 replies of each kind into a fresh writer's buffer, then the buffer
   * dropped instead of flushed (the connection's handler also starts a buffer per read batch).
   */
  @Benchmark
  @OperationsPerInvocation(3 * PIPELINE)
  public void writeReplies() {
    for (int i = 0; i < PIPELINE; i++) {
      reply.ok();
      reply.bulk(value);
      reply.integer(1_000_000L + i);
    }
    reply.discard();
    reply = new RespReply(PooledByteBufAllocator.DEFAULT);
  }
}
