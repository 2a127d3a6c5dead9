package io.sidecache.store;

/**
 * What {@link CacheStore#fetch} found and did.
 *
 * @param entry the entry after the fetch (with its new expiry when touched; empty when {@code
 *     created}); never {@code null}
 * @param created whether the entry was created by this fetch (vivified on a miss)
 * @param won whether this fetch won the recache token (memcached meta {@code W}): the entry was
 *     created, is stale, or expires before the recache time, and no token was handed out before
 * @param tokenAlreadySent whether a token had been handed out before this fetch (memcached meta
 *     {@code Z}); never {@code true} together with {@code won}
 * @param accessBefore the entry's access state before this fetch recorded its own access; read it
 *     with {@link Entry#isFetched} and {@link Entry#secondsSinceAccess} (memcached meta {@code h}
 *     and {@code l} report the state before the current fetch)
 */
public record FetchResult(
    Entry entry, boolean created, boolean won, boolean tokenAlreadySent, int accessBefore) {}
