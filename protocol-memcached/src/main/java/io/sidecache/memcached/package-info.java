/**
 * The memcached text protocol endpoint: {@link io.sidecache.memcached.MemcachedServerInitializer}
 * installs {@link io.sidecache.memcached.MemcachedTextDecoder} (bytes to {@link
 * io.sidecache.memcached.TextRequest}) and {@link io.sidecache.memcached.MemcachedServerHandler}
 * (requests to {@link io.sidecache.store.CacheStore} calls and reply bytes) on each connection.
 *
 * <p>Wire behaviour follows memcached 1.6 ({@code doc/protocol.txt} and {@code proto_text.c}); the
 * exact reply bytes were checked against a real memcached 1.6.18. The meta and binary protocols
 * are not served yet.
 */
package io.sidecache.memcached;
