package io.sidecache.resp;

import io.sidecache.protocol.CommandMetrics;
import io.sidecache.store.ChunkStats;
import io.sidecache.store.DiskStats;
import io.sidecache.store.StoreStats;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Redis 7.0 {@code INFO [section ...]}: the sections and field names that Redis clients and
 * exporters (redis_exporter, Datadog, Spring Boot health) read, filled from Sidecache's own
 * state. A field Sidecache cannot answer truthfully is left out rather than faked; the list is in
 * docs/protocol-resp.md.
 *
 * <p>Stateless and thread-safe; runs on the caller's event loop.
 */
final class InfoCommand {
  /**
   * Sections of a bare {@code INFO} ({@code default}), in Redis's order, with Sidecache's {@code
   * disk} (only when the store has a disk tier) and {@code chunks} after {@code stats}.
   */
  private static final List<String> DEFAULT_SECTIONS = List.of(
      "server", "clients", "memory", "persistence", "stats", "disk", "chunks", "replication",
      "cpu", "modules", "errorstats", "cluster", "keyspace");

  private static final String RUN_ID = randomHex(40);

  private InfoCommand() {}

  static RespCommand.Builder definition() {
    return RespCommand.named("info", -1).flags("loading", "stale").acl("@slow", "@dangerous")
        .tips("nondeterministic_output", "request_policy:all_shards", "response_policy:special")
        .doc("server", "1.0.0", "Returns information and statistics about the server.")
        .body(InfoCommand::info);
  }

  static void info(RespSession s, byte[][] args) {
    Set<String> sections = new LinkedHashSet<>();
    if (args.length == 1) {
      sections.addAll(DEFAULT_SECTIONS);
    }
    for (int i = 1; i < args.length; i++) {
      String name = Args.text(args[i]).toLowerCase(Locale.ROOT);
      switch (name) {
        case "default" -> sections.addAll(DEFAULT_SECTIONS);
        case "all", "everything" -> {
          sections.addAll(DEFAULT_SECTIONS);
          sections.add("commandstats");
        }
        default -> sections.add(name);
      }
    }
    TextSink out = new TextSink();
    for (String section : sections) {
      append(s.context(), s.now(), s.localPort(), section, out);
    }
    s.reply().verbatim(out.text.toString());
  }

  /**
   * Writes every section of {@code INFO everything} (with {@code disk} and {@code chunks} when the
   * store has them), for reports outside a RESP connection, e.g. HTTP {@code /stats}.
   *
   * @param c the server context
   * @param now the current time in milliseconds since the epoch
   * @param sink where the sections go
   */
  static void everything(RespServerContext c, long now, Sink sink) {
    for (String section : DEFAULT_SECTIONS) {
      append(c, now, OptionalInt.empty(), section, sink);
    }
    append(c, now, OptionalInt.empty(), "commandstats", sink);
  }

  /** Receives the sections of a report in order. */
  interface Sink {
    /**
     * Starts a section.
     *
     * @param title the section's title as {@code INFO} prints it, e.g. {@code Server}
     */
    void section(String title);

    /**
     * Receives one field of the current section.
     *
     * @param name the field name
     * @param value a number or a string
     */
    void field(String name, Object value);
  }

  /** The {@code INFO} text: {@code # Title} lines, {@code name:value} lines, sections apart. */
  private static final class TextSink implements Sink {
    final StringBuilder text = new StringBuilder(2048);

    @Override
    public void section(String title) {
      if (text.length() > 0) {
        text.append("\r\n");
      }
      text.append("# ").append(title).append("\r\n");
    }

    @Override
    public void field(String name, Object value) {
      text.append(name).append(':').append(value).append("\r\n");
    }
  }

