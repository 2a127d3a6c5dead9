package io.sidecache.store;

/**
 * Base of the typed failures a {@link CacheStore} completes its stages with. Protocol modules
 * map each subtype to their own wire error in one place.
 */
public class StoreException extends RuntimeException {

  /**
   * Creates an exception.
   *
   * @param message the detail message
   */
  public StoreException(String message) {
    super(message, null, false, false);
  }
}
