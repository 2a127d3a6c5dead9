package io.sidecache.resp;

import io.sidecache.protocol.Stages;
import io.sidecache.store.CacheStore;
import io.sidecache.store.Entry;
import io.sidecache.store.ExpireCondition;
import io.sidecache.store.Key;
import io.sidecache.store.ScanPage;
import io.sidecache.store.SetResult.Outcome;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Generic key commands, with Redis 7.0 semantics and error texts (db.c, expire.c). Sidecache has
 * one database (0) and one type (string). Bodies run on the connection's event loop; {@code KEYS}
 * walks the whole keyspace there, as Redis does.
 */
final class KeyCommands {
  /** Keys visited per store page when {@code KEYS} walks the keyspace. */
  private static final int KEYS_PAGE = 1024;

  /** Redis's {@code SCAN} COUNT default. */
  private static final int SCAN_DEFAULT_COUNT = 10;

  private KeyCommands() {}

  static List<RespCommand> commands() {
    return List.of(
        RespCommand.named("del", -2).flags("write")
            .acl("@keyspace", "@write", "@slow")
            .tips("request_policy:multi_shard", "response_policy:agg_sum")
            .key(KeySpec.range(1, -1, 1, "RM", "delete"))
            .doc("generic", "1.0.0", "Deletes one or more keys.")
            .body(KeyCommands::del).build(),
        RespCommand.named("unlink", -2).flags("write", "fast")
            .acl("@keyspace", "@write", "@fast")
            .tips("request_policy:multi_shard", "response_policy:agg_sum")
            .key(KeySpec.range(1, -1, 1, "RM", "delete"))
            .doc("generic", "4.0.0", "Asynchronously deletes one or more keys.")
            .body(KeyCommands::del).build(),
        RespCommand.named("exists", -2).flags("readonly", "fast")
            .acl("@keyspace", "@read", "@fast")
            .tips("request_policy:multi_shard", "response_policy:agg_sum")
            .key(KeySpec.range(1, -1, 1, "RO"))
            .doc("generic", "1.0.0", "Determines whether one or more keys exist.")
            .body(KeyCommands::exists).build(),
        RespCommand.named("touch", -2).flags("readonly", "fast")
            .acl("@keyspace", "@read", "@fast")
            .tips("request_policy:multi_shard", "response_policy:agg_sum")
            .key(KeySpec.range(1, -1, 1, "RO"))
            .doc("generic", "3.2.1", "Returns the number of existing keys out of those specified"
                + " after updating the time they were last accessed.")
            .body(KeyCommands::exists).build(),
        RespCommand.named("type", 2).flags("readonly", "fast")
            .acl("@keyspace", "@read", "@fast")
            .key(KeySpec.range(1, 0, 1, "RO"))
            .doc("generic", "1.0.0", "Determines the type of value stored at a key.")
            .body(KeyCommands::type).build(),
        RespCommand.named("expire", -3).flags("write", "fast")
            .acl("@keyspace", "@write", "@fast")
            .key(KeySpec.range(1, 0, 1, "RW", "update"))
            .doc("generic", "1.0.0", "Sets the expiration time of a key in seconds.")
            .body((s, a) -> expire(s, a, 1000, false, "expire")).build(),
        RespCommand.named("pexpire", -3).flags("write", "fast")
            .acl("@keyspace", "@write", "@fast")
            .key(KeySpec.range(1, 0, 1, "RW", "update"))
            .doc("generic", "2.6.0", "Sets the expiration time of a key in milliseconds.")
            .body((s, a) -> expire(s, a, 1, false, "pexpire")).build(),
        RespCommand.named("expireat", -3).flags("write", "fast")
            .acl("@keyspace", "@write", "@fast")
            .key(KeySpec.range(1, 0, 1, "RW", "update"))
            .doc("generic", "1.2.0", "Sets the expiration time of a key to a Unix timestamp.")
            .body((s, a) -> expire(s, a, 1000, true, "expireat")).build(),
        RespCommand.named("pexpireat", -3).flags("write", "fast")
            .acl("@keyspace", "@write", "@fast")
            .key(KeySpec.range(1, 0, 1, "RW", "update"))
            .doc("generic", "2.6.0",
                "Sets the expiration time of a key to a Unix milliseconds timestamp.")
            .body((s, a) -> expire(s, a, 1, true, "pexpireat")).build(),
        RespCommand.named("ttl", 2).flags("readonly", "fast")
            .acl("@keyspace", "@read", "@fast")
            .tips("nondeterministic_output")
            .key(KeySpec.range(1, 0, 1, "RO", "access"))
            .doc("generic", "1.0.0", "Returns the expiration time in seconds of a key.")
            .body((s, a) -> ttl(s, a, false, false)).build(),
        RespCommand.named("pttl", 2).flags("readonly", "fast")
            .acl("@keyspace", "@read", "@fast")
            .tips("nondeterministic_output")
            .key(KeySpec.range(1, 0, 1, "RO", "access"))
            .doc("generic", "2.6.0", "Returns the expiration time in milliseconds of a key.")
            .body((s, a) -> ttl(s, a, true, false)).build(),
        RespCommand.named("expiretime", 2).flags("readonly", "fast")
            .acl("@keyspace", "@read", "@fast")
            .key(KeySpec.range(1, 0, 1, "RO", "access"))
            .doc("generic", "7.0.0", "Returns the expiration time of a key as a Unix timestamp.")
            .body((s, a) -> ttl(s, a, false, true)).build(),
        RespCommand.named("pexpiretime", 2).flags("readonly", "fast")
            .acl("@keyspace", "@read", "@fast")
            .key(KeySpec.range(1, 0, 1, "RO", "access"))
            .doc("generic", "7.0.0",
                "Returns the expiration time of a key as a Unix milliseconds timestamp.")
            .body((s, a) -> ttl(s, a, true, true)).build(),
        RespCommand.named("persist", 2).flags("write", "fast")
            .acl("@keyspace", "@write", "@fast")
            .key(KeySpec.range(1, 0, 1, "RW", "update"))
            .doc("generic", "2.2.0", "Removes the expiration time of a key.")
            .body(KeyCommands::persist).build(),
        RespCommand.named("rename", 3).flags("write")
            .acl("@keyspace", "@write", "@slow")
            .key(KeySpec.range(1, 0, 1, "RW", "access", "delete"))
            .key(KeySpec.range(2, 0, 1, "OW", "update"))
            .doc("generic", "1.0.0", "Renames a key and overwrites the destination.")
            .body((s, a) -> rename(s, a, false)).build(),
        RespCommand.named("renamenx", 3).flags("write", "fast")
            .acl("@keyspace", "@write", "@fast")
            .key(KeySpec.range(1, 0, 1, "RW", "access", "delete"))
            .key(KeySpec.range(2, 0, 1, "OW", "insert"))
            .doc("generic", "1.0.0", "Renames a key only when the target key name doesn't exist.")
            .body((s, a) -> rename(s, a, true)).build(),
        RespCommand.named("copy", -3).flags("write", "denyoom")
            .acl("@keyspace", "@write", "@slow")
            .key(KeySpec.range(1, 0, 1, "RO", "access"))
            .key(KeySpec.range(2, 0, 1, "OW", "update"))
            .doc("generic", "6.2.0", "Copies the value of a key to a new key.")
            .body(KeyCommands::copy).build(),
        RespCommand.named("keys", 2).flags("readonly")
            .acl("@keyspace", "@read", "@slow", "@dangerous")
            .tips("request_policy:all_shards", "nondeterministic_output_order")
            .doc("generic", "1.0.0", "Returns all key names that match a pattern.")
            .body(KeyCommands::keys).build(),
        RespCommand.named("scan", -2).flags("readonly")
            .acl("@keyspace", "@read", "@slow")
            .tips("nondeterministic_output", "request_policy:special")
            .doc("generic", "2.8.0", "Iterates over the key names in the database.")
            .body(KeyCommands::scan).build(),
        RespCommand.named("randomkey", 1).flags("readonly")
            .acl("@keyspace", "@read", "@slow")
            .tips("request_policy:all_shards", "nondeterministic_output")
            .doc("generic", "1.0.0", "Returns a random key name from the database.")
            .body(KeyCommands::randomkey).build(),
        RespCommand.named("dbsize", 1).flags("readonly", "fast")
            .acl("@keyspace", "@read", "@fast")
            .tips("request_policy:all_shards", "response_policy:agg_sum")
            .doc("server", "1.0.0", "Returns the number of keys in the database.")
            .body((s, a) -> s.reply(s.store().size(), RespReply::integer)).build(),
        RespCommand.named("flushdb", -1).flags("write")
            .acl("@keyspace", "@write", "@slow", "@dangerous")
            .tips("request_policy:all_shards", "response_policy:all_succeeded")
            .doc("server", "1.0.0", "Removes all keys from the current database.")
            .body(KeyCommands::flush).build(),
        RespCommand.named("flushall", -1).flags("write")
            .acl("@keyspace", "@write", "@slow", "@dangerous")
            .tips("request_policy:all_shards", "response_policy:all_succeeded")
            .doc("server", "1.0.0", "Removes all keys from all databases.")
            .body(KeyCommands::flush).build(),
        ObjectCommand.command());
  }

