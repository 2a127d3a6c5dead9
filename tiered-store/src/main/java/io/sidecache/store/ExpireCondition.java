package io.sidecache.store;

/**
 * When {@link CacheStore#expire} changes a key's expiry, as the options of Redis 7 {@code EXPIRE}.
 * A key without expiry counts as an infinite time to live for {@link #GREATER} and {@link #LESS}.
 */
public enum ExpireCondition {
  /** Always (no option; memcached {@code touch}). */
  ALWAYS,
  /** Only when the key has no expiry (Redis {@code NX}). */
  IF_NONE,
  /** Only when the key has an expiry (Redis {@code XX}). */
  IF_SET,
  /** Only when the new expiry is later than the current one (Redis {@code GT}). */
  GREATER,
  /** Only when the new expiry is earlier than the current one (Redis {@code LT}). */
  LESS,
  /** Only when the key has an expiry and the new one is earlier (Redis {@code XX LT}). */
  IF_SET_AND_LESS;

  /**
   * Returns whether an entry's expiry may change to {@code expiresAt}.
   *
   * @param current the current expiry, or {@link Entry#NO_EXPIRY}
   * @param expiresAt the new expiry, or {@link Entry#NO_EXPIRY}
   */
  public boolean allows(long current, long expiresAt) {
    boolean none = current == Entry.NO_EXPIRY;
    long newTime = expiresAt == Entry.NO_EXPIRY ? Long.MAX_VALUE : expiresAt;
    long currentTime = none ? Long.MAX_VALUE : current;
    switch (this) {
      case IF_NONE:
        return none;
      case IF_SET:
        return !none;
      case GREATER:
        return !none && newTime > currentTime;
      case LESS:
        return newTime < currentTime;
      case IF_SET_AND_LESS:
        return !none && newTime < currentTime;
      default:
        return true;
    }
  }
}
