package io.sidecache.store;

/** A signed 64-bit increment would overflow (Redis 7 {@code INCRBY}: "increment or decrement would overflow"). */
public final class IncrementOverflowException extends StoreException {

  /** Creates the exception. */
  public IncrementOverflowException() {
    super("increment or decrement would overflow");
  }
}
