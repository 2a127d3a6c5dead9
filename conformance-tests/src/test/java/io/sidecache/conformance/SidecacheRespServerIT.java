package io.sidecache.conformance;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RespServerConformance} against Sidecache. */
class SidecacheRespServerIT extends RespServerConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.sidecache();

  @Override
  RespTarget target() {
    return TARGET;
  }
}
