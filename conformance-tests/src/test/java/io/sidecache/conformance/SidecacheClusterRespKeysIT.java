package io.sidecache.conformance;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RespKeysConformance} against a 3-node Sidecache cluster ({@link SidecacheCluster}). */
class SidecacheClusterRespKeysIT extends RespKeysConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.sidecacheCluster();

  @Override
  RespTarget target() {
    return TARGET;
  }
}
