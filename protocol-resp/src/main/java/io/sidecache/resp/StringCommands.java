package io.sidecache.resp;

import io.sidecache.protocol.Stages;
import io.sidecache.store.CacheStore;
import io.sidecache.store.ConcatOptions;
import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import io.sidecache.store.SetOptions;
import io.sidecache.store.SetResult;
import io.sidecache.store.ValueStreams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * String commands, with Redis 7.0 semantics and error texts (t_string.c). Bodies run on the
 * connection's event loop and never block; multi-key commands ({@code MGET}, {@code MSET}, {@code
 * MSETNX}) are not atomic across keys (see docs/protocol-resp.md).
 */
final class StringCommands {
  private static final byte[] EMPTY = new byte[0];

  /** Expiry option units of {@code SET}/{@code GETEX}, as Redis's OBJ_EX/PX/EXAT/PXAT flags. */
  static final int EX = 1;
  static final int PX = 2;
  static final int EXAT = 3;
  static final int PXAT = 4;

  private StringCommands() {}

  static List<RespCommand> commands() {
    return List.of(
        RespCommand.named("get", 2).flags("readonly", "fast")
            .acl("@read", "@string", "@fast")
            .key(KeySpec.range(1, 0, 1, "RO", "access"))
            .doc("string", "1.0.0", "Returns the string value of a key.")
            .body(StringCommands::get).build(),
        RespCommand.named("set", -3).flags("write", "denyoom")
            .acl("@write", "@string", "@slow")
            .key(KeySpec.range(1, 0, 1, "RW", "access", "update", "variable_flags")
                .notes("RW and ACCESS due to the optional `GET` argument"))
            .doc("string", "1.0.0",
                "Sets the string value of a key, ignoring its type. The key is created if it"
                    + " doesn't exist.")
            .body(StringCommands::set).build(),
        RespCommand.named("setnx", 3).flags("write", "denyoom", "fast")
            .acl("@write", "@string", "@fast")
            .key(KeySpec.range(1, 0, 1, "OW", "insert"))
            .doc("string", "1.0.0", "Set the string value of a key only when the key doesn't exist.")
            .body(StringCommands::setnx).build(),
        RespCommand.named("setex", 4).flags("write", "denyoom")
            .acl("@write", "@string", "@slow")
            .key(KeySpec.range(1, 0, 1, "OW", "update"))
            .doc("string", "2.0.0",
                "Sets the string value and expiration time of a key. Creates the key if it doesn't"
                    + " exist.")
            .body((s, a) -> setWithExpiry(s, a, EX, "setex")).build(),
        RespCommand.named("psetex", 4).flags("write", "denyoom")
            .acl("@write", "@string", "@slow")
            .key(KeySpec.range(1, 0, 1, "OW", "update"))
            .doc("string", "2.6.0",
                "Sets both string value and expiration time in milliseconds of a key. The key is"
                    + " created if it doesn't exist.")
            .body((s, a) -> setWithExpiry(s, a, PX, "psetex")).build(),
        RespCommand.named("getset", 3).flags("write", "denyoom", "fast")
            .acl("@write", "@string", "@fast")
            .key(KeySpec.range(1, 0, 1, "RW", "access", "update"))
            .doc("string", "1.0.0", "Returns the previous string value of a key after setting it to"
                + " a new value.")
            .body(StringCommands::getset).build(),
        RespCommand.named("getdel", 2).flags("write", "fast")
            .acl("@write", "@string", "@fast")
            .key(KeySpec.range(1, 0, 1, "RW", "access", "delete"))
            .doc("string", "6.2.0", "Returns the string value of a key after deleting the key.")
            .body(StringCommands::getdel).build(),
        RespCommand.named("getex", -2).flags("write", "fast")
            .acl("@write", "@string", "@fast")
            .key(KeySpec.range(1, 0, 1, "RW", "access", "update")
                .notes("RW and UPDATE because it changes the TTL"))
            .doc("string", "6.2.0",
                "Returns the string value of a key after setting its expiration time.")
            .body(StringCommands::getex).build(),
        RespCommand.named("mget", -2).flags("readonly", "fast")
            .acl("@read", "@string", "@fast")
            .tips("request_policy:multi_shard")
            .key(KeySpec.range(1, -1, 1, "RO", "access"))
            .doc("string", "1.0.0", "Atomically returns the string values of one or more keys.")
            .body(StringCommands::mget).build(),
        RespCommand.named("mset", -3).flags("write", "denyoom")
            .acl("@write", "@string", "@slow")
            .tips("request_policy:multi_shard", "response_policy:all_succeeded")
            .key(KeySpec.range(1, -1, 2, "OW", "update"))
            .doc("string", "1.0.1", "Atomically creates or modifies the string values of one or"
                + " more keys.")
            .body(StringCommands::mset).build(),
        RespCommand.named("msetnx", -3).flags("write", "denyoom")
            .acl("@write", "@string", "@slow")
            .tips("request_policy:multi_shard", "response_policy:agg_min")
            .key(KeySpec.range(1, -1, 2, "OW", "insert"))
            .doc("string", "1.0.1", "Atomically modifies the string values of one or more keys only"
                + " when all keys don't exist.")
            .body(StringCommands::msetnx).build(),
        RespCommand.named("append", 3).flags("write", "denyoom", "fast")
            .acl("@write", "@string", "@fast")
            .key(KeySpec.range(1, 0, 1, "RW", "insert"))
            .doc("string", "2.0.0",
                "Appends a string to the value of a key. Creates the key if it doesn't exist.")
            .body(StringCommands::append).build(),
        RespCommand.named("strlen", 2).flags("readonly", "fast")
            .acl("@read", "@string", "@fast")
            .key(KeySpec.range(1, 0, 1, "RO"))
            .doc("string", "2.2.0", "Returns the length of a string value.")
            .body(StringCommands::strlen).build(),
        RespCommand.named("getrange", 4).flags("readonly")
            .acl("@read", "@string", "@slow")
            .key(KeySpec.range(1, 0, 1, "RO", "access"))
            .doc("string", "2.4.0", "Returns a substring of the string stored at a key.")
            .body(StringCommands::getrange).build(),
        RespCommand.named("substr", 4).flags("readonly")
            .acl("@read", "@string", "@slow")
            .key(KeySpec.range(1, 0, 1, "RO", "access"))
            .doc("string", "1.0.0", "Returns a substring from a string value.")
            .body(StringCommands::getrange).build(),
        RespCommand.named("setrange", 4).flags("write", "denyoom")
            .acl("@write", "@string", "@slow")
            .key(KeySpec.range(1, 0, 1, "RW", "update"))
            .doc("string", "2.2.0", "Overwrites a part of a string value with another by an offset."
                + " Creates the key if it doesn't exist.")
            .body(StringCommands::setrange).build(),
        RespCommand.named("incr", 2).flags("write", "denyoom", "fast")
            .acl("@write", "@string", "@fast")
            .key(KeySpec.range(1, 0, 1, "RW", "access", "update"))
            .doc("string", "1.0.0",
                "Increments the integer value of a key by one. Uses 0 as initial value if the key"
                    + " doesn't exist.")
            .body((s, a) -> incrementBy(s, a, 1)).build(),
        RespCommand.named("decr", 2).flags("write", "denyoom", "fast")
            .acl("@write", "@string", "@fast")
            .key(KeySpec.range(1, 0, 1, "RW", "access", "update"))
            .doc("string", "1.0.0",
                "Decrements the integer value of a key by one. Uses 0 as initial value if the key"
                    + " doesn't exist.")
            .body((s, a) -> incrementBy(s, a, -1)).build(),
        RespCommand.named("incrby", 3).flags("write", "denyoom", "fast")
            .acl("@write", "@string", "@fast")
            .key(KeySpec.range(1, 0, 1, "RW", "access", "update"))
            .doc("string", "1.0.0",
                "Increments the integer value of a key by a number. Uses 0 as initial value if the"
                    + " key doesn't exist.")
            .body((s, a) -> incrementBy(s, a, Args.toLong(a[2]))).build(),
        RespCommand.named("decrby", 3).flags("write", "denyoom", "fast")
            .acl("@write", "@string", "@fast")
            .key(KeySpec.range(1, 0, 1, "RW", "access", "update"))
            .doc("string", "1.0.0",
                "Decrements a number from the integer value of a key. Uses 0 as initial value if"
                    + " the key doesn't exist.")
            .body(StringCommands::decrby).build(),
        RespCommand.named("incrbyfloat", 3).flags("write", "denyoom", "fast")
            .acl("@write", "@string", "@fast")
            .key(KeySpec.range(1, 0, 1, "RW", "access", "update"))
            .doc("string", "2.6.0",
                "Increment the floating point value of a key by a number. Uses 0 as initial value"
                    + " if the key doesn't exist.")
            .body(StringCommands::incrbyfloat).build(),
        RespCommand.named("lcs", -3).flags("readonly")
            .acl("@read", "@string", "@slow")
            .key(KeySpec.range(1, 1, 1, "RO", "access"))
            .doc("string", "7.0.0", "Finds the longest common substring.")
            .body(StringCommands::lcs).build());
  }

