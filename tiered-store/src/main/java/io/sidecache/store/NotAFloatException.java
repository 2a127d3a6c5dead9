package io.sidecache.store;

/** A value or increment is not a valid float (Redis 7 {@code INCRBYFLOAT}: "value is not a valid float"). */
public final class NotAFloatException extends StoreException {

  /** Creates the exception. */
  public NotAFloatException() {
    super("value is not a valid float");
  }
}
