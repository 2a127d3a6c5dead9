package io.sidecache.resp;

import io.sidecache.protocol.Stages;
import io.sidecache.store.CacheStore;
import io.sidecache.store.ExpireCondition;
import io.sidecache.store.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** Generic key commands, with Redis 7.0 semantics and error texts (db.c, expire.c). */
final class KeyCommands {
  private KeyCommands() {}

  static List<RespCommand> commands() {
    return List.of(
        RespCommand.named("del", -2).flags("write").keys(1, -1, 1)
            .acl("@keyspace", "@write", "@slow")
            .doc("generic", "1.0.0", "Deletes one or more keys.")
            .body(KeyCommands::del).build(),
        RespCommand.named("exists", -2).flags("readonly", "fast").keys(1, -1, 1)
            .acl("@keyspace", "@read", "@fast")
            .doc("generic", "1.0.0", "Determines whether one or more keys exist.")
            .body(KeyCommands::exists).build(),
        RespCommand.named("expire", -3).flags("write", "fast").keys(1, 1, 1)
            .acl("@keyspace", "@write", "@fast")
            .doc("generic", "1.0.0", "Sets the expiration time of a key in seconds.")
            .body(KeyCommands::expire).build(),
        RespCommand.named("ttl", 2).flags("readonly", "fast").keys(1, 1, 1)
            .acl("@keyspace", "@read", "@fast")
            .doc("generic", "1.0.0", "Returns the expiration time in seconds of a key.")
            .body(KeyCommands::ttl).build());
  }

  /** Redis 7 {@code DEL key [key ...]}: the number of keys removed. */
  static void del(RespSession s, byte[][] args) {
    countTrue(s, args, s.store()::delete);
  }

  /** Redis 7 {@code EXISTS key [key ...]}: the number of existing keys, repeats counted. */
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

  /**
   * Redis 7.0 {@code EXPIRE key seconds [NX|XX|GT|LT]}: 1 when the timeout was set, 0 when the key
   * does not exist or the condition failed; a time in the past deletes the key. Options are
   * checked before the number, as Redis does.
   */
  static void expire(RespSession s, byte[][] args) {
    ExpireCondition condition = expireCondition(args, 3);
    long seconds = Args.toLong(args[2]);
    if (seconds > Long.MAX_VALUE / 1000 || seconds < Long.MIN_VALUE / 1000) {
      throw Args.invalidExpireTime("expire");
    }
    long now = s.now();
    long ms = seconds * 1000;
    if (ms > Long.MAX_VALUE - now) {
      throw Args.invalidExpireTime("expire");
    }
    // The store reads 0 as "no expiry"; any time at or before now deletes the key.
    long expiresAt = Math.max(1, now + ms);
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

  /** Redis 7 {@code TTL key}: seconds left (rounded), -1 without expiry, -2 when missing. */
  static void ttl(RespSession s, byte[][] args) {
    s.reply(s.store().ttl(Key.of(args[1])), (r, ms) -> {
      if (ms == CacheStore.TTL_ABSENT || ms == CacheStore.TTL_NONE) {
        r.integer(ms);
      } else {
        r.integer((ms + 500) / 1000);
      }
    });
  }
}
