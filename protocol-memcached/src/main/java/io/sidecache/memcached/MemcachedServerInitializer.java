package io.sidecache.memcached;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.sidecache.protocol.CommandGate;
import io.sidecache.protocol.CommandMetrics;
import io.sidecache.store.CacheStore;
import io.sidecache.store.Ticker;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sets up a memcached connection: {@link ConnectionStatsHandler}, then {@link
 * MemcachedAutoDetector}, which installs on the first byte either {@link MemcachedTextDecoder} and
 * {@link MemcachedServerHandler} (text protocol) or {@link MemcachedBinaryDecoder} and {@link
 * MemcachedBinaryHandler} (binary protocol, first byte 0x80), both on the same port as memcached's
 * default negotiating mode.
 *
 * <p>Sharable and thread-safe: one instance serves every connection of a listener, and those
 * connections share the listener's pending delayed {@code flush_all} (memcached's is server-wide)
 * and its {@link MemcachedStats}.
 */
public final class MemcachedServerInitializer extends ChannelInitializer<Channel> {
  /** The name of the dialect detector in the pipeline, until it replaces itself. */
  public static final String DETECTOR_NAME = "memcached-detector";

  /** The name of the decoder in the pipeline. */
  public static final String DECODER_NAME = "memcached-decoder";

  /** The name of the command handler in the pipeline. */
  public static final String HANDLER_NAME = "memcached-handler";

  /** The name of the connection and byte counter in the pipeline. */
  public static final String STATS_NAME = "memcached-stats";

  private final CacheStore store;
  private final Ticker ticker;
  private final int maxItemSizeBytes;
  private final MemcachedSasl sasl;
  private final CommandGate gate;
  private final DelayedFlush delayedFlush;
  private final MemcachedStats stats;
  private final StatsReport report;
  private final ConnectionStatsHandler statsHandler;

  /**
   * Creates the initializer of a listener without authentication, reporting one thread in {@code
   * stats}.
   *
   * @param store the keyspace, must not be {@code null}
   * @param ticker the clock that relative exptimes are measured from, in milliseconds since the
   *     epoch; the same clock as the store's, must not be {@code null}
   * @param maxItemSizeBytes the largest value a storage command may carry, in bytes (memcached
   *     {@code -I}, 1 MiB by default); a larger one is answered {@code SERVER_ERROR object too
   *     large for cache} (text) or status 0x0003 "Too large." (binary)
   * @throws NullPointerException if {@code store} or {@code ticker} is {@code null}
   * @throws IllegalArgumentException if {@code maxItemSizeBytes} is not positive
   */
  public MemcachedServerInitializer(CacheStore store, Ticker ticker, int maxItemSizeBytes) {
    this(store, ticker, maxItemSizeBytes, 1, null, null);
  }

  /**
   * Creates the initializer of a listener.
   *
   * @param store the keyspace, must not be {@code null}
   * @param ticker the clock that relative exptimes are measured from, in milliseconds since the
   *     epoch; the same clock as the store's, must not be {@code null}
   * @param maxItemSizeBytes the largest value a storage command may carry, in bytes
   * @param threads the number of event loops serving the listener ({@code stats} {@code
   *     threads}), positive
   * @param sasl the SASL PLAIN credentials clients must present, or {@code null} for none; with
   *     credentials only the binary protocol is served
   * @param gate the node's gate for exclusive sections (Redis {@code EXEC}): requests wait while
   *     it is closed; {@code null} for none
   * @throws NullPointerException if {@code store} or {@code ticker} is {@code null}
   * @throws IllegalArgumentException if {@code maxItemSizeBytes} or {@code threads} is not
   *     positive
   */
  public MemcachedServerInitializer(
      CacheStore store,
      Ticker ticker,
      int maxItemSizeBytes,
      int threads,
      MemcachedSasl sasl,
      CommandGate gate) {
    this(store, ticker, maxItemSizeBytes, threads, sasl, gate,
        CommandMetrics.unregistered("memcached"));
  }

