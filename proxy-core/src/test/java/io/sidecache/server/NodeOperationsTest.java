package io.sidecache.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeOperationsTest {

  @Test
  void notReadyReason_followsTheLifeCycle() {
    NodeOperations ops =
        new NodeOperations(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), null, null);
    assertTrue(ops.notReadyReason().startsWith("starting"), ops.notReadyReason());
    ops.state(NodeOperations.State.SERVING);
    assertNull(ops.notReadyReason());
    ops.state(NodeOperations.State.STOPPING);
    assertEquals("shutting down", ops.notReadyReason());
  }

  @Test
  void runningNode_readyUntilClosed_statsHoldBothProtocols() throws Exception {
    try (Sidecache node = Sidecache.start(SidecacheConfig.ephemeral(1 << 20))) {
      NodeOperations ops = node.operations();
      assertNull(ops.notReadyReason());
      Map<String, Object> stats = ops.stats();
      assertTrue(stats.get("redis") instanceof Map<?, ?> redis && redis.containsKey("server"),
          stats.toString());
      Map<?, ?> memcached = (Map<?, ?>) stats.get("memcached");
      assertTrue(memcached.get("pid") instanceof Long, memcached.toString());
      assertTrue(memcached.get("version") instanceof String, memcached.toString());
      node.close();
      assertEquals("shutting down", ops.notReadyReason());
    }
  }
}