  /** Redis 7 {@code GET key}: bulk string or null. */
  static void get(RespSession s, byte[][] args) {
    Key key = Key.of(args[1]);
    s.replyValue(key, s.store().get(key), e -> s.countLookup(e != null));
  }

  /**
   * The options of {@code SET} and {@code GETEX}, parsed as Redis 7.0 {@code
   * parseExtendedStringArgumentsOrReply}: each option may repeat, conflicting ones are a syntax
   * error, an expiry option takes the next argument (the last one given wins).
   */
  static final class StringOptions {
    boolean nx;
    boolean xx;
    boolean get;
    boolean keepTtl;
    boolean persist;
    int unit;
    byte[] expire;

    /**
     * Parses {@code args[from..]}.
     *
     * @param set {@code true} for {@code SET} (NX, XX, GET, KEEPTTL), {@code false} for {@code
     *     GETEX} (PERSIST)
     * @throws RespException {@code ERR syntax error}
     */
    static StringOptions parse(byte[][] args, int from, boolean set) {
      StringOptions o = new StringOptions();
      for (int i = from; i < args.length; i++) {
        byte[] opt = args[i];
        boolean hasNext = i + 1 < args.length;
        int unit;
        if (set && Args.is(opt, "NX") && !o.xx) {
          o.nx = true;
        } else if (set && Args.is(opt, "XX") && !o.nx) {
          o.xx = true;
        } else if (set && Args.is(opt, "GET")) {
          o.get = true;
        } else if (set && Args.is(opt, "KEEPTTL") && o.unit == 0) {
          o.keepTtl = true;
        } else if (!set && Args.is(opt, "PERSIST") && o.unit == 0) {
          o.persist = true;
        } else if (hasNext && !o.keepTtl && !o.persist && (unit = expiryUnit(opt)) != 0
            && (o.unit == 0 || o.unit == unit)) {
          o.unit = unit;
          o.expire = args[++i];
        } else {
          throw RespException.SYNTAX;
        }
      }
      return o;
    }
  }

