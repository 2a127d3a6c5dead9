package io.sidecache.resp;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * One decoded RESP request: the command name and its arguments as binary-safe byte arrays, or the
 * protocol error that ended the connection's input; or, for a {@code SET} whose value is longer
 * than the store's streaming threshold, one of the messages that stream it (see {@link Kind}), so
 * the value never has to be whole in heap. Reference-counted through a part's bytes (other kinds
 * hold nothing to release).
 *
 * <p>Immutable once published by {@link RespDecoder}; the arrays are shared with the command that
 * runs it and must not be modified.
 */
public final class RespRequest implements ReferenceCounted {
  /** What a message from the decoder is. */
  public enum Kind {
    /** A whole command, or a protocol error. */
    COMMAND,
    /**
     * The start of a {@code SET} whose value is streamed: {@link #args()} holds the name and the
     * key, {@link #length()} the value's length; parts and the end follow.
     */
    STREAM_START,
    /** Bytes of the streamed value, in {@link #part()}; released with the message. */
    PART,
    /**
     * The end of a streamed {@code SET}: {@link #args()} holds every argument, with an empty
     * placeholder where the value was.
     */
    STREAM_END
  }

  private final Kind kind;
  private final byte[][] args;
  private final String protocolError;
  private final ByteBuf part;
  private final long length;

  private RespRequest(Kind kind, byte[][] args, String protocolError, ByteBuf part, long length) {
    this.kind = kind;
    this.args = args;
    this.protocolError = protocolError;
    this.part = part;
    this.length = length;
  }

  private RespRequest(byte[][] args, String protocolError) {
    this(Kind.COMMAND, args, protocolError, null, 0);
  }

  /**
   * Returns the start of a streamed {@code SET}.
   *
   * @param nameAndKey the command name and the key
   * @param length the value's length in bytes
   */
  static RespRequest streamStart(byte[][] nameAndKey, long length) {
    return new RespRequest(Kind.STREAM_START, nameAndKey, null, null, length);
  }

  /**
   * Returns bytes of a streamed value.
   *
   * @param part the bytes; the message owns the reference
   */
  static RespRequest part(ByteBuf part) {
    return new RespRequest(Kind.PART, null, null, part, part.readableBytes());
  }

  /**
   * Returns the end of a streamed {@code SET}.
   *
   * @param args every argument, the value's place empty
   */
  static RespRequest streamEnd(byte[][] args) {
    return new RespRequest(Kind.STREAM_END, args, null, null, 0);
  }

  /** Returns what this message is. */
  public Kind kind() {
    return kind;
  }

  /** Returns the bytes of a {@link Kind#PART}, else {@code null}. */
  public ByteBuf part() {
    return part;
  }

  /** Returns the value's length of a {@link Kind#STREAM_START}, the bytes of a part. */
  public long length() {
    return length;
  }

  @Override
  public int refCnt() {
    return part == null ? 1 : part.refCnt();
  }

  @Override
  public RespRequest retain() {
    if (part != null) {
      part.retain();
    }
    return this;
  }

  @Override
  public RespRequest retain(int increment) {
    if (part != null) {
      part.retain(increment);
    }
    return this;
  }

  @Override
  public RespRequest touch() {
    return this;
  }

  @Override
  public RespRequest touch(Object hint) {
    if (part != null) {
      part.touch(hint);
    }
    return this;
  }

  @Override
  public boolean release() {
    return part != null && part.release();
  }

  @Override
  public boolean release(int decrement) {
    return part != null && part.release(decrement);
  }

  /**
   * Returns a request.
   *
   * @param args the command name followed by its arguments, at least one element
   */
  public static RespRequest of(byte[]... args) {
    if (args.length == 0) {
      throw new IllegalArgumentException("args: empty (expected: at least the command name)");
    }
    return new RespRequest(args, null);
  }

  /**
   * Returns the marker of malformed input; the server answers it with {@code -ERR Protocol
   * error: <message>} and closes the connection, as Redis 7 does.
   *
   * @param message the text after "Protocol error: "
   */
  public static RespRequest protocolError(String message) {
    return new RespRequest(null, message);
  }

  /** Returns the command name followed by its arguments, or {@code null} for a protocol error. */
  public byte[][] args() {
    return args;
  }

  /** Returns the protocol error text, or {@code null} for a well-formed request. */
  public String protocolError() {
    return protocolError;
  }
}
