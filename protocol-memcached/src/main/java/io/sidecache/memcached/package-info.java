/**
 * The memcached endpoint: {@link io.sidecache.memcached.MemcachedServerInitializer} installs, on
 * each connection's first byte, either {@link io.sidecache.memcached.MemcachedTextDecoder} (bytes
 * to {@link io.sidecache.memcached.TextRequest}) and {@link
 * io.sidecache.memcached.MemcachedServerHandler}, or {@link
 * io.sidecache.memcached.MemcachedBinaryDecoder} (bytes to {@link
 * io.sidecache.memcached.BinaryRequest}) and {@link io.sidecache.memcached.MemcachedBinaryHandler}
 * (requests to {@link io.sidecache.store.CacheStore} calls and response bytes).
 *
 * <p>Wire behaviour follows memcached 1.6 ({@code doc/protocol.txt} and {@code proto_text.c}); the
 * exact reply bytes were checked against a real memcached 1.6.18. The meta protocol is not
 * served yet.
 */
package io.sidecache.memcached;