  private static int expiryUnit(byte[] opt) {
    if (Args.is(opt, "EX")) {
      return EX;
    } else if (Args.is(opt, "PX")) {
      return PX;
    } else if (Args.is(opt, "EXAT")) {
      return EXAT;
    } else if (Args.is(opt, "PXAT")) {
      return PXAT;
    }
    return 0;
  }

  /**
   * Redis 7.0 {@code SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ts-ms|KEEPTTL]}: options
   * are checked for syntax first, then the expire value (not an integer, then &lt;= 0 or overflow
   * is "invalid expire time"). Replies OK or null, or with GET the old value.
   */
  static void set(RespSession s, byte[][] args) {
    if (args.length == 3) {
      s.reply(s.store().set(Key.of(args[1]), args[2], SetOptions.DEFAULT), (r, result) -> r.ok());
      return;
    }
    SetOptions options = setOptions(s, args);
    Key key = Key.of(args[1]);
    replySet(s, key, s.store().set(key, args[2], options), options.returnPrevious());
  }

  /**
   * Parses the options of {@code SET key value [options]} (arguments from index 3).
   *
   * @throws RespException on a syntax error or a bad expiry, with Redis 7's text
   */
  static SetOptions setOptions(RespSession s, byte[][] args) {
    StringOptions o = StringOptions.parse(args, 3, true);
    SetOptions.Builder options = SetOptions.builder();
    if (o.nx) {
      options.ifAbsent();
    } else if (o.xx) {
      options.ifPresent();
    }
    if (o.get) {
      options.returnPrevious();
    }
    if (o.keepTtl) {
      options.keepTtl();
    } else if (o.unit != 0) {
      options.expiresAt(expiresAt(s.now(), o.expire, o.unit, "set"));
    }
    return options.build();
  }

