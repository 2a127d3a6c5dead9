package io.sidecache.resp;

/**
 * One decoded RESP request: the command name and its arguments as binary-safe byte arrays, or the
 * protocol error that ended the connection's input.
 *
 * <p>Immutable once published by {@link RespDecoder}; the arrays are shared with the command that
 * runs it and must not be modified.
 */
public final class RespRequest {
  private final byte[][] args;
  private final String protocolError;

  private RespRequest(byte[][] args, String protocolError) {
    this.args = args;
    this.protocolError = protocolError;
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
