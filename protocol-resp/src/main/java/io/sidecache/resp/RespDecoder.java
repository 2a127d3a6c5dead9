package io.sidecache.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.sidecache.protocol.StreamPart;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes RESP2 requests, as Redis 7 reads them, into {@link RespRequest}s: arrays of bulk strings
 * ({@code *2\r\n$3\r\nGET\r\n$1\r\nk\r\n}) and inline commands ({@code GET k\r\n}).
 *
 * <p>An explicit state machine that keeps its progress across partial reads (an argument already
 * read is not parsed again) and works on the {@code ByteBuf} directly: one {@code byte[]} per
 * argument, no intermediate message objects. Every length is capped by {@link RespLimits}. On
 * malformed input it emits {@link RespRequest#protocolError} with Redis 7's text (from {@code
 * networking.c}) and discards all further input, because the server closes the connection.
 *
 * <p>The value of a {@code SET} longer than the stream threshold is not gathered: the decoder
 * emits {@link RespRequest.Kind#STREAM_START}, then the value's bytes as they arrive ({@link
 * StreamPart}s, slices of the input, no copy), then {@link
 * RespRequest.Kind#STREAM_END} with the remaining arguments, so a 400 MB value needs no 400 MB of
 * heap.
 *
 * <p>Not sharable: one instance per channel.
 */
public final class RespDecoder extends ByteToMessageDecoder {
  private static final byte[][] NO_ARGS = new byte[0][];
  private static final int INITIAL_ARGS = 16;

  private enum State {
    START, INLINE, ARRAY_HEADER, BULK_HEADER, BULK_DATA, STREAM_DATA, STREAM_END, DISCARD
  }

  private static final byte[] EMPTY = new byte[0];

  private final RespLimits limits;
  private State state = State.START;
  private byte[][] args = NO_ARGS;
  private int argCount;
  private int argIndex;
  private int bulkLength;
  private final long streamAbove;
  private boolean streaming;
  private long streamRemaining;

  /**
   * Creates a decoder that gathers every argument.
   *
   * @param limits the input limits, must not be {@code null}
   */
  public RespDecoder(RespLimits limits) {
    this(limits, Long.MAX_VALUE);
  }

  /**
   * Creates a decoder that streams the value of a {@code SET} longer than {@code streamAbove}.
   *
   * @param limits the input limits, must not be {@code null}
   * @param streamAbove the value length in bytes above which a {@code SET}'s value is streamed
   */
  public RespDecoder(RespLimits limits, long streamAbove) {
    this.limits = limits;
    this.streamAbove = streamAbove;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    for (;;) {
      switch (state) {
        case START:
          if (!in.isReadable()) {
            return;
          }
          state = in.getByte(in.readerIndex()) == '*' ? State.ARRAY_HEADER : State.INLINE;
          break;
        case INLINE:
          if (!decodeInline(in, out)) {
            return;
          }
          break;
        case ARRAY_HEADER:
          if (!decodeArrayHeader(in, out)) {
            return;
          }
          break;
        case BULK_HEADER:
          if (!decodeBulkHeader(in, out)) {
            return;
          }
          break;
        case BULK_DATA:
          if (!decodeBulkData(in, out)) {
            return;
          }
          break;
        case STREAM_DATA:
          if (!decodeStreamData(in, out)) {
            return;
          }
          break;
        case STREAM_END:
          if (!decodeStreamEnd(in, out)) {
            return;
          }
          break;
        case DISCARD:
          in.skipBytes(in.readableBytes());
          return;
        default:
          throw new IllegalStateException("state: " + state);
      }
    }
  }

  private boolean decodeInline(ByteBuf in, List<Object> out) {
    int start = in.readerIndex();
    int newline = in.indexOf(start, in.writerIndex(), (byte) '\n');
    if (newline < 0) {
      if (in.readableBytes() > limits.maxInlineLength()) {
        return fail(in, out, "too big inline request");
      }
      return false;
    }
    if (newline - start > limits.maxInlineLength()) {
      return fail(in, out, "too big inline request");
    }
    int end = newline > start && in.getByte(newline - 1) == '\r' ? newline - 1 : newline;
    byte[] line = new byte[end - start];
    in.getBytes(start, line);
    in.readerIndex(newline + 1);
    byte[][] parsed = InlineSplitter.split(line);
    if (parsed == null) {
      return fail(in, out, "unbalanced quotes in request");
    }
    state = State.START;
    if (parsed.length > 0) {
      out.add(RespRequest.of(parsed));
    }
    return true;
  }

  private boolean decodeArrayHeader(ByteBuf in, List<Object> out) {
    int cr = headerEnd(in);
    if (cr < 0) {
      return cr == -1 ? false : fail(in, out, "too big mbulk count string");
    }
    long count = parseHeaderNumber(in, in.readerIndex() + 1, cr);
    in.readerIndex(cr + 2);
    if (count == Long.MIN_VALUE || count > limits.maxArrayLength()) {
      return fail(in, out, "invalid multibulk length");
    }
    if (count <= 0) {
      state = State.START;
      return true;
    }
    argCount = (int) count;
    argIndex = 0;
    args = new byte[Math.min(argCount, INITIAL_ARGS)][];
    state = State.BULK_HEADER;
    return true;
  }

  private boolean decodeBulkHeader(ByteBuf in, List<Object> out) {
    if (!in.isReadable()) {
      return false;
    }
    byte type = in.getByte(in.readerIndex());
    if (type != '$') {
      return fail(in, out, "expected '$', got '" + (char) (type & 0xff) + "'");
    }
    int cr = headerEnd(in);
    if (cr < 0) {
      return cr == -1 ? false : fail(in, out, "too big bulk count string");
    }
    long length = parseHeaderNumber(in, in.readerIndex() + 1, cr);
    in.readerIndex(cr + 2);
    if (length < 0 || length > limits.maxBulkLength()) {
      return fail(in, out, "invalid bulk length");
    }
    if (argIndex == 2 && length > streamAbove && isSet(args[0])) {
      out.add(RespRequest.streamStart(new byte[][] {args[0], args[1]}, length));
      streaming = true;
      streamRemaining = length;
      state = State.STREAM_DATA;
      return true;
    }
    if (length > Integer.MAX_VALUE - 8) {
      return fail(in, out, "invalid bulk length"); // only a streamed value may exceed an array
    }
    bulkLength = (int) length;
    state = State.BULK_DATA;
    return true;
  }

  private static boolean isSet(byte[] name) {
    return name.length == 3 && (name[0] | 0x20) == 's' && (name[1] | 0x20) == 'e'
        && (name[2] | 0x20) == 't';
  }

  /** Hands on what has arrived of a streamed value, as slices of the input. */
  private boolean decodeStreamData(ByteBuf in, List<Object> out) {
    if (streamRemaining == 0) {
      state = State.STREAM_END;
      return true;
    }
    int n = (int) Math.min(in.readableBytes(), streamRemaining);
    if (n == 0) {
      return false;
    }
    out.add(new StreamPart(in.readRetainedSlice(n)));
    streamRemaining -= n;
    return true;
  }

  /** After a streamed value: its two trailing bytes, then the arguments after it. */
  private boolean decodeStreamEnd(ByteBuf in, List<Object> out) {
    if (in.readableBytes() < 2) {
      return false;
    }
    in.skipBytes(2);
    args[argIndex++] = EMPTY;
    if (argIndex < argCount) {
      state = State.BULK_HEADER;
      return true;
    }
    return complete(out);
  }

  /** Emits the array read: a command, or the end of a streamed one. */
  private boolean complete(List<Object> out) {
    out.add(streaming ? RespRequest.streamEnd(args) : RespRequest.of(args));
    streaming = false;
    args = NO_ARGS;
    state = State.START;
    return true;
  }

  private boolean decodeBulkData(ByteBuf in, List<Object> out) {
    // Redis skips the two bytes after the data without checking that they are CRLF.
    if (in.readableBytes() < bulkLength + 2) {
      return false;
    }
    byte[] arg = new byte[bulkLength];
    in.readBytes(arg);
    in.skipBytes(2);
    if (argIndex == args.length) {
      args = Arrays.copyOf(args, (int) Math.min(argCount, 2L * args.length));
    }
    args[argIndex++] = arg;
    if (argIndex < argCount) {
      state = State.BULK_HEADER;
      return true;
    }
    return complete(out);
  }

  /**
   * Finds the {@code \r} that ends a {@code *} or {@code $} header and checks that the byte after
   * it has arrived, as Redis does. Only the first {@code maxInlineLength + 1} bytes are searched,
   * so the outcome does not depend on how the input was split into reads: a {@code \r} among them
   * waits for one more byte; none among them is "too big" once they have all arrived.
   *
   * @return the index of {@code \r}; -1 when more input is needed; -2 when the header is too long
   */
  private int headerEnd(ByteBuf in) {
    int start = in.readerIndex();
    int limit = Math.min(in.writerIndex(), start + limits.maxInlineLength() + 1);
    int cr = in.indexOf(start, limit, (byte) '\r');
    if (cr < 0) {
      return in.readableBytes() > limits.maxInlineLength() ? -2 : -1;
    }
    return cr + 1 < in.writerIndex() ? cr : -1;
  }

  /**
   * Parses a decimal with Redis 7 {@code string2ll} rules (no sign but '-', no leading zeros).
   *
   * @return the number, or {@link Long#MIN_VALUE} when malformed
   */
  static long parseHeaderNumber(ByteBuf in, int from, int to) {
    int n = to - from;
    if (n <= 0 || n > 20) {
      return Long.MIN_VALUE;
    }
    byte first = in.getByte(from);
    if (n == 1 && first == '0') {
      return 0;
    }
    boolean negative = first == '-';
    int i = negative ? from + 1 : from;
    if (i == to) {
      return Long.MIN_VALUE;
    }
    byte lead = in.getByte(i);
    if (lead < '1' || lead > '9') {
      return Long.MIN_VALUE;
    }
    long v = 0;
    for (; i < to; i++) {
      int d = in.getByte(i) - '0';
      if (d < 0 || d > 9 || v > (Long.MAX_VALUE - d) / 10) {
        return Long.MIN_VALUE;
      }
      v = v * 10 + d;
    }
    return negative ? -v : v;
  }

  private boolean fail(ByteBuf in, List<Object> out, String message) {
    out.add(RespRequest.protocolError(message));
    args = NO_ARGS;
    state = State.DISCARD;
    in.skipBytes(in.readableBytes());
    return false;
  }
}
