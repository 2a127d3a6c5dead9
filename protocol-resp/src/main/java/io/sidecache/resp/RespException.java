package io.sidecache.resp;

/**
 * A command failure answered as a RESP error, carrying the exact Redis 7 text including its
 * prefix (for example {@code "ERR syntax error"}, {@code "NOPROTO unsupported protocol version"}).
 * Thrown by command bodies; turned into {@code -<message>\r\n} in one place, the server handler.
 */
public final class RespException extends RuntimeException {

  /** Redis 7 {@code ERR syntax error}. */
  public static final RespException SYNTAX = new RespException("ERR syntax error");

  /** Redis 7 {@code ERR value is not an integer or out of range}. */
  public static final RespException NOT_INTEGER =
      new RespException("ERR value is not an integer or out of range");

  /**
   * Redis Cluster's answer to a multi-key command whose keys live on different nodes (cluster.c,
   * {@code getNodeByQuery}).
   */
  public static final RespException CROSSSLOT =
      new RespException("CROSSSLOT Keys in request don't hash to the same slot");

  /**
   * Creates an error reply.
   *
   * @param message the whole error line without the leading {@code -} and trailing CRLF; must not
   *     contain CR or LF
   */
  public RespException(String message) {
    super(message, null, false, false);
  }
}
