package io.sidecache.resp;

import static io.sidecache.resp.RespFrames.bytes;
import static io.sidecache.resp.RespFrames.feed;
import static io.sidecache.resp.RespFrames.multibulk;
import static io.sidecache.resp.RespFrames.reference;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.sidecache.protocol.StreamPart;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sidecache.resp.RespFrames.TrackingAllocator;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RespDecoderTest {

  /** Feeds {@code input} in the given pieces and returns the decoded requests. */
  private static List<RespRequest> decode(RespLimits limits, byte[] input, int... cuts) {
    TrackingAllocator alloc = new TrackingAllocator();
    EmbeddedChannel ch = new EmbeddedChannel(new RespDecoder(limits));
    ch.config().setAllocator(alloc);
    List<RespRequest> out = new ArrayList<>();
    for (Object m : feed(ch, input, cuts)) {
      out.add((RespRequest) m);
    }
    assertFalse(ch.finish());
    assertEquals(0, alloc.unreleased(), "unreleased buffers");
    return out;
  }

  private static List<RespRequest> decode(byte[] input, int... cuts) {
    return decode(RespLimits.DEFAULT, input, cuts);
  }

  private static void assertSame(List<List<byte[]>> expected, List<RespRequest> actual) {
    assertEquals(expected.size(), actual.size(), "request count");
    for (int i = 0; i < expected.size(); i++) {
      byte[][] args = actual.get(i).args();
      assertEquals(expected.get(i).size(), args.length, "argument count of request " + i);
      for (int j = 0; j < args.length; j++) {
        assertArrayEquals(expected.get(i).get(j), args[j], "argument " + j + " of request " + i);
      }
    }
  }

  @Test
  void decode_everySplitMatchesReference() {
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    in.writeBytes(multibulk(bytes("SET"), bytes("key"), bytes("va\r\nlue")));
    in.writeBytes(multibulk(bytes("GET"), bytes("")));
    in.writeBytes(multibulk(bytes("ECHO"), new byte[] {0, (byte) 0xff, '\n', '*', '$'}));
    in.writeBytes(multibulk(bytes("PING")));
    byte[] input = in.toByteArray();
    for (int cut = 0; cut <= input.length; cut++) {
      assertSame(reference(input, cut), decode(input, cut));
    }
  }

  @Test
  void decode_oneByteFragments() {
    byte[] input = multibulk(bytes("SET"), bytes("k"), bytes("hello world"));
    int[] cuts = new int[input.length - 1];
    for (int i = 0; i < cuts.length; i++) {
      cuts[i] = i + 1;
    }
    List<RespRequest> out = decode(input, cuts);
    assertEquals(1, out.size());
    assertArrayEquals(bytes("hello world"), out.get(0).args()[2]);
  }

  @Test
  void decode_randomCommandsMatchReference() {
    Random random = new Random(42);
    for (int round = 0; round < 300; round++) {
      ByteArrayOutputStream in = new ByteArrayOutputStream();
      int commands = 1 + random.nextInt(4);
      for (int c = 0; c < commands; c++) {
        byte[][] args = new byte[1 + random.nextInt(5)][];
        for (int a = 0; a < args.length; a++) {
          args[a] = new byte[random.nextInt(random.nextBoolean() ? 8 : 300)];
          random.nextBytes(args[a]);
        }
        in.writeBytes(multibulk(args));
      }
      byte[] input = in.toByteArray();
      int cut = random.nextInt(input.length + 1);
      assertSame(reference(input, cut), decode(input, cut));
    }
  }

  @Test
  void decode_emptyAndNegativeArraysAreSkipped() {
    List<RespRequest> out = decode(bytes("*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n"));
    assertEquals(1, out.size());
    assertArrayEquals(bytes("PING"), out.get(0).args()[0]);
  }

  @Test
  void decode_inline() {
    List<RespRequest> out = decode(bytes("\r\n  set k  \"a b\\x41\\n\" 'c\\'d'\r\nPING\n"), 7, 20);
    assertEquals(2, out.size());
    byte[][] args = out.get(0).args();
    assertEquals(4, args.length);
    assertArrayEquals(bytes("a bA\n"), args[2]);
    assertArrayEquals(bytes("c'd"), args[3]);
    assertArrayEquals(bytes("PING"), out.get(1).args()[0]);
  }

  @Test
  void decode_inlineUnbalancedQuotes() {
    assertEquals("unbalanced quotes in request", decode(bytes("set \"a\"b c\r\n")).get(0).protocolError());
    assertEquals("unbalanced quotes in request", decode(bytes("set \"abc\r\n")).get(0).protocolError());
  }

  @Test
  void decode_invalidMultibulkLength() {
    List<RespRequest> out = decode(bytes("*abc\r\n*1\r\n$4\r\nPING\r\n"));
    assertEquals(1, out.size(), "input after a protocol error is discarded");
    assertEquals("invalid multibulk length", out.get(0).protocolError());
    assertNull(out.get(0).args());
    assertEquals("invalid multibulk length", decode(bytes("*01\r\n")).get(0).protocolError());
    assertEquals("invalid multibulk length",
        decode(bytes("*" + (RespLimits.DEFAULT.maxArrayLength() + 1) + "\r\n")).get(0).protocolError());
  }

  @Test
  void decode_invalidBulk() {
    assertEquals("expected '$', got 'x'", decode(bytes("*1\r\nx")).get(0).protocolError());
    assertEquals("invalid bulk length", decode(bytes("*1\r\n$-5\r\n")).get(0).protocolError());
    RespLimits small = new RespLimits(10, 100, 64);
    assertEquals("invalid bulk length", decode(small, bytes("*1\r\n$11\r\n")).get(0).protocolError());
    assertEquals(1, decode(small, multibulk(bytes("0123456789"))).size());
  }

  @Test
  void decode_oversizedLines() {
    RespLimits small = new RespLimits(1000, 100, 64);
    byte[] longInline = new byte[100];
    java.util.Arrays.fill(longInline, (byte) 'a');
    assertEquals("too big inline request", decode(small, longInline).get(0).protocolError());
    byte[] longCount = bytes("*" + "1".repeat(70));
    assertEquals("too big mbulk count string", decode(small, longCount).get(0).protocolError());
    byte[] longBulk = bytes("*1\r\n$" + "1".repeat(70));
    assertEquals("too big bulk count string", decode(small, longBulk).get(0).protocolError());
  }

  @Test
  void decode_headerOfMaxLength_sameErrorWhateverTheSplit() {
    // Found by RespDecoderFuzzTest: a '\r' ending a header of the longest allowed length used to
    // be "too big mbulk count string" when its '\n' came in the next read.
    RespLimits small = new RespLimits(269, 7, 21);
    byte[] input = bytes("*" + "9".repeat(20) + "\r\n");
    for (int cut = 0; cut <= input.length; cut++) {
      List<RespRequest> out = decode(small, input, cut);
      assertEquals(1, out.size(), "cut " + cut);
      assertEquals("invalid multibulk length", out.get(0).protocolError(), "cut " + cut);
    }
    byte[] bulk = bytes("*1\r\n$" + "9".repeat(20) + "\r\n");
    for (int cut = 0; cut <= bulk.length; cut++) {
      assertEquals("invalid bulk length", decode(small, bulk, cut).get(0).protocolError(), "cut " + cut);
    }
  }

  @Test
  void decode_halfFrameWaits() {
    EmbeddedChannel ch = new EmbeddedChannel(new RespDecoder(RespLimits.DEFAULT));
    ch.writeInbound(Unpooled.wrappedBuffer(bytes("*2\r\n$3\r\nGET\r\n$10\r\nabc")));
    assertNull(ch.readInbound());
    assertFalse(ch.finish());
  }

  @Test
  void set_valueAboveTheThresholdStreamsAsSlicesAtEverySplit() {
    byte[] value = new byte[100];
    new Random(7).nextBytes(value);
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    in.writeBytes(
        multibulk(bytes("set"), bytes("k"), value, bytes("NX"), bytes("EX"), bytes("9")));
    in.writeBytes(multibulk(bytes("SET"), bytes("small"), bytes("v")));
    in.writeBytes(multibulk(bytes("GET"), value));
    byte[] input = in.toByteArray();
    for (int cut = 0; cut <= input.length; cut++) {
      TrackingAllocator alloc = new TrackingAllocator();
      EmbeddedChannel ch = new EmbeddedChannel(new RespDecoder(RespLimits.DEFAULT, 10));
      ch.config().setAllocator(alloc);
      List<Object> out = feed(ch, input, cut);
      ByteArrayOutputStream streamed = new ByteArrayOutputStream();
      RespRequest first = (RespRequest) out.get(0);
      assertEquals(RespRequest.Kind.STREAM_START, first.kind());
      assertEquals(100, first.length());
      assertArrayEquals(bytes("k"), first.args()[1]);
      int i = 1;
      for (; out.get(i) instanceof StreamPart part; i++) {
        streamed.writeBytes(ByteBufUtil.getBytes(part.content()));
        part.release();
      }
      assertArrayEquals(value, streamed.toByteArray(), "cut at " + cut);
      RespRequest end = (RespRequest) out.get(i);
      assertEquals(RespRequest.Kind.STREAM_END, end.kind());
      assertEquals(6, end.args().length);
      assertArrayEquals(bytes("9"), end.args()[5]);
      assertEquals(RespRequest.Kind.COMMAND, ((RespRequest) out.get(i + 1)).kind(), "small SET");
      assertArrayEquals(value, ((RespRequest) out.get(i + 2)).args()[1], "not SET: gathered");
      assertEquals(i + 3, out.size());
      assertFalse(ch.finish());
      assertEquals(0, alloc.unreleased(), "unreleased buffers");
    }
  }
}