  /**
   * Replies to a {@code SET} (in heap, or the commit of a streamed value): OK, or null when
   * refused; with GET, the previous value.
   *
   * @param s the session
   * @param key the key written
   * @param written the write's stage
   * @param get whether the GET option was given
   */
  static void replySet(RespSession s, Key key, CompletionStage<SetResult> written, boolean get) {
    if (get) {
      s.replyValue(key, written.thenApply(SetResult::previous), e -> { });
      return;
    }
    s.reply(written, (r, result) -> {
      if (result.stored()) {
        r.ok();
      } else {
        r.nullBulk();
      }
    });
  }

  /** Redis 7 {@code SETNX key value}: 1 when set, 0 when the key exists. */
  static void setnx(RespSession s, byte[][] args) {
    s.reply(s.store().set(Key.of(args[1]), args[2], SetOptions.builder().ifAbsent().build()),
        (r, result) -> r.integer(result.stored() ? 1 : 0));
  }

  /**
   * Redis 7.0 {@code SETEX key seconds value} and {@code PSETEX key milliseconds value}: the time
   * must be a positive integer ({@code ERR invalid expire time in 'setex' command}).
   */
  static void setWithExpiry(RespSession s, byte[][] args, int unit, String command) {
    long expiresAt = expiresAt(s.now(), args[2], unit, command);
    s.reply(s.store().set(Key.of(args[1]), args[3],
        SetOptions.builder().expiresAt(expiresAt).build()), (r, result) -> r.ok());
  }

  /**
   * Redis 7.0 {@code getExpireMillisecondsOrReply}: the absolute expiry in milliseconds for an
   * EX/PX/EXAT/PXAT argument; never {@link Entry#NO_EXPIRY}.
   *
   * @throws RespException not an integer, or {@code ERR invalid expire time in '<command>'
   *     command} when not positive or when it overflows
   */
  static long expiresAt(long now, byte[] arg, int unit, String command) {
    long v = Args.toLong(arg);
    boolean seconds = unit == EX || unit == EXAT;
    if (v <= 0 || (seconds && v > Long.MAX_VALUE / 1000)) {
      throw Args.invalidExpireTime(command);
    }
    long ms = seconds ? v * 1000 : v;
    if (unit == EX || unit == PX) {
      if (ms > Long.MAX_VALUE - now) {
        throw Args.invalidExpireTime(command);
      }
      ms += now;
    }
    return ms;
  }

  /** Redis 7 {@code GETSET key value}: the old value or null; the new value has no expiry. */
  static void getset(RespSession s, byte[][] args) {
    Key key = Key.of(args[1]);
    s.replyValue(key, s.store().set(key, args[2], SetOptions.builder().returnPrevious().build())
        .thenApply(SetResult::previous), e -> { });
  }

  /** Redis 7 {@code GETDEL key}: the value or null; the key is removed. */
  static void getdel(RespSession s, byte[][] args) {
    Key key = Key.of(args[1]);
    s.replyValue(key, s.store().getAndDelete(key), e -> { });
  }