  /** Redis 7 {@code DEL}/{@code UNLINK key [key ...]}: the number of keys removed. */
  static void del(RespSession s, byte[][] args) {
    countTrue(s, args, s.store()::delete);
  }

  /** Redis 7 {@code EXISTS}/{@code TOUCH key [key ...]}: existing keys, repeats counted. */
  static void exists(RespSession s, byte[][] args) {
    countTrue(s, args, s.store()::exists);
  }

  private static void countTrue(
      RespSession s, byte[][] args, Function<Key, CompletionStage<Boolean>> op) {
    List<CompletionStage<Boolean>> stages = new ArrayList<>(args.length - 1);
    for (int i = 1; i < args.length; i++) {
      stages.add(op.apply(Key.of(args[i])));
    }
    s.reply(Stages.all(stages), (r, results) -> {
      long n = 0;
      for (Boolean b : results) {
        n += b ? 1 : 0;
      }
      r.integer(n);
    });
  }

  /** Redis 7 {@code TYPE key}: {@code string}, or {@code none} when missing. */
  static void type(RespSession s, byte[][] args) {
    s.reply(s.store().exists(Key.of(args[1])), (r, exists) -> r.simple(exists ? "string" : "none"));
  }

  /**
   * Redis 7.0 {@code expireGenericCommand} for {@code EXPIRE}, {@code PEXPIRE}, {@code EXPIREAT}
   * and {@code PEXPIREAT key time [NX|XX|GT|LT]}: options are checked before the number; 1 when
   * the timeout was set, 0 when the key does not exist or the condition failed; a time in the past
   * deletes the key (and answers 1).
   *
   * @param unitMillis 1000 for seconds, 1 for milliseconds
   * @param absolute {@code true} for a Unix time, {@code false} for a time relative to now
   * @param command the name used in {@code ERR invalid expire time in '<command>' command}
   */
  static void expire(RespSession s, byte[][] args, long unitMillis, boolean absolute,
      String command) {
    ExpireCondition condition = expireCondition(args, 3);
    long when = Args.toLong(args[2]);
    if (when > Long.MAX_VALUE / unitMillis || when < Long.MIN_VALUE / unitMillis) {
      throw Args.invalidExpireTime(command);
    }
    when *= unitMillis;
    long base = absolute ? 0 : s.now();
    if (when > Long.MAX_VALUE - base) {
      throw Args.invalidExpireTime(command);
    }
    // The store reads 0 as "no expiry"; any time at or before now deletes the key.
    long expiresAt = Math.max(1, when + base);
    s.reply(s.store().expire(Key.of(args[1]), expiresAt, condition),
        (r, changed) -> r.integer(changed ? 1 : 0));
  }

