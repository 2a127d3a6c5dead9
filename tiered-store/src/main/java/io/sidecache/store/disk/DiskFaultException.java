package io.sidecache.store.disk;

import io.sidecache.store.StoreException;

/**
 * The disk tier could not complete an operation whose outcome matters for correctness (removing
 * an older copy): the store operation fails rather than acknowledge a change that a restart could
 * undo.
 */
public final class DiskFaultException extends StoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed
   */
  public DiskFaultException(String message) {
    super(message);
  }
}