  /**
   * Redis 7.0 {@code GETEX key [EX s|PX ms|EXAT ts|PXAT ts-ms|PERSIST]}: the value or null. As
   * Redis, syntax errors come first, then a missing key answers null before the time is checked;
   * an EXAT/PXAT in the past deletes the key after replying its value.
   */
  static void getex(RespSession s, byte[][] args) {
    StringOptions o = StringOptions.parse(args, 2, false);
    Key key = Key.of(args[1]);
    if (o.unit == 0 && !o.persist) {
      get(s, args);
      return;
    }
    long expiresAt;
    if (o.persist) {
      expiresAt = Entry.NO_EXPIRY;
    } else {
      try {
        expiresAt = expiresAt(s.now(), o.expire, o.unit, "getex");
      } catch (RespException e) {
        s.reply(s.store().exists(key), (r, exists) -> {
          if (exists) {
            r.error(e.getMessage());
          } else {
            r.nullBulk();
          }
        });
        return;
      }
    }
    s.replyValue(key, s.store().getAndTouch(key, expiresAt), e -> { });
  }

  /** An entry's value as one array (empty for a missing key), read from its chunks if chunked. */
  private static CompletionStage<byte[]> inHeap(RespSession s, Key key, Entry e) {
    if (e == null || !e.isChunked()) {
      return CompletableFuture.completedFuture(e == null ? EMPTY : e.value());
    }
    return s.store().read(key, e, 0, -1).thenCompose(r -> r == null
        ? CompletableFuture.completedFuture(EMPTY) : ValueStreams.collect(r));
  }

  /** Redis 7 {@code MGET key [key ...]}: one bulk or null per key. */
  static void mget(RespSession s, byte[][] args) {
    List<CompletionStage<Entry>> stages = new ArrayList<>(args.length - 1);
    List<Key> keys = new ArrayList<>(args.length - 1);
    for (int i = 1; i < args.length; i++) {
      Key key = Key.of(args[i]);
      keys.add(key);
      stages.add(s.store().get(key));
    }
    s.replyValues(keys, Stages.all(stages), true);
  }

  /** Redis 7.0 {@code msetGenericCommand}: an even number of key/value arguments. */
  private static void checkPairs(byte[][] args, String command) {
    if (args.length % 2 == 0) {
      throw new RespException("ERR wrong number of arguments for '" + command + "' command");
    }
  }

  /** Redis 7 {@code MSET key value [key value ...]}: OK; each key loses its expiry. */
  static void mset(RespSession s, byte[][] args) {
    checkPairs(args, "mset");
    s.reply(setAll(s.store(), args), (r, ignored) -> r.ok());
  }

  private static CompletionStage<List<Object>> setAll(CacheStore store, byte[][] args) {
    List<CompletionStage<?>> stages = new ArrayList<>(args.length / 2);
    for (int i = 1; i < args.length; i += 2) {
      stages.add(store.set(Key.of(args[i]), args[i + 1], SetOptions.DEFAULT));
    }
    return Stages.all(stages);
  }

  /**
   * Redis 7 {@code MSETNX key value [key value ...]}: 1 when no key existed and all were set, 0
   * otherwise. The existence checks and the writes run as one exclusive section, so no other
   * client's command comes in between. In a cluster the keys must share an owner ({@code
   * CROSSSLOT}, as Redis Cluster).
   */
  static void msetnx(RespSession s, byte[][] args) {
    checkPairs(args, "msetnx");
    List<Key> keys = new ArrayList<>(args.length / 2);
    for (int i = 1; i < args.length; i += 2) {
      keys.add(Key.of(args[i]));
    }
    if (!s.store().colocated(keys)) {
      throw RespException.CROSSSLOT;
    }
    s.reply(s.exclusive(keys, () -> {
      List<CompletionStage<Boolean>> checks = new ArrayList<>(args.length / 2);
      for (int i = 1; i < args.length; i += 2) {
        checks.add(s.store().exists(Key.of(args[i])));
      }
      return s.onLoop(Stages.all(checks)).thenCompose(exists -> exists.contains(Boolean.TRUE)
          ? java.util.concurrent.CompletableFuture.completedFuture(false)
          : setAll(s.store(), args).thenApply(ignored -> true));
    }), (r, stored) -> r.integer(stored ? 1 : 0));
  }