  /** Redis 7.0 {@code parseExtendedExpireArgumentsOrReply}: NX, XX, GT, LT and their conflicts. */
  static ExpireCondition expireCondition(byte[][] args, int from) {
    boolean nx = false;
    boolean xx = false;
    boolean gt = false;
    boolean lt = false;
    for (int i = from; i < args.length; i++) {
      if (Args.is(args[i], "NX")) {
        nx = true;
      } else if (Args.is(args[i], "XX")) {
        xx = true;
      } else if (Args.is(args[i], "GT")) {
        gt = true;
      } else if (Args.is(args[i], "LT")) {
        lt = true;
      } else {
        throw new RespException("ERR Unsupported option " + Args.text(args[i]));
      }
    }
    if (nx && (xx || gt || lt)) {
      throw new RespException("ERR NX and XX, GT or LT options at the same time are not compatible");
    }
    if (gt && lt) {
      throw new RespException("ERR GT and LT options at the same time are not compatible");
    }
    if (nx) {
      return ExpireCondition.IF_NONE;
    } else if (gt) {
      return ExpireCondition.GREATER;
    } else if (lt) {
      return xx ? ExpireCondition.IF_SET_AND_LESS : ExpireCondition.LESS;
    }
    return xx ? ExpireCondition.IF_SET : ExpireCondition.ALWAYS;
  }

  /**
   * Redis 7.0 {@code ttlGenericCommand} for {@code TTL}, {@code PTTL}, {@code EXPIRETIME} and
   * {@code PEXPIRETIME}: -2 when missing, -1 without expiry, else the remaining time or the
   * absolute Unix time; seconds are rounded ({@code (ms + 500) / 1000}).
   */
  static void ttl(RespSession s, byte[][] args, boolean millis, boolean absolute) {
    Key key = Key.of(args[1]);
    CompletionStage<Long> stage = absolute
        ? s.store().get(key).thenApply(e -> e == null ? CacheStore.TTL_ABSENT
            : e.hasExpiry() ? e.expiresAt() : CacheStore.TTL_NONE)
        : s.store().ttl(key);
    s.reply(stage, (r, ms) -> {
      if (ms == CacheStore.TTL_ABSENT || ms == CacheStore.TTL_NONE || millis) {
        r.integer(ms);
      } else {
        r.integer((ms + 500) / 1000);
      }
    });
  }

