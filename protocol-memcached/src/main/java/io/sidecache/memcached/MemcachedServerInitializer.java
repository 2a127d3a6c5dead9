package io.sidecache.memcached;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.sidecache.store.CacheStore;
import io.sidecache.store.Ticker;

/**
 * Sets up a memcached text protocol connection: {@link MemcachedTextDecoder} then {@link
 * MemcachedServerHandler}.
 *
 * <p>Sharable and thread-safe: one instance serves every connection of a listener, and those
 * connections share the listener's pending delayed {@code flush_all}, as memcached's is
 * server-wide.
 */
public final class MemcachedServerInitializer extends ChannelInitializer<Channel> {
  /** The name of the decoder in the pipeline. */
  public static final String DECODER_NAME = "memcached-decoder";

  /** The name of the command handler in the pipeline. */
  public static final String HANDLER_NAME = "memcached-handler";

  private final CacheStore store;
  private final Ticker ticker;
  private final int maxItemSizeBytes;
  private final DelayedFlush delayedFlush;

  /**
   * Creates the initializer.
   *
   * @param store the keyspace, must not be {@code null}
   * @param ticker the clock that relative exptimes are measured from, in milliseconds since the
   *     epoch; the same clock as the store's, must not be {@code null}
   * @param maxItemSizeBytes the largest value a storage command may carry, in bytes (memcached
   *     {@code -I}, 1 MiB by default); a larger one is answered {@code SERVER_ERROR object too
   *     large for cache}
   * @throws NullPointerException if {@code store} or {@code ticker} is {@code null}
   * @throws IllegalArgumentException if {@code maxItemSizeBytes} is not positive
   */
  public MemcachedServerInitializer(CacheStore store, Ticker ticker, int maxItemSizeBytes) {
    if (store == null) {
      throw new NullPointerException("store");
    }
    if (ticker == null) {
      throw new NullPointerException("ticker");
    }
    if (maxItemSizeBytes <= 0) {
      throw new IllegalArgumentException(
          "maxItemSizeBytes: " + maxItemSizeBytes + " (expected: > 0)");
    }
    this.store = store;
    this.ticker = ticker;
    this.maxItemSizeBytes = maxItemSizeBytes;
    this.delayedFlush = new DelayedFlush(store);
  }

  @Override
  protected void initChannel(Channel ch) {
    ch.pipeline()
        .addLast(DECODER_NAME, new MemcachedTextDecoder(maxItemSizeBytes))
        .addLast(
            HANDLER_NAME,
            new MemcachedServerHandler(store, ticker, maxItemSizeBytes, delayedFlush));
  }

  /** Returns the listener's delayed flush; for tests. */
  DelayedFlush delayedFlush() {
    return delayedFlush;
  }
}
