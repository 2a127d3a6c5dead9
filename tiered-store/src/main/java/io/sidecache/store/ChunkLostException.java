package io.sidecache.store;

/**
 * A chunk of a chunked value could not be read part-way through the value (evicted from memory
 * without a disk copy, or failed verification on disk): the value cannot be finished, so a
 * protocol that already sent part of it closes the connection rather than send a torn value
 * (invariant 3). The value itself is removed: every later read is a miss.
 */
public final class ChunkLostException extends StoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which chunk of which value
   */
  public ChunkLostException(String message) {
    super(message);
  }
}
