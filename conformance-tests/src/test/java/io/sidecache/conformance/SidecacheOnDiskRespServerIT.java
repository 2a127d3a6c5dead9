package io.sidecache.conformance;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RespServerConformance} against Sidecache with every key on disk (1-byte memory tier). */
class SidecacheOnDiskRespServerIT extends RespServerConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.sidecacheOnDisk();

  @Override
  RespTarget target() {
    return TARGET;
  }
}
