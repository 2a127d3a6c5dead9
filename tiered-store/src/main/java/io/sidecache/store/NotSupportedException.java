package io.sidecache.store;

/**
 * An operation the store does not run on this value, with a reason a client can read (e.g. the
 * fields of one {@code BITFIELD} on a chunked value lying too far apart). Protocols answer it as
 * an error with that message (RESP: {@code ERR <message>}).
 */
public final class NotSupportedException extends StoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message why, for the client
   */
  public NotSupportedException(String message) {
    super(message);
  }
}
