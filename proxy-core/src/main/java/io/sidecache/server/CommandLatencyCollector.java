package io.sidecache.server;

import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.sidecache.protocol.CommandMetrics;
import java.util.List;

/**
 * Exposes the latency histograms of {@link CommandMetrics} as the Prometheus histogram {@code
 * sidecache_command_latency_seconds} (labels {@code protocol}, {@code command}; classic buckets
 * from 8.192 µs doubling to 8.6 s, then +Inf), one series per command that has run. Micrometer's
 * function timers carry only count and sum, so this collector reads the buckets directly at
 * scrape time. Thread-safe.
 */
final class CommandLatencyCollector implements Collector {
  /** The metric's name, without the unit suffix rules applied twice. */
  static final String NAME = "sidecache_command_latency_seconds";

  private final List<CommandMetrics> protocols;

  /**
   * Creates the collector.
   *
   * @param protocols the meters of each protocol to expose
   */
  CommandLatencyCollector(List<CommandMetrics> protocols) {
    this.protocols = List.copyOf(protocols);
  }

  @Override
  public MetricSnapshot collect() {
    HistogramSnapshot.Builder histogram = HistogramSnapshot.builder().name(NAME)
        .help("Commands by protocol and name: time from arrival to reply");
    for (CommandMetrics metrics : protocols) {
      for (CommandMetrics.Meter m : metrics.meters()) {
        if (m.calls() == 0) {
          continue;
        }
        histogram.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
            .labels(Labels.of("protocol", metrics.protocol(), "command", m.command()))
            .classicHistogramBuckets(ClassicHistogramBuckets.of(
                CommandMetrics.LATENCY_BOUNDS_SECONDS, m.latencyCounts()))
            .sum(m.totalNanos() / 1e9)
            .build());
      }
    }
    return histogram.build();
  }

  @Override
  public String getPrometheusName() {
    return NAME;
  }
}
