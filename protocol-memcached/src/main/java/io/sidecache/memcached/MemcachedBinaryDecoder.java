package io.sidecache.memcached;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Decodes the memcached binary protocol ({@code doc/protocol-binary.xml}) into {@link
 * BinaryRequest}s: one per request packet, or one per protocol error, in arrival order.
 *
 * <p>A request is a 24-byte header (magic 0x80, opcode, key length, extras length, data type,
 * vbucket, total body length, opaque, CAS; big-endian) followed by the body: extras, key, value.
 * The checks are those of memcached 1.6 ({@code proto_bin.c}, {@code try_read_command_binary} and
 * {@code dispatch_bin_command}):
 *
 * <ul>
 *   <li>a magic byte other than 0x80 closes the connection without an answer
 *       ({@link BinaryRequest.Error#BAD_MAGIC}); every later byte is discarded;
 *   <li>extras plus key longer than the body: "Unknown command", then close;
 *   <li>a key longer than {@value #MAX_KEY_LENGTH} bytes, or lengths the opcode does not accept
 *       ({@link BinaryOpcode.Shape}): "Invalid arguments", then close;
 *   <li>an opcode not served: "Unknown command"; the body is skipped and the connection goes on
 *       (memcached skips the body length again after the extras and key it has already read, a
 *       slip that desynchronises it; here exactly the body is skipped);
 *   <li>a value longer than the maximum item size: "Too large."; the value is skipped so the
 *       connection stays in sync, and the request keeps its key (a refused Set removes the item).
 * </ul>
 *
 * <p>The value is copied into its {@code byte[]} as it arrives, so the cumulation buffer never
 * holds more than a read's worth of it. The data type and vbucket fields are ignored, as memcached
 * ignores them. Not sharable: one instance per channel, used from its event loop only.
 */
public final class MemcachedBinaryDecoder extends ByteToMessageDecoder {
  /** The request magic byte. */
  public static final int REQUEST_MAGIC = 0x80;

  /** The header length in bytes. */
  public static final int HEADER_LENGTH = 24;

  /** The longest key in bytes (memcached {@code KEY_MAX_LENGTH}). */
  public static final int MAX_KEY_LENGTH = MemcachedTextDecoder.MAX_KEY_LENGTH;

  private enum State {
    HEADER,
    EXTRAS_AND_KEY,
    VALUE,
    SWALLOW,
    DISCARD
  }

  private final int maxItemSize;

  private State state = State.HEADER;
  private int rawOpcode;
  private BinaryOpcode opcode;
  private int extrasLength;
  private int keyLength;
  private long valueLength;
  private int opaque;
  private long cas;

  private int flags;
  private int expiration;
  private long delta;
  private long initial;
  private byte[] key;
  private byte[] value;
  private int valueRead;
  private long swallowRemaining;

  /**
   * Creates a decoder.
   *
   * @param maxItemSizeBytes the largest value a request may carry, in bytes (memcached {@code -I})
   * @throws IllegalArgumentException if {@code maxItemSizeBytes} is negative
   */
  public MemcachedBinaryDecoder(int maxItemSizeBytes) {
    if (maxItemSizeBytes < 0) {
      throw new IllegalArgumentException(
          "maxItemSizeBytes: " + maxItemSizeBytes + " (expected: >= 0)");
    }
    this.maxItemSize = maxItemSizeBytes;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    switch (state) {
      case HEADER:
        readHeader(in, out);
        break;
      case EXTRAS_AND_KEY:
        readExtrasAndKey(in, out);
        break;
      case VALUE:
        readValue(in, out);
        break;
      case SWALLOW:
        swallow(in);
        break;
      case DISCARD:
        in.skipBytes(in.readableBytes());
        break;
      default:
        throw new IllegalStateException("state: " + state);
    }
  }

  private void readHeader(ByteBuf in, List<Object> out) {
    if (in.readableBytes() < HEADER_LENGTH) {
      return;
    }
    int i = in.readerIndex();
    int magic = in.getUnsignedByte(i);
    rawOpcode = in.getUnsignedByte(i + 1);
    keyLength = in.getUnsignedShort(i + 2);
    extrasLength = in.getUnsignedByte(i + 4);
    long bodyLength = in.getUnsignedInt(i + 8);
    opaque = in.getInt(i + 12);
    cas = in.getLong(i + 16);
    in.skipBytes(HEADER_LENGTH);
    opcode = BinaryOpcode.find(rawOpcode);
    if (magic != REQUEST_MAGIC) {
      fail(in, out, BinaryRequest.Error.BAD_MAGIC);
      return;
    }
    if (keyLength + extrasLength > bodyLength) {
      fail(in, out, BinaryRequest.Error.BODY_TOO_SHORT);
      return;
    }
    if (keyLength > MAX_KEY_LENGTH) {
      fail(in, out, BinaryRequest.Error.KEY_TOO_LONG);
      return;
    }
    valueLength = bodyLength - keyLength - extrasLength;
    if (opcode == null) {
      out.add(error(BinaryRequest.Error.UNKNOWN_OPCODE, BinaryRequest.NO_KEY));
      skip(in, bodyLength);
      return;
    }
    if (!opcode.shape().accepts(extrasLength, keyLength, valueLength)) {
      fail(in, out, BinaryRequest.Error.BAD_SHAPE);
      return;
    }
    state = State.EXTRAS_AND_KEY;
    readExtrasAndKey(in, out);
  }

  private void readExtrasAndKey(ByteBuf in, List<Object> out) {
    if (in.readableBytes() < extrasLength + keyLength) {
      return;
    }
    int i = in.readerIndex();
    flags = 0;
    expiration = 0;
    delta = 0;
    initial = 0;
    switch (opcode.shape()) {
      case STORAGE:
        flags = in.getInt(i);
        expiration = in.getInt(i + 4);
        break;
      case ARITHMETIC:
        delta = in.getLong(i);
        initial = in.getLong(i + 8);
        expiration = in.getInt(i + 16);
        break;
      case TOUCH:
      case FLUSH:
        expiration = extrasLength == 4 ? in.getInt(i) : 0;
        break;
      default:
        break;
    }
    in.skipBytes(extrasLength);
    key = keyLength == 0 ? BinaryRequest.NO_KEY : new byte[keyLength];
    in.readBytes(key);
    if (!opcode.shape().carriesValue()) {
      emit(out, null);
      return;
    }
    if (valueLength > maxItemSize) {
      out.add(error(BinaryRequest.Error.TOO_LARGE, key));
      key = null;
      skip(in, valueLength);
      return;
    }
    value = new byte[(int) valueLength];
    valueRead = 0;
    state = State.VALUE;
    readValue(in, out);
  }

  private void readValue(ByteBuf in, List<Object> out) {
    int n = Math.min(in.readableBytes(), value.length - valueRead);
    in.readBytes(value, valueRead, n);
    valueRead += n;
    if (valueRead == value.length) {
      byte[] v = value;
      value = null;
      emit(out, v);
    }
  }

  private void emit(List<Object> out, byte[] v) {
    out.add(
        new BinaryRequest(
            rawOpcode, opcode, null, opaque, cas, flags, expiration, delta, initial,
            extrasLength > 0, key, v));
    key = null;
    state = State.HEADER;
  }

  private BinaryRequest error(BinaryRequest.Error error, byte[] requestKey) {
    return BinaryRequest.error(rawOpcode, opaque, error, requestKey);
  }

  /** Emits an error that closes the connection, and drops everything after it. */
  private void fail(ByteBuf in, List<Object> out, BinaryRequest.Error error) {
    out.add(error(error, BinaryRequest.NO_KEY));
    state = State.DISCARD;
    in.skipBytes(in.readableBytes());
  }

  /** Skips the {@code bytes} of a refused body, some now and the rest as they arrive. */
  private void skip(ByteBuf in, long bytes) {
    swallowRemaining = bytes;
    state = State.SWALLOW;
    swallow(in);
  }

  private void swallow(ByteBuf in) {
    int n = (int) Math.min(in.readableBytes(), swallowRemaining);
    in.skipBytes(n);
    swallowRemaining -= n;
    if (swallowRemaining == 0) {
      state = State.HEADER;
    }
  }
}
