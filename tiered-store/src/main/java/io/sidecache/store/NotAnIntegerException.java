package io.sidecache.store;

/**
 * The stored value is not a number that the counter operation accepts (Redis: "value is not an
 * integer or out of range"; memcached: "cannot increment or decrement non-numeric value").
 */
public final class NotAnIntegerException extends StoreException {

  /** Creates the exception. */
  public NotAnIntegerException() {
    super("value is not an integer or out of range");
  }
}
