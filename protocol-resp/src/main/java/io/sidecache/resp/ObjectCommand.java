package io.sidecache.resp;

import io.sidecache.store.CacheStore;
import io.sidecache.store.Entry;
import io.sidecache.store.FetchOptions;
import io.sidecache.store.Key;
import io.sidecache.store.Numbers;

/**
 * Redis 7.0 {@code OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT|HELP} (object.c {@code objectCommand})
 * for the one type Sidecache stores, strings. Encoding and refcount are derived from the value
 * alone, as Redis encodes a value written by {@code SET} ({@code tryObjectEncoding}); see
 * docs/protocol-resp.md for where Redis's answer depends on the value's history instead. Idle
 * time is the entry's last-access time (kept to the second, the state memcached's {@code mg l}
 * reads too). Stateless.
 */
final class ObjectCommand {
  /** Redis {@code OBJ_ENCODING_EMBSTR_SIZE_LIMIT}. */
  static final int EMBSTR_SIZE_LIMIT = 44;

  /** Redis {@code OBJ_SHARED_INTEGERS}: integers below it are shared objects. */
  static final long SHARED_INTEGERS = 10000;

  /** Redis {@code OBJ_SHARED_REFCOUNT}, the refcount reported for a shared object. */
  static final long SHARED_REFCOUNT = Integer.MAX_VALUE;

  private static final String[] HELP = {
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
  };

  private ObjectCommand() {}

  static RespCommand command() {
    return RespCommand.named("object", -2).acl("@slow")
        .doc("generic", "2.2.3", "A container for object introspection commands.")
        .subcommand(RespCommand.named("encoding", 3).flags("readonly")
            .acl("@keyspace", "@read", "@slow")
            .tips("nondeterministic_output")
            .key(KeySpec.range(2, 0, 1, "RO"))
            .doc("generic", "2.2.3", "Returns the internal encoding of a Redis object.")
            .body(ObjectCommand::encoding))
        .subcommand(RespCommand.named("freq", 3).flags("readonly")
            .acl("@keyspace", "@read", "@slow")
            .tips("nondeterministic_output")
            .key(KeySpec.range(2, 0, 1, "RO"))
            .doc("generic", "4.0.0", "Returns the logarithmic access frequency counter of a Redis"
                + " object.")
            .body(ObjectCommand::freq))
        .subcommand(RespCommand.named("idletime", 3).flags("readonly")
            .acl("@keyspace", "@read", "@slow")
            .tips("nondeterministic_output")
            .key(KeySpec.range(2, 0, 1, "RO"))
            .doc("generic", "2.2.3", "Returns the time since the last access to a Redis object.")
            .body(ObjectCommand::idletime))
        .subcommand(RespCommand.named("refcount", 3).flags("readonly")
            .acl("@keyspace", "@read", "@slow")
            .tips("nondeterministic_output")
            .key(KeySpec.range(2, 0, 1, "RO"))
            .doc("generic", "2.2.3", "Returns the reference count of a value of a key.")
            .body(ObjectCommand::refcount))
        .subcommand(RespCommand.named("help", 2).flags("loading", "stale")
            .acl("@keyspace", "@slow")
            .doc("generic", "6.2.0", "Returns helpful text about the different subcommands.")
            .body(ObjectCommand::help))
        .build();
  }

  /**
   * Redis 7.0 {@code tryObjectEncoding} for a string: {@code int} when it is a Redis integer of at
   * most 20 bytes, {@code embstr} up to 44 bytes, {@code raw} beyond.
   *
   * @param value the value bytes
   */
  static String encodingOf(byte[] value) {
    if (integerValue(value) != null) {
      return "int";
    }
    return value.length <= EMBSTR_SIZE_LIMIT ? "embstr" : "raw";
  }

  private static Long integerValue(byte[] value) {
    if (value.length > 20) {
      return null;
    }
    try {
      return Numbers.parseRedisLong(value);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Redis 7 {@code OBJECT ENCODING key}: the encoding, or null when missing. */
  static void encoding(RespSession s, byte[][] args) {
    s.reply(s.store().get(Key.of(args[2])), (r, e) -> {
      if (e == null) {
        r.nullBulk();
      } else {
        // A chunked value is far longer than 44 bytes: Redis would hold it raw.
        r.bulk(e.isChunked() ? "raw" : encodingOf(e.value()));
      }
    });
  }

  /**
   * Redis 7 {@code OBJECT FREQ key}: null when missing, otherwise the error Redis gives when the
   * maxmemory policy is not LFU, because Sidecache exposes no per-key frequency counter.
   */
  static void freq(RespSession s, byte[][] args) {
    s.reply(s.store().get(Key.of(args[2])), (r, e) -> {
      if (e == null) {
        r.nullBulk();
      } else {
        r.error("ERR An LFU maxmemory policy is not selected, access frequency not tracked."
            + " Please note that when switching between policies at runtime LRU and LFU data will"
            + " take some time to adjust.");
      }
    });
  }


  /**
   * Redis 7 {@code OBJECT IDLETIME key}: the whole seconds since the key was last read or
   * written, without counting this look as an access; null when missing.
   */
  static void idletime(RespSession s, byte[][] args) {
    s.reply(s.store().fetch(Key.of(args[2]), FetchOptions.PEEK), (r, f) -> {
      if (f == null) {
        r.nullBulk();
      } else {
        r.integer(Entry.secondsSinceAccess(f.entry().accessState(), s.now()));
      }
    });
  }

  /**
   * Redis 7 {@code OBJECT REFCOUNT key}: null when missing, {@link #SHARED_REFCOUNT} for an
   * integer in Redis's shared range [0, 10000), otherwise 1.
   */
  static void refcount(RespSession s, byte[][] args) {
    s.reply(s.store().get(Key.of(args[2])), (r, e) -> {
      if (e == null) {
        r.nullBulk();
      } else {
        r.integer(isShared(e) ? SHARED_REFCOUNT : 1);
      }
    });
  }

  private static boolean isShared(Entry e) {
    Long v = e.isChunked() ? null : integerValue(e.value());
    return v != null && v >= 0 && v < SHARED_INTEGERS;
  }

  /** Redis 7 {@code OBJECT HELP}: the help lines as simple strings. */
  static void help(RespSession s, byte[][] args) {
    RespReply r = s.reply();
    r.array(HELP.length);
    for (String line : HELP) {
      r.simple(line);
    }
  }
}
