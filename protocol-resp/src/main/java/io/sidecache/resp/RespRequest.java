package io.sidecache.resp;


/**
 * One decoded RESP request: the command name and its arguments as binary-safe byte arrays, or the
 * protocol error that ended the connection's input; or, for a {@code SET} whose value is longer
 * than the store's streaming threshold, the start or end of the value that streams in between
 * (see {@link Kind}), so the value never has to be whole in heap.
 *
 * <p>Immutable once published by {@link RespDecoder}; the arrays are shared with the command that
 * runs it and must not be modified.
 */
public final class RespRequest {
  /** What a message from the decoder is. */
  public enum Kind {
    /** A whole command, or a protocol error. */
    COMMAND,
    /**
     * The start of a {@code SET} whose value is streamed: {@link #args()} holds the name and the
     * key, {@link #length()} the value's length; its bytes follow as {@link
     * io.sidecache.protocol.StreamPart}s, then the end.
     */
    STREAM_START,
    /**
     * The end of a streamed {@code SET}: {@link #args()} holds every argument, with an empty
     * placeholder where the value was.
     */
    STREAM_END
  }

  private final Kind kind;
  private final byte[][] args;
  private final String protocolError;
  private final long length;

  private RespRequest(Kind kind, byte[][] args, String protocolError, long length) {
    this.kind = kind;
    this.args = args;
    this.protocolError = protocolError;
    this.length = length;
  }

  private RespRequest(byte[][] args, String protocolError) {
    this(Kind.COMMAND, args, protocolError, 0);
  }

  /**
   * Returns the start of a streamed {@code SET}.
   *
   * @param nameAndKey the command name and the key
   * @param length the value's length in bytes
   */
  static RespRequest streamStart(byte[][] nameAndKey, long length) {
    return new RespRequest(Kind.STREAM_START, nameAndKey, null, length);
  }

  /**
   * Returns the end of a streamed {@code SET}.
   *
   * @param args every argument, the value's place empty
   */
  static RespRequest streamEnd(byte[][] args) {
    return new RespRequest(Kind.STREAM_END, args, null, 0);
  }

  /** Returns what this message is. */
  public Kind kind() {
    return kind;
  }

  /** Returns the value's length of a {@link Kind#STREAM_START}. */
  public long length() {
    return length;
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
