package io.sidecache.store;

/**
 * The result of a ranged read: the bytes of the resolved range and where it lies in the value.
 *
 * @param bytes the bytes of the range, possibly empty; shared, must not be modified
 * @param offset the offset of the first returned byte in the value, in bytes
 * @param totalLength the length of the whole value, in bytes
 * @param flags the entry's client flags
 */
public record ValueSlice(byte[] bytes, long offset, long totalLength, int flags) {

  /** Returns whether the range was empty (nothing of the value lies in it). */
  public boolean isEmpty() {
    return bytes.length == 0;
  }
}
