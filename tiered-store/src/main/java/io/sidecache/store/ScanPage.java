package io.sidecache.store;

import java.util.List;

/**
 * One page of a key scan ({@link CacheStore#scan}).
 *
 * @param keys the keys of this page, possibly empty; unmodifiable
 * @param cursor the cursor for the next page, or 0 when the iteration is complete
 */
public record ScanPage(List<Key> keys, long cursor) {}
