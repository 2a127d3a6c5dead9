package io.sidecache.resp;

import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import io.sidecache.store.SetOptions;
import java.util.List;

/** String commands, with Redis 7.0 semantics and error texts (t_string.c). */
final class StringCommands {
  private static final byte[] EMPTY = new byte[0];

  private StringCommands() {}

  static List<RespCommand> commands() {
    return List.of(
        RespCommand.named("get", 2).flags("readonly", "fast").keys(1, 1, 1)
            .acl("@read", "@string", "@fast")
            .doc("string", "1.0.0", "Returns the string value of a key.")
            .body(StringCommands::get).build(),
        RespCommand.named("set", -3).flags("write", "denyoom").keys(1, 1, 1)
            .acl("@write", "@string", "@slow")
            .doc("string", "1.0.0",
                "Sets the string value of a key, ignoring its type. The key is created if it"
                    + " doesn't exist.")
            .body(StringCommands::set).build(),
        RespCommand.named("getrange", 4).flags("readonly").keys(1, 1, 1)
            .acl("@read", "@string", "@slow")
            .doc("string", "2.4.0", "Returns a substring of the string stored at a key.")
            .body(StringCommands::getrange).build(),
        RespCommand.named("incr", 2).flags("write", "denyoom", "fast").keys(1, 1, 1)
            .acl("@write", "@string", "@fast")
            .doc("string", "1.0.0",
                "Increments the integer value of a key by one. Uses 0 as initial value if the key"
                    + " doesn't exist.")
            .body(StringCommands::incr).build(),
        RespCommand.named("append", 3).flags("write", "denyoom", "fast").keys(1, 1, 1)
            .acl("@write", "@string", "@fast")
            .doc("string", "2.0.0",
                "Appends a string to the value of a key. Creates the key if it doesn't exist.")
            .body(StringCommands::append).build());
  }

  /** Redis 7 {@code GET key}: bulk string or null. */
  static void get(RespSession s, byte[][] args) {
    s.reply(s.store().get(Key.of(args[1])),
        (r, e) -> {
          s.countLookup(e != null);
          r.bulk(e == null ? null : e.value());
        });
  }

  /**
   * Redis 7.0 {@code SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ts-ms|KEEPTTL]}: options
   * are checked for syntax first, then the expire value (not an integer, then &lt;= 0 or overflow
   * is "invalid expire time"). Replies OK or null, or with GET the old value.
   */
  static void set(RespSession s, byte[][] args) {
    boolean nx = false;
    boolean xx = false;
    boolean get = false;
    boolean keepTtl = false;
    String unit = null;
    byte[] expireArg = null;
    for (int i = 3; i < args.length; i++) {
      byte[] opt = args[i];
      boolean hasNext = i + 1 < args.length;
      if (Args.is(opt, "NX") && !xx) {
        nx = true;
      } else if (Args.is(opt, "XX") && !nx) {
        xx = true;
      } else if (Args.is(opt, "GET")) {
        get = true;
      } else if (Args.is(opt, "KEEPTTL") && unit == null) {
        keepTtl = true;
      } else if (hasNext && !keepTtl && expiryUnit(opt) != null
          && (unit == null || unit.equals(expiryUnit(opt)))) {
        // As Redis 7.0: repeating the same expiry option is accepted, the last one wins.
        unit = expiryUnit(opt);
        expireArg = args[++i];
      } else {
        throw RespException.SYNTAX;
      }
    }
    SetOptions.Builder options = SetOptions.builder();
    if (nx) {
      options.ifAbsent();
    } else if (xx) {
      options.ifPresent();
    }
    if (get) {
      options.returnPrevious();
    }
    if (keepTtl) {
      options.keepTtl();
    } else if (unit != null) {
      options.expiresAt(expiresAt(s.now(), expireArg, unit, "set"));
    }
    boolean replyPrevious = get;
    s.reply(s.store().set(Key.of(args[1]), args[2], options.build()), (r, result) -> {
      if (replyPrevious) {
        Entry previous = result.previous();
        r.bulk(previous == null ? null : previous.value());
      } else if (result.stored()) {
        r.ok();
      } else {
        r.nullBulk();
      }
    });
  }

  private static String expiryUnit(byte[] opt) {
    if (Args.is(opt, "EX")) {
      return "EX";
    } else if (Args.is(opt, "PX")) {
      return "PX";
    } else if (Args.is(opt, "EXAT")) {
      return "EXAT";
    } else if (Args.is(opt, "PXAT")) {
      return "PXAT";
    }
    return null;
  }

  /**
   * Redis 7.0 {@code getExpireMillisecondsOrReply}: the absolute expiry in milliseconds for an
   * EX/PX/EXAT/PXAT argument; never {@link Entry#NO_EXPIRY}.
   */
  static long expiresAt(long now, byte[] arg, String unit, String command) {
    long v = Args.toLong(arg);
    boolean seconds = unit.equals("EX") || unit.equals("EXAT");
    if (v <= 0 || (seconds && v > Long.MAX_VALUE / 1000)) {
      throw Args.invalidExpireTime(command);
    }
    long ms = seconds ? v * 1000 : v;
    if (unit.equals("EX") || unit.equals("PX")) {
      if (ms > Long.MAX_VALUE - now) {
        throw Args.invalidExpireTime(command);
      }
      ms += now;
    }
    return ms;
  }

  /** Redis 7.0 {@code GETRANGE key start end}: an empty string for a missing key. */
  static void getrange(RespSession s, byte[][] args) {
    long start = Args.toLong(args[2]);
    long end = Args.toLong(args[3]);
    s.reply(s.store().getRange(Key.of(args[1]), start, end),
        (r, slice) -> r.bulk(slice == null ? EMPTY : slice.bytes()));
  }

  /** Redis 7 {@code INCR key}. */
  static void incr(RespSession s, byte[][] args) {
    s.reply(s.store().incrementBy(Key.of(args[1]), 1), RespReply::integer);
  }

  /** Redis 7 {@code APPEND key value}: the new length. */
  static void append(RespSession s, byte[][] args) {
    s.reply(s.store().append(Key.of(args[1]), args[2], true), RespReply::integer);
  }
}
