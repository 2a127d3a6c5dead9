package io.sidecache.store;

/**
 * A floating-point increment would produce NaN or an infinity (Redis 7 {@code INCRBYFLOAT}:
 * "increment would produce NaN or Infinity").
 */
public final class NotFiniteException extends StoreException {

  /** Creates the exception. */
  public NotFiniteException() {
    super("increment would produce NaN or Infinity");
  }
}