  /** Redis 7 {@code PERSIST key}: 1 when an expiry was removed, else 0. */
  static void persist(RespSession s, byte[][] args) {
    s.reply(s.store().expire(Key.of(args[1]), Entry.NO_EXPIRY, ExpireCondition.IF_SET),
        (r, changed) -> r.integer(changed ? 1 : 0));
  }

  /**
   * Redis 7.0 {@code RENAME key newkey} (OK) and {@code RENAMENX} (1, or 0 when the target
   * exists); a missing source is {@code ERR no such key}, also when both names are the same.
   */
  static void rename(RespSession s, byte[][] args, boolean nx) {
    Key from = Key.of(args[1]);
    Key to = Key.of(args[2]);
    s.reply(s.exclusive(List.of(from, to), () -> s.store().rename(from, to, nx)), (r, outcome) -> {
      if (outcome == Outcome.NOT_FOUND) {
        r.error("ERR no such key");
      } else if (nx) {
        r.integer(outcome == Outcome.STORED ? 1 : 0);
      } else {
        r.ok();
      }
    });
  }

  /**
   * Redis 7.0 {@code COPY source destination [DB db] [REPLACE]}: 1 when copied, 0 when the source
   * is missing or the target exists without REPLACE. Options first ({@code DB} must be an
   * integer; only database 0 exists here), then the same-key check ({@code ERR source and
   * destination objects are the same}).
   */
  static void copy(RespSession s, byte[][] args) {
    boolean replace = false;
    for (int j = 3; j < args.length; j++) {
      boolean more = j + 1 < args.length;
      if (Args.is(args[j], "REPLACE")) {
        replace = true;
      } else if (Args.is(args[j], "DB") && more) {
        long db = Args.toLong(args[++j]);
        if (db < Integer.MIN_VALUE || db > Integer.MAX_VALUE) {
          // Redis 7.0 getIntFromObjectOrReply, its wording kept.
          throw new RespException("ERR value is out of range, value must between -2147483648 and"
              + " 2147483647");
        }
        if (db != 0) {
          throw new RespException("ERR DB index is out of range");
        }
      } else {
        throw RespException.SYNTAX;
      }
    }
    Key from = Key.of(args[1]);
    Key to = Key.of(args[2]);
    if (from.equals(to)) {
      throw new RespException("ERR source and destination objects are the same");
    }
    boolean overwrite = replace;
    s.reply(s.exclusive(List.of(from, to), () -> s.store().copy(from, to, overwrite)),
        (r, outcome) -> r.integer(outcome == Outcome.STORED ? 1 : 0));
  }

  /**
   * Redis 7 {@code KEYS pattern}: every live key matching the glob pattern, once each, in no
   * order; a lone {@code *} is every key (the empty key too, which {@code stringmatchlen} alone
   * would refuse). Built on the store's scan, which may return a key twice (one that moves between
   * tiers meanwhile), so the keys are collected in a set.
   */
  static void keys(RespSession s, byte[][] args) {
    GlobPattern pattern = matchAll(args[1]) ? null : GlobPattern.compile(args[1]);
    CompletableFuture<Set<Key>> result = new CompletableFuture<>();
    collect(s.store(), 0, pattern, new LinkedHashSet<>(), result);
    s.reply(result, (r, keys) -> {
      r.array(keys.size());
      for (Key k : keys) {
        r.bulk(k.bytes());
      }
    });
  }

  /**
   * Walks the store's scan pages from {@code cursor} to the end, inline while pages complete at
   * once and from the completing thread otherwise, adding the keys matching {@code pattern}
   * ({@code null}: all) to {@code out}.
   */
  private static void collect(CacheStore store, long cursor, GlobPattern pattern, Set<Key> out,
      CompletableFuture<Set<Key>> result) {
    for (;;) {
      CompletableFuture<ScanPage> page = store.scan(cursor, KEYS_PAGE).toCompletableFuture();
      if (!page.isDone()) {
        page.whenComplete((p, t) -> {
          if (t != null) {
            result.completeExceptionally(t);
          } else if (addMatches(p, pattern, out)) {
            result.complete(out);
          } else {
            collect(store, p.cursor(), pattern, out, result);
          }
        });
        return;
      }
      ScanPage p;
      try {
        p = page.join();
      } catch (RuntimeException e) {
        result.completeExceptionally(e.getCause() == null ? e : e.getCause());
        return;
      }
      if (addMatches(p, pattern, out)) {
        result.complete(out);
        return;
      }
      cursor = p.cursor();
    }
  }

