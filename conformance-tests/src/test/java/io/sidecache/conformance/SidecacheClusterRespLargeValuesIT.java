package io.sidecache.conformance;

import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link RespLargeValuesConformance} against a 3-node Sidecache cluster ({@link
 * SidecacheCluster}): values of other owners stream to them in parts and are read back chunk by
 * chunk; each node's memory tier holds all the suite writes, as {@link
 * SidecacheRespLargeValuesIT}'s does.
 */
class SidecacheClusterRespLargeValuesIT extends RespLargeValuesConformance {
  @RegisterExtension static final RespTarget TARGET =
      RespTarget.sidecacheCluster(512L * 1024 * 1024);

  @Override
  RespTarget target() {
    return TARGET;
  }
}
