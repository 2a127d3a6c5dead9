package io.sidecache.conformance;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RespStringsConformance} against Sidecache. */
class SidecacheRespStringsIT extends RespStringsConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.sidecache();

  @Override
  RespTarget target() {
    return TARGET;
  }
}
