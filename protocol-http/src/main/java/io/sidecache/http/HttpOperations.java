package io.sidecache.http;

import java.util.Map;

/**
 * What the operations endpoints report about the node they run in: {@code /ready}, {@code
 * /metrics}, {@code /stats} and {@code /cluster}. The server assembling the node implements it; the HTTP endpoint
 * only renders the answers.
 *
 * <p>Implementations are thread-safe and quick: each method is called on an event loop and must
 * not block on I/O or locks (a registry scrape, CPU only, is fine).
 */
public interface HttpOperations {
  /**
   * Tells why the node should not get traffic now, for {@code /ready} (a Kubernetes readiness
   * probe): e.g. not every listener is bound yet, the disk tier failed, the node is shutting down.
   *
   * @return {@code null} when the node is ready, else a one-line reason for the {@code 503} body
   */
  String notReadyReason();

  /**
   * Renders every meter of the node in the Prometheus text exposition format, version 0.0.4.
   *
   * @return the exposition text, never {@code null}
   */
  String scrape();

  /**
   * Returns the node's statistics for {@code /stats}: the figures Redis {@code INFO} and
   * memcached {@code stats} report, grouped as they group them. Values are {@link String}s,
   * {@link Number}s or nested maps of the same kinds; the endpoint writes them as JSON.
   *
   * @return the statistics by group, in a stable order, never {@code null}
   */
  Map<String, Object> stats();

  /**
   * Returns the node's view of its cluster for {@code /cluster}: members, addresses, ownership
   * shares, ring epoch, routing counters; values as for {@link #stats()}.
   *
   * @return the view, or {@code null} for a standalone node ({@code /cluster} is then 404)
   */
  default Map<String, Object> cluster() {
    return null;
  }
}
