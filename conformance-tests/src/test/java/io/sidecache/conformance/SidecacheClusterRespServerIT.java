package io.sidecache.conformance;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RespServerConformance} against a 3-node Sidecache cluster ({@link SidecacheCluster}). */
class SidecacheClusterRespServerIT extends RespServerConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.sidecacheCluster();

  @Override
  RespTarget target() {
    return TARGET;
  }
}
