package io.sidecache.store;

/**
 * One stored value with its metadata: the value bytes, 32-bit client flags (memcached), a
 * CAS version unique per write, and an absolute expiry time.
 *
 * <p>Immutable and thread-safe; the value array is shared and must not be modified.
 */
public final class Entry {
  /** The {@link #expiresAt()} of an entry that never expires. */
  public static final long NO_EXPIRY = 0L;

  private final byte[] value;
  private final int flags;
  private final long cas;
  private final long expiresAt;

  /**
   * Creates an entry.
   *
   * @param value the value bytes, must not be {@code null}; not copied
   * @param flags the client flags, an opaque 32-bit value
   * @param cas the CAS version, positive and unique per write within a store
   * @param expiresAt absolute expiry in milliseconds since the epoch, or {@link #NO_EXPIRY}
   */
  public Entry(byte[] value, int flags, long cas, long expiresAt) {
    if (value == null) {
      throw new NullPointerException("value");
    }
    this.value = value;
    this.flags = flags;
    this.cas = cas;
    this.expiresAt = expiresAt;
  }

  /** Returns the value bytes; shared, must not be modified. */
  public byte[] value() {
    return value;
  }

  /** Returns the value length in bytes. */
  public int length() {
    return value.length;
  }

  /** Returns the client flags (memcached), 0 when written by RESP or HTTP. */
  public int flags() {
    return flags;
  }

  /** Returns the CAS version of the write that produced this entry. */
  public long cas() {
    return cas;
  }

  /** Returns the absolute expiry in milliseconds since the epoch, or {@link #NO_EXPIRY}. */
  public long expiresAt() {
    return expiresAt;
  }

  /**
   * Returns this entry with another expiry; value, flags and CAS version are kept.
   *
   * @param expiresAt the new absolute expiry in milliseconds since the epoch, or {@link #NO_EXPIRY}
   * @return a new entry
   */
  public Entry withExpiry(long expiresAt) {
    return new Entry(value, flags, cas, expiresAt);
  }

  /** Returns whether this entry has an expiry time. */
  public boolean hasExpiry() {
    return expiresAt != NO_EXPIRY;
  }

  /**
   * Returns whether the entry is expired at {@code now}.
   *
   * @param now the current time in milliseconds since the epoch
   * @return {@code true} when the entry has an expiry at or before {@code now}
   */
  public boolean isExpiredAt(long now) {
    return expiresAt != NO_EXPIRY && expiresAt <= now;
  }

  @Override
  public String toString() {
    return "Entry{length=" + value.length + ", flags=" + flags + ", cas=" + cas
        + ", expiresAt=" + expiresAt + '}';
  }
}
