package io.sidecache.conformance;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RespStringsConformance} against a 3-node Sidecache cluster ({@link SidecacheCluster}). */
class SidecacheClusterRespStringsIT extends RespStringsConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.sidecacheCluster();

  @Override
  RespTarget target() {
    return TARGET;
  }
}
