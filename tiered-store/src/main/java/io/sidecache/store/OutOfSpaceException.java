package io.sidecache.store;

/**
 * A write was refused because the store cannot make room for it: a value's chunks do not fit in
 * the disk tier even after evicting what can be evicted (or, without a disk tier, in the memory
 * reserved for chunks). Nothing of the write is kept. RESP answers {@code -OOM ...} as Redis does
 * above {@code maxmemory}; memcached {@code SERVER_ERROR out of memory storing object}.
 */
public final class OutOfSpaceException extends StoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what did not fit
   */
  public OutOfSpaceException(String message) {
    super(message);
  }
}
