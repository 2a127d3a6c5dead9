package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sidecache.server.Sidecache;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The disk tier's counters in Redis {@code INFO} (Sidecache's {@code # Disk} section), memcached
 * {@code stats} (extstore's names) and the Prometheus registry ({@code tier="disk"}), on a
 * Sidecache whose 1-byte memory tier sends every key to disk. Sidecache only: real servers have
 * no such tier (memcached's extstore counters are compared by name in docs/protocol-memcached.md).
 */
class SidecacheDiskStatsIT {
  private static Sidecache server;

  @BeforeAll
  static void start() {
    server = SidecacheServer.startOnDisk();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static Map<String, Long> fields(String text, String separator) {
    Map<String, Long> fields = new HashMap<>();
    for (String line : text.split("\r\n")) {
      String[] kv = line.replaceFirst("^STAT ", "").split(separator, 2);
      if (kv.length == 2 && kv[1].matches("-?\\d+")) {
        fields.put(kv[0], Long.parseLong(kv[1]));
      }
    }
    return fields;
  }

  @Test
  void countersShowDemotionsReadsAndKeysInEveryProtocol() throws IOException {
    try (Jedis jedis = new Jedis(server.respAddress().getHostString(),
        server.respAddress().getPort())) {
      for (int i = 0; i < 20; i++) {
        jedis.set("stat:" + i, "value" + i);
      }
      for (int i = 0; i < 20; i++) {
        assertEquals("value" + i, jedis.get("stat:" + i));
      }
      String info = jedis.info();
      assertTrue(info.contains("# Disk\r\n"), info);
      Map<String, Long> disk = fields(info, ":");
      assertTrue(disk.get("disk_demotions") >= 20, info);
      assertTrue(disk.get("disk_hits") >= 20, info);
      assertTrue(disk.get("disk_promotions") >= 20, info);
      assertTrue(disk.get("disk_keys") > 0 && disk.get("disk_max_bytes") > 0, info);
      assertEquals(0, disk.get("disk_checksum_failures"));
      assertTrue(disk.get("db0") == null && info.contains("db0:keys="), info);
      assertFalse(jedis.info("disk").isEmpty());
    }
    try (RawMemcached mc = new RawMemcached(server.memcachedAddress())) {
      mc.send("stats\r\n");
      Map<String, Long> stats = fields(mc.readUntil("END\r\n"), " ");
      assertTrue(stats.get("extstore_objects_written") >= 20, stats.toString());
      assertTrue(stats.get("get_extstore") >= 20, stats.toString());
      assertEquals(0, stats.get("badcrc_from_extstore"));
      assertTrue(stats.get("extstore_limit_maxbytes") > 0);
    }
    String scrape = server.meterRegistry().scrape();
    assertTrue(scrape.contains("sidecache_store_demotions_total{tier=\"disk\"}"), scrape);
  }

  /**
   * Chunk counters ({@code # Chunks}, {@code sidecache_store_chunk_reads_total}): a GETRANGE of 10
   * bytes from a 100-chunk value reads exactly one chunk, from disk (the chunk memory of the
   * on-disk server holds nothing); keys count the value once, never its chunks.
   */
  @Test
  void getRangeOfTenBytesFromAHundredChunkValueReadsOneChunkFromDisk() {
    try (Jedis jedis = new Jedis(server.respAddress().getHostString(),
        server.respAddress().getPort())) {
      byte[] value = new byte[100 * (int) server.store().streamingThreshold()];
      new java.util.Random(9).nextBytes(value);
      jedis.flushAll();
      jedis.set("video".getBytes(), value);
      Map<String, Long> before = fields(jedis.info("chunks"), ":");
      assertEquals(100, before.get("chunks_on_disk"));
      byte[] range = jedis.getrange("video".getBytes(), 4_000_000, 4_000_009);
      Map<String, Long> after = fields(jedis.info("chunks"), ":");
      assertEquals(1, after.get("chunk_reads_disk") - before.get("chunk_reads_disk"));
      assertEquals(0, after.get("chunk_reads_memory") - before.get("chunk_reads_memory"));
      assertEquals(10, range.length);
      for (int i = 0; i < 10; i++) {
        assertEquals(value[4_000_000 + i], range[i]);
      }
      assertEquals(1L, jedis.dbSize());
      assertEquals(value.length, jedis.strlen("video".getBytes()));
    }
    assertTrue(server.meterRegistry().scrape()
        .contains("sidecache_store_chunk_reads_total{tier=\"disk\"}"));
  }
}
