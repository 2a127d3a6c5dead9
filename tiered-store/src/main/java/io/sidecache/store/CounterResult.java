package io.sidecache.store;

/**
 * The outcome of {@link CacheStore#incrementUnsigned(Key, long, boolean, CounterOptions)}.
 *
 * @param outcome {@code STORED} when the counter changed or was created, {@code NOT_FOUND} when
 *     the key is absent and not created, {@code EXISTS} when the CAS version did not match
 * @param entry the counter after the change, or {@code null} unless {@code STORED}
 * @param value the new value as unsigned bits; 0 unless {@code STORED}
 * @param created whether the counter was created by this call
 */
public record CounterResult(SetResult.Outcome outcome, Entry entry, long value, boolean created) {}