  /** Writes one section; an unknown section writes nothing (Redis prints nothing). */
  private static void append(RespServerContext c, long now, OptionalInt port, String section,
      Sink out) {
    switch (section) {
      case "server" -> server(c, now, port, out);
      case "clients" -> {
        header(out, "Clients");
        field(out, "connected_clients", c.clients().size());
        field(out, "cluster_connections", 0);
        field(out, "blocked_clients", 0);
        field(out, "tracking_clients", c.tracking().clientCount());
        field(out, "clients_in_timeout_table", 0);
      }
      case "memory" -> memory(c, out);
      case "persistence" -> {
        header(out, "Persistence");
        field(out, "loading", 0);
        field(out, "async_loading", 0);
        field(out, "rdb_bgsave_in_progress", 0);
        field(out, "rdb_last_save_time", c.startedAt() / 1000);
        field(out, "aof_enabled", 0);
        field(out, "aof_rewrite_in_progress", 0);
      }
      case "stats" -> stats(c, out);
      case "replication" -> {
        header(out, "Replication");
        field(out, "role", "master");
        field(out, "connected_slaves", 0);
        field(out, "master_failover_state", "no-failover");
        field(out, "master_replid", RUN_ID);
        field(out, "master_repl_offset", 0);
      }
      case "cpu" -> cpu(out);
      case "modules" -> header(out, "Modules");
      case "errorstats" -> header(out, "Errorstats");
      case "cluster" -> {
        header(out, "Cluster");
        // 0 even in a Sidecache cluster: clients must not speak the Redis Cluster protocol
        // (CLUSTER SLOTS, MOVED) to it; any node serves every key (docs/cluster.md).
        field(out, "cluster_enabled", 0);
        c.clusterFields().forEach((name, value) -> field(out, name, value));
      }
      case "keyspace" -> {
        header(out, "Keyspace");
        StoreStats stats = c.store().stats();
        if (stats.keys() > 0) {
          // avg_ttl is exact here; Redis 7.0 estimates it from the keys its expiry cycle samples.
          field(out, "db0", "keys=" + stats.keys() + ",expires=" + stats.expiring().count()
              + ",avg_ttl=" + stats.expiring().averageTtlMillis());
        }
      }
      case "commandstats" -> commandStats(c.metrics().meters(), out);
      case "disk" -> {
        Optional<DiskStats> disk = c.store().stats().disk();
        disk.ifPresent(d -> disk(d, out));
      }
      case "chunks" -> {
        Optional<ChunkStats> chunks = c.store().stats().chunks();
        chunks.ifPresent(k -> chunks(k, out));
      }
      default -> {
        // unknown: nothing
      }
    }
  }

  private static void server(RespServerContext c, long now, OptionalInt port, Sink out) {
    header(out, "Server");
    field(out, "redis_version", ConnectionCommands.REDIS_VERSION);
    field(out, "redis_mode", "standalone");
    field(out, "os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
        + System.getProperty("os.arch"));
    field(out, "arch_bits", System.getProperty("os.arch").contains("64") ? 64 : 32);
    field(out, "process_id", ProcessHandle.current().pid());
    field(out, "run_id", RUN_ID);
    port.ifPresent(p -> field(out, "tcp_port", p));
    field(out, "server_time_usec", now * 1000);
    field(out, "uptime_in_seconds", (now - c.startedAt()) / 1000);
    field(out, "uptime_in_days", (now - c.startedAt()) / 86_400_000);
    field(out, "executable", ProcessHandle.current().info().command().orElse(""));
    field(out, "config_file", "");
    field(out, "sidecache_java_version", Runtime.version().toString());
  }

  private static void memory(RespServerContext c, Sink out) {
    StoreStats stats = c.store().stats();
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    header(out, "Memory");
    // used_memory is what the keyspace holds as counted against maxmemory (key and value bytes
    // plus a fixed per-entry overhead), as Redis compares used_memory with maxmemory.
    field(out, "used_memory", stats.usedBytes());
    field(out, "used_memory_human", human(stats.usedBytes()));
    long rss = residentBytes();
    if (rss > 0) {
      field(out, "used_memory_rss", rss);
      field(out, "used_memory_rss_human", human(rss));
    }
    field(out, "maxmemory", stats.maximumBytes());
    field(out, "maxmemory_human", human(stats.maximumBytes()));
    field(out, "maxmemory_policy", "allkeys-lfu");
    field(out, "mem_allocator", "jvm");
    field(out, "jvm_heap_used", heap.getUsed());
    field(out, "jvm_heap_committed", heap.getCommitted());
    field(out, "jvm_heap_max", heap.getMax());
  }

  private static void stats(RespServerContext c, Sink out) {
    StoreStats stats = c.store().stats();
    long commands = 0;
    long errors = 0;
    for (CommandMetrics.Meter m : c.metrics().meters()) {
      commands += m.calls();
      errors += m.failures() + m.rejections();
    }
    header(out, "Stats");
    field(out, "total_connections_received", c.connectionsReceived());
    field(out, "total_commands_processed", commands);
    field(out, "rejected_connections", 0);
    field(out, "expired_keys", stats.expirations());
    field(out, "evicted_keys", stats.evictions());
    field(out, "keyspace_hits", c.keyspaceHits());
    field(out, "keyspace_misses", c.keyspaceMisses());
    field(out, "pubsub_channels", c.pubSub().channelCount());
    field(out, "pubsub_patterns", c.pubSub().patternCount());
    field(out, "tracking_total_keys", c.tracking().keyCount());
    field(out, "tracking_total_items", c.tracking().itemCount());
    field(out, "tracking_total_prefixes", c.tracking().prefixCount());
    field(out, "total_error_replies", errors);
  }