  /**
   * Creates the initializer of a listener whose commands are timed in {@code metrics}.
   *
   * @param store the keyspace, must not be {@code null}
   * @param ticker the clock that relative exptimes are measured from, in milliseconds since the
   *     epoch; the same clock as the store's, must not be {@code null}
   * @param maxItemSizeBytes the largest value a storage command may carry, in bytes
   * @param threads the number of event loops serving the listener, positive
   * @param sasl the SASL PLAIN credentials clients must present, or {@code null} for none
   * @param gate the node's gate for exclusive sections, or {@code null} for none
   * @param metrics the command timers, tagged {@code protocol=memcached}: text verbs by their
   *     word ({@code get}, {@code mg}), binary opcodes by their name ({@code getkq}); must not be
   *     {@code null}
   * @throws NullPointerException if {@code store}, {@code ticker} or {@code metrics} is {@code
   *     null}
   * @throws IllegalArgumentException if {@code maxItemSizeBytes} or {@code threads} is not
   *     positive
   */
  public MemcachedServerInitializer(
      CacheStore store,
      Ticker ticker,
      int maxItemSizeBytes,
      int threads,
      MemcachedSasl sasl,
      CommandGate gate,
      CommandMetrics metrics) {
    if (metrics == null) {
      throw new NullPointerException("metrics");
    }
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
    if (threads <= 0) {
      throw new IllegalArgumentException("threads: " + threads + " (expected: > 0)");
    }
    this.store = store;
    this.ticker = ticker;
    this.maxItemSizeBytes = maxItemSizeBytes;
    this.sasl = sasl;
    this.gate = gate;
    this.delayedFlush = new DelayedFlush(store);
    this.stats = new MemcachedStats(ticker.millis());
    this.report = new StatsReport(stats, store, ticker, maxItemSizeBytes, threads,
        sasl != null, metrics);
    this.statsHandler = new ConnectionStatsHandler(stats);
  }

  @Override
  protected void initChannel(Channel ch) {
    ch.pipeline()
        .addLast(STATS_NAME, statsHandler)
        .addLast(DETECTOR_NAME, new MemcachedAutoDetector(this));
  }

  /** Returns whether every connection must speak the binary protocol (SASL is on). */
  boolean requiresBinary() {
    return sasl != null;
  }

  /**
   * Installs one dialect's decoder and handler after the handler named {@code after}.
   *
   * @param pipeline the connection's pipeline
   * @param after the name of the handler they follow (the detector)
   * @param binary {@code true} for the binary protocol, {@code false} for text
   */
  void installDialect(ChannelPipeline pipeline, String after, boolean binary) {
    if (binary) {
      pipeline
          .addAfter(after, DECODER_NAME, new MemcachedBinaryDecoder(maxItemSizeBytes))
          .addAfter(
              DECODER_NAME,
              HANDLER_NAME,
              new MemcachedBinaryHandler(
                  store, ticker, maxItemSizeBytes, delayedFlush, report, sasl, gate));
    } else {
      pipeline
          .addAfter(after, DECODER_NAME, new MemcachedTextDecoder(maxItemSizeBytes,
              store.streamingThreshold()))
          .addAfter(
              DECODER_NAME,
              HANDLER_NAME,
              new MemcachedServerHandler(
                  store, ticker, maxItemSizeBytes, delayedFlush, report, gate));
    }
  }

  /** Returns the listener's counters, shared by its text and binary connections. */
  public MemcachedStats stats() {
    return stats;
  }

  /**
   * Returns what a bare memcached {@code stats} reports on this listener, for reports outside a
   * memcached connection (HTTP {@code /stats}): memcached 1.6's names in its order, with the
   * values as the text protocol prints them. Thread-safe.
   *
   * @return the statistics, a new mutable map
   */
  public Map<String, String> generalStats() {
    Map<String, String> out = new LinkedHashMap<>();
    report.write("", 0, out::put);
    return out;
  }

  /** Returns the listener's delayed flush; for tests. */
  DelayedFlush delayedFlush() {
    return delayedFlush;
  }
}
