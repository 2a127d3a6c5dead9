package io.sidecache.server;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sidecache.cluster.ClusterNode;
import io.sidecache.http.HttpOperations;
import io.sidecache.memcached.MemcachedServerInitializer;
import io.sidecache.resp.RespServerContext;
import io.sidecache.store.tiered.TieredStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What the HTTP operations endpoints report about this node: readiness from the node's life cycle
 * and its disk tier, metrics from its one Micrometer registry, and the statistics Redis {@code
 * INFO} and memcached {@code stats} report, read from the same sources as those commands.
 *
 * <p>Thread-safe: the life-cycle state is volatile, every source it reads is thread-safe.
 */
final class NodeOperations implements HttpOperations {
  private static final Pattern INTEGER = Pattern.compile("-?[0-9]{1,18}");
  private static final Pattern DECIMAL = Pattern.compile("-?[0-9]{1,15}\\.[0-9]{1,9}");

  /** Where the node is in its life. */
  enum State {
    /** Listeners are being bound. */
    STARTING,
    /** Every listener is bound. */
    SERVING,
    /** Shutting down: listeners close, in-flight commands finish. */
    STOPPING
  }

  private final PrometheusMeterRegistry registry;
  private final TieredStore tiered;
  private final ClusterNode cluster;
  private volatile State state = State.STARTING;
  private volatile RespServerContext resp;
  private volatile MemcachedServerInitializer memcached;

  /**
   * Creates the report of a starting node.
   *
   * @param registry the node's registry
   * @param tiered the node's tiered store, or {@code null} without a disk tier
   * @param cluster the node's cluster membership, or {@code null} for a standalone node
   */
  NodeOperations(PrometheusMeterRegistry registry, TieredStore tiered, ClusterNode cluster) {
    this.registry = registry;
    this.tiered = tiered;
    this.cluster = cluster;
  }

  /** Sets the listeners whose statistics {@link #stats} reports, as each is built. */
  void listeners(RespServerContext resp, MemcachedServerInitializer memcached) {
    this.resp = resp;
    this.memcached = memcached;
  }

  /** Moves the node to {@code state}. */
  void state(State state) {
    this.state = state;
  }

  /**
   * Not ready while starting or stopping, and when the disk tier was taken out of service by a
   * fault (the node then serves from memory only, docs/architecture.md).
   */
  @Override
  public String notReadyReason() {
    return switch (state) {
      case STARTING -> "starting: not every listener is bound yet";
      case STOPPING -> "shutting down";
      case SERVING -> tiered != null && tiered.diskTier().failed()
          ? "disk tier failed and was set aside; serving from memory only" : null;
    };
  }

  @Override
  public String scrape() {
    return registry.scrape();
  }

  /**
   * {@code {"redis": {<section>: {<field>: value}}, "memcached": {<stat>: value}}}: {@code INFO
   * everything} and a bare {@code stats}, numbers as JSON numbers.
   */
  @Override
  public Map<String, Object> stats() {
    Map<String, Object> out = new LinkedHashMap<>();
    RespServerContext r = resp;
    MemcachedServerInitializer m = memcached;
    if (r != null) {
      out.put("redis", r.info());
    }
    if (m != null) {
      Map<String, Object> stats = new LinkedHashMap<>();
      m.generalStats().forEach((name, value) -> stats.put(name, number(value)));
      out.put("memcached", stats);
    }
    return out;
  }

  /** The cluster view of {@link ClusterNode#view()}; {@code null} (404) for a standalone node. */
  @Override
  public Map<String, Object> cluster() {
    return cluster == null ? null : cluster.view();
  }

  /** A memcached statistic as a number when it prints as one, else the text. */
  private static Object number(String value) {
    if (INTEGER.matcher(value).matches()) {
      return Long.parseLong(value);
    }
    if (DECIMAL.matcher(value).matches()) {
      return Double.parseDouble(value);
    }
    return value;
  }
}