  /** Sidecache's own section: the chunks of values longer than the chunk size, per tier. */
  private static void chunks(ChunkStats c, Sink out) {
    header(out, "Chunks");
    field(out, "chunks_in_memory", c.memoryChunks());
    field(out, "chunks_memory_bytes", c.memoryBytes());
    field(out, "chunks_memory_max_bytes", c.memoryMaximumBytes());
    field(out, "chunks_on_disk", c.diskChunks());
    field(out, "chunk_reads_memory", c.memoryReads());
    field(out, "chunk_reads_disk", c.diskReads());
    field(out, "chunk_writes_memory", c.memoryWrites());
    field(out, "chunk_writes_disk", c.diskWrites());
    field(out, "chunk_misses", c.misses());
  }

  private static void disk(DiskStats d, Sink out) {
    header(out, "Disk");
    field(out, "disk_keys", d.keys());
    field(out, "disk_used_bytes", d.usedBytes());
    field(out, "disk_max_bytes", d.maximumBytes());
    field(out, "disk_reads", d.reads());
    field(out, "disk_hits", d.hits());
    field(out, "disk_misses", d.misses());
    field(out, "disk_bytes_read", d.bytesRead());
    field(out, "disk_writes", d.writes());
    field(out, "disk_bytes_written", d.bytesWritten());
    field(out, "disk_evicted_keys", d.evictions());
    field(out, "disk_checksum_failures", d.checksumFailures());
    field(out, "disk_faults", d.faults());
    field(out, "disk_promotions", d.promotions());
    field(out, "disk_demotions", d.demotions());
    field(out, "disk_demotions_shed", d.shedDemotions());
    field(out, "disk_pending_keys", d.pendingKeys());
  }

  private static void cpu(Sink out) {
    header(out, "CPU");
    // /proc/self/stat fields 14 and 15: user and system time in clock ticks (100 per second on
    // Linux); elsewhere the JVM's total process CPU time is reported as user time.
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      field(out, "used_cpu_sys", seconds(Long.parseLong(f[12]) * 10_000_000L));
      field(out, "used_cpu_user", seconds(Long.parseLong(f[11]) * 10_000_000L));
    } catch (IOException | RuntimeException e) {
      if (ManagementFactory.getOperatingSystemMXBean()
          instanceof com.sun.management.OperatingSystemMXBean os) {
        field(out, "used_cpu_sys", seconds(0));
        field(out, "used_cpu_user", seconds(os.getProcessCpuTime()));
      }
    }
  }

  /**
   * Redis 7.0 {@code INFO commandstats}: one line per command that ran or was rejected, {@code
   * cmdstat_<name>:calls=..,usec=..,usec_per_call=..,rejected_calls=..,failed_calls=..}.
   */
  private static void commandStats(Collection<CommandMetrics.Meter> meters, Sink out) {
    header(out, "Commandstats");
    List<CommandMetrics.Meter> sorted = new ArrayList<>(meters);
    sorted.sort((a, b) -> a.command().compareTo(b.command()));
    for (CommandMetrics.Meter m : sorted) {
      long calls = m.calls();
      if (calls == 0 && m.rejections() == 0) {
        continue;
      }
      long usec = m.totalNanos() / 1000;
      field(out, "cmdstat_" + m.command(), "calls=" + calls + ",usec=" + usec
          + ",usec_per_call="
          + String.format(Locale.ROOT, "%.2f", calls == 0 ? 0.0 : (double) usec / calls)
          + ",rejected_calls=" + m.rejections() + ",failed_calls=" + m.failures());
    }
  }

  private static long residentBytes() {
    try {
      String[] statm = Files.readString(Path.of("/proc/self/statm")).trim().split(" ");
      return Long.parseLong(statm[1]) * 4096;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static void header(Sink out, String name) {
    out.section(name);
  }

  private static void field(Sink out, String name, Object value) {
    out.field(name, value);
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.6f", nanos / 1e9);
  }

  /** Redis's {@code bytesToHuman}: B, K, M, G, T with two decimals. */
  static String human(long n) {
    String[] units = {"K", "M", "G", "T", "P"};
    if (n < 1024) {
      return n + "B";
    }
    double v = n;
    int unit = -1;
    while (v >= 1024 && unit < units.length - 1) {
      v /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.2f%s", v, units[unit]);
  }

  private static String randomHex(int length) {
    StringBuilder sb = new StringBuilder(length);
    java.security.SecureRandom random = new java.security.SecureRandom();
    for (int i = 0; i < length; i++) {
      sb.append(Character.forDigit(random.nextInt(16), 16));
    }
    return sb.toString();
  }
}
