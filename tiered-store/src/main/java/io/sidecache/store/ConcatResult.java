package io.sidecache.store;

/**
 * What {@link CacheStore#concat} did.
 *
 * @param outcome {@code STORED} when the value was changed (or created); {@code NOT_STORED} when
 *     the key is absent and was not created, or the result would exceed the length limit; {@code
 *     EXISTS} when the entry's CAS differs from the expected one
 * @param length the value's length afterwards in bytes, when stored; otherwise 0
 * @param cas the new entry's CAS version, when stored; otherwise 0
 */
public record ConcatResult(SetResult.Outcome outcome, long length, long cas) {
  /** Returns whether the value was changed. */
  public boolean stored() {
    return outcome == SetResult.Outcome.STORED;
  }
}