  /** Adds the page's matching keys; returns whether the page was the last one. */
  private static boolean addMatches(ScanPage page, GlobPattern pattern, Set<Key> out) {
    for (Key k : page.keys()) {
      if (pattern == null || pattern.matches(k.bytes())) {
        out.add(k);
      }
    }
    return page.cursor() == 0;
  }

  /**
   * Redis 7.0 {@code SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]}: the cursor is an
   * unsigned decimal as C {@code strtoul} reads it ({@code ERR invalid cursor} otherwise), COUNT
   * must be a positive integer ({@code ERR syntax error} below 1), TYPE compares without case
   * against {@code string}, the only type here. Replies the next cursor and the page's keys.
   */
  static void scan(RespSession s, byte[][] args) {
    long cursor = parseCursor(args[1]);
    long count = SCAN_DEFAULT_COUNT;
    GlobPattern pattern = null;
    boolean typeMatches = true;
    for (int i = 2; i < args.length; i += 2) {
      boolean more = i + 1 < args.length;
      if (Args.is(args[i], "COUNT") && more) {
        count = Args.toLong(args[i + 1]);
        if (count < 1) {
          throw RespException.SYNTAX;
        }
      } else if (Args.is(args[i], "MATCH") && more) {
        byte[] p = args[i + 1];
        pattern = matchAll(p) ? null : GlobPattern.compile(p);
      } else if (Args.is(args[i], "TYPE") && more) {
        typeMatches = Args.is(args[i + 1], "STRING");
      } else {
        throw RespException.SYNTAX;
      }
    }
    GlobPattern match = pattern;
    boolean all = typeMatches;
    s.reply(s.store().scan(cursor, (int) Math.min(count, Integer.MAX_VALUE)), (r, page) -> {
      r.array(2);
      r.bulk(Long.toUnsignedString(page.cursor()));
      int n = 0;
      if (all) {
        for (Key k : page.keys()) {
          n += match == null || match.matches(k.bytes()) ? 1 : 0;
        }
      }
      r.array(n);
      if (n > 0) {
        for (Key k : page.keys()) {
          if (match == null || match.matches(k.bytes())) {
            r.bulk(k.bytes());
          }
        }
      }
    });
  }

  private static boolean matchAll(byte[] pattern) {
    return pattern.length == 1 && pattern[0] == '*';
  }

  /**
   * Reads a SCAN cursor as Redis 7.0 {@code parseScanCursorOrReply}: C {@code strtoul} base 10
   * (optional sign, a minus negating modulo 2^64, leading zeros allowed, an empty string is 0)
   * with no leading space, no trailing bytes and no overflow.
   *
   * @return the cursor as the bits of an unsigned 64-bit value
   * @throws RespException {@code ERR invalid cursor}
   */
  static long parseCursor(byte[] b) {
    int n = b.length;
    if (n == 0) {
      return 0;
    }
    int i = 0;
    boolean negative = false;
    if (b[0] == '+' || b[0] == '-') {
      negative = b[0] == '-';
      i = 1;
    }
    if (i == n) {
      throw invalidCursor();
    }
    long v = 0;
    for (; i < n; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        throw invalidCursor();
      }
      if (Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, 10)) > 0) {
        throw invalidCursor();
      }
      v = v * 10 + d;
    }
    return negative ? -v : v;
  }

  private static RespException invalidCursor() {
    return new RespException("ERR invalid cursor");
  }

  /** Redis 7 {@code RANDOMKEY}: a random key, or null when the keyspace is empty. */
  static void randomkey(RespSession s, byte[][] args) {
    s.reply(s.store().randomKey(), (r, key) -> r.bulk(key == null ? null : key.bytes()));
  }

  /**
   * Redis 7.0 {@code FLUSHDB}/{@code FLUSHALL [ASYNC|SYNC]} ({@code getFlushCommandFlags}): both
   * empty the whole store (one database); any other argument is a syntax error.
   */
  static void flush(RespSession s, byte[][] args) {
    if (args.length > 2 || (args.length == 2 && !Args.is(args[1], "SYNC")
        && !Args.is(args[1], "ASYNC"))) {
      throw RespException.SYNTAX;
    }
    s.reply(s.store().flush(), (r, ignored) -> r.ok());
  }
}
