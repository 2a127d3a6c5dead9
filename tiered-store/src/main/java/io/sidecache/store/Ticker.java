package io.sidecache.store;

/**
 * The wall-clock time source of a store; every expiry decision reads it.
 *
 * <p>Expiry in Sidecache is absolute (memcached and Redis both accept Unix times), so the ticker
 * reads wall-clock milliseconds rather than a monotonic clock. Tests inject a fake ticker so
 * that expiry is checked without sleeping. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface Ticker {

  /** Returns the current time in milliseconds since the Unix epoch. */
  long millis();

  /** Returns the ticker backed by {@link System#currentTimeMillis()}. */
  static Ticker system() {
    return System::currentTimeMillis;
  }
}
