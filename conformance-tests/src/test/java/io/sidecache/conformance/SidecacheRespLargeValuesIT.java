package io.sidecache.conformance;

import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link RespLargeValuesConformance} against Sidecache, with a memory tier that holds all the
 * suite writes (~120 MiB): in a full tier, W-TinyLFU may refuse a new 4 MB value at once, and
 * this suite is about the connection, not eviction.
 */
class SidecacheRespLargeValuesIT extends RespLargeValuesConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.sidecache(512L * 1024 * 1024);

  @Override
  RespTarget target() {
    return TARGET;
  }
}
