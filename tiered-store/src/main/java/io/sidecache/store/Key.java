package io.sidecache.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A binary-safe cache key: an immutable wrapper around {@code byte[]} with a cached hash.
 *
 * <p>Keys compare by content. They are {@link Comparable} (unsigned lexicographic order) so
 * that hash maps which fall back to trees on collisions stay logarithmic under hash flooding.
 *
 * <p>Instances are immutable and thread-safe provided the caller does not modify the array
 * passed to {@link #of(byte[])} afterwards (the array is not copied).
 */
public final class Key implements Comparable<Key> {
  private final byte[] bytes;
  private final int hash;

  private Key(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  /**
   * Wraps the given bytes without copying them.
   *
   * @param bytes the key bytes, must not be {@code null}; ownership passes to the key
   * @return the key
   */
  public static Key of(byte[] bytes) {
    if (bytes == null) {
      throw new NullPointerException("bytes");
    }
    return new Key(bytes);
  }

  /**
   * Returns the key for the UTF-8 encoding of {@code s}.
   *
   * @param s the key text, must not be {@code null}
   * @return the key
   */
  public static Key of(String s) {
    return new Key(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Returns the key bytes; the array is shared and must not be modified. */
  public byte[] bytes() {
    return bytes;
  }

  /** Returns the key length in bytes. */
  public int length() {
    return bytes.length;
  }

  @Override
  public boolean equals(Object o) {
    return o == this
        || (o instanceof Key other && other.hash == hash && Arrays.equals(other.bytes, bytes));
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public int compareTo(Key o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  /** Returns the key decoded as UTF-8, for logs and tests only. */
  @Override
  public String toString() {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
