package io.sidecache.memcached;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * memcached's per-prefix statistics, {@code stats detail on|off|dump} (protocol.txt, "Detailed
 * statistics"; memcached {@code stats_prefix.c}): while on, every key read, stored or deleted is
 * counted under its prefix, the bytes before its first {@code :} (memcached's default {@code -D}
 * delimiter); a key without one is not counted. Turning it off keeps what was counted; {@code
 * stats reset} clears it.
 *
 * <p>{@code dump} lists {@code PREFIX <prefix> get <n> hit <n> set <n> del <n>} per prefix,
 * ordered by prefix here (memcached's order is its hash table's), then {@code END}. At most
 * {@value #MAX_PREFIXES} prefixes are kept; keys of further prefixes are not counted, so a
 * client cannot grow the table without bound (memcached has no bound). As in memcached, a read
 * counts each key looked up, and a store or delete counts the command whatever its outcome.
 *
 * <p>Thread-safe; off by default, when recording costs one volatile read.
 */
final class PrefixStats {
  /** The prefix delimiter, memcached's default {@code -D}. */
  static final byte DELIMITER = ':';

  /** The most prefixes kept. */
  static final int MAX_PREFIXES = 10_000;

  private volatile boolean enabled;
  private final Map<String, Counters> prefixes = new ConcurrentHashMap<>();

  /** The four counters of one prefix. */
  private static final class Counters {
    final LongAdder gets = new LongAdder();
    final LongAdder hits = new LongAdder();
    final LongAdder sets = new LongAdder();
    final LongAdder deletes = new LongAdder();
  }

  /** Turns recording on or off ({@code stats detail on|off}). */
  void enabled(boolean on) {
    enabled = on;
  }

  /** Counts one key looked up by a read, and whether it was found. */
  void get(byte[] key, boolean hit) {
    Counters c = counters(key);
    if (c != null) {
      c.gets.increment();
      if (hit) {
        c.hits.increment();
      }
    }
  }

  /** Counts one storage command on {@code key}. */
  void set(byte[] key) {
    Counters c = counters(key);
    if (c != null) {
      c.sets.increment();
    }
  }

  /** Counts one delete of {@code key}. */
  void delete(byte[] key) {
    Counters c = counters(key);
    if (c != null) {
      c.deletes.increment();
    }
  }

  private Counters counters(byte[] key) {
    if (!enabled) {
      return null;
    }
    int end = -1;
    for (int i = 0; i < key.length; i++) {
      if (key[i] == DELIMITER) {
        end = i;
        break;
      }
    }
    if (end < 0) {
      return null;
    }
    String prefix = new String(key, 0, end, StandardCharsets.ISO_8859_1);
    Counters c = prefixes.get(prefix);
    if (c == null && prefixes.size() < MAX_PREFIXES) {
      c = prefixes.computeIfAbsent(prefix, p -> new Counters());
    }
    return c;
  }

  /**
   * Returns the {@code stats detail dump} text: one {@code PREFIX} line per prefix, then {@code
   * END}, each line ending in CRLF (bytes as ISO-8859-1, as keys are raw bytes).
   */
  String dump() {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, Counters> e : new TreeMap<>(prefixes).entrySet()) {
      Counters c = e.getValue();
      sb.append("PREFIX ").append(e.getKey()).append(" get ").append(c.gets.sum())
          .append(" hit ").append(c.hits.sum()).append(" set ").append(c.sets.sum())
          .append(" del ").append(c.deletes.sum()).append("\r\n");
    }
    return sb.append("END\r\n").toString();
  }

  /** Forgets every prefix ({@code stats reset}). */
  void clear() {
    prefixes.clear();
  }
}
