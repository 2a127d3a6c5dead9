package io.sidecache.conformance;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RespKeysConformance} against Sidecache. */
class SidecacheRespKeysIT extends RespKeysConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.sidecache();

  @Override
  RespTarget target() {
    return TARGET;
  }
}