  /** Redis 7 {@code APPEND key value}: the new length. */
  static void append(RespSession s, byte[][] args) {
    s.reply(s.store().concat(Key.of(args[1]), args[2], ConcatOptions.REDIS_APPEND),
        (r, result) -> r.integer(result.length()));
  }

  /** Redis 7 {@code STRLEN key}: the length in bytes, 0 for a missing key. */
  static void strlen(RespSession s, byte[][] args) {
    s.reply(s.store().get(Key.of(args[1])), (r, e) -> r.integer(e == null ? 0 : e.length()));
  }

  /** Redis 7.0 {@code GETRANGE key start end} and {@code SUBSTR}: empty for a missing key. */
  static void getrange(RespSession s, byte[][] args) {
    long start = Args.toLong(args[2]);
    long end = Args.toLong(args[3]);
    s.replyRange(Key.of(args[1]), start, end);
  }

  /**
   * Redis 7.0 {@code SETRANGE key offset value}: the new length. A negative offset is {@code ERR
   * offset is out of range}; writing nothing is never too long; otherwise {@code offset +
   * length} above {@code proto-max-bulk-len} is {@code ERR string exceeds maximum allowed size
   * (proto-max-bulk-len)}.
   */
  static void setrange(RespSession s, byte[][] args) {
    long offset = Args.toLong(args[2]);
    if (offset < 0) {
      throw new RespException("ERR offset is out of range");
    }
    byte[] value = args[3];
    if (value.length > 0 && offset > s.limits().maxBulkLength() - value.length) {
      throw tooLong();
    }
    s.reply(s.store().setRange(Key.of(args[1]), offset, value), RespReply::integer);
  }

  private static RespException tooLong() {
    return new RespException("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  }

  private static void incrementBy(RespSession s, byte[][] args, long delta) {
    s.reply(s.store().incrementBy(Key.of(args[1]), delta), RespReply::integer);
  }

  /** Redis 7.0 {@code DECRBY key decrement}: negating the minimum long is its own error. */
  static void decrby(RespSession s, byte[][] args) {
    long delta = Args.toLong(args[2]);
    if (delta == Long.MIN_VALUE) {
      throw new RespException("ERR decrement would overflow");
    }
    incrementBy(s, args, -delta);
  }

  /** Redis 7.0 {@code INCRBYFLOAT key increment}: the new value as a bulk string. */
  static void incrbyfloat(RespSession s, byte[][] args) {
    s.reply(s.store().incrementByFloat(Key.of(args[1]), args[2]), RespReply::bulk);
  }

  /**
   * Redis 7.0 {@code LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]} (t_string.c
   * {@code lcsCommand}): missing keys are empty strings; the dynamic-programming table must fit
   * in {@code proto-max-bulk-len} bytes (4 bytes per cell), as Redis checks.
   */
  static void lcs(RespSession s, byte[][] args) {
    Lcs lcs = Lcs.parse(args);
    CompletionStage<Entry> a = s.store().get(Key.of(args[1]));
    CompletionStage<Entry> b = s.store().get(Key.of(args[2]));
    long maxTable = s.limits().maxBulkLength();
    Key[] keys = {Key.of(args[1]), Key.of(args[2])};
    s.reply(a.thenCombine(b, (x, y) -> new Entry[] {x, y}).thenCompose(both -> {
      long x = both[0] == null ? 0 : both[0].length();
      long y = both[1] == null ? 0 : both[1].length();
      if ((x + 1) * (y + 1) * Integer.BYTES > maxTable) {
        return CompletableFuture.completedFuture((byte[][]) null);
      }
      // The table bounds the values: what fits it may be read into heap.
      return inHeap(s, keys[0], both[0]).thenCombine(inHeap(s, keys[1], both[1]),
          (vx, vy) -> new byte[][] {vx, vy});
    }), (r, both) -> {
      if (both == null) {
        r.error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
      } else {
        lcs.reply(r, both[0], both[1]);
      }
    });
  }
}
