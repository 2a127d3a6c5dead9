package io.sidecache.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class CommandMetricsTest {

  @ParameterizedTest
  @CsvSource({"0, 0", "1, 0", "8192, 0", "8193, 1", "16384, 1", "16385, 2",
      "1000000, 7", "8589934592, 20", "8589934593, 21", "9223372036854775807, 21"})
  void latencyBucket_firstBoundAtLeastTheLatency(long nanos, int bucket) {
    assertEquals(bucket, CommandMetrics.latencyBucket(nanos));
    double seconds = nanos / 1e9;
    assertEquals(true, seconds <= CommandMetrics.LATENCY_BOUNDS_SECONDS[bucket]);
    if (bucket > 0) {
      assertEquals(true, seconds > CommandMetrics.LATENCY_BOUNDS_SECONDS[bucket - 1]);
    }
  }

  @Test
  void record_countsPerBucketAndReset() {
    CommandMetrics metrics = CommandMetrics.unregistered("resp");
    CommandMetrics.Meter m = metrics.meter("get");
    m.record(5_000, false);
    m.record(5_000, true);
    m.record(20_000, false);
    long[] counts = m.latencyCounts();
    assertEquals(2, counts[0]);
    assertEquals(1, counts[2]);
    assertEquals(3, m.calls());
    metrics.reset();
    assertEquals(0, m.latencyCounts()[0]);
  }
}
