package io.sidecache.resp;

import io.sidecache.protocol.Stages;
import io.sidecache.store.BitField;
import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import io.sidecache.store.SetOptions;
import io.sidecache.store.ValueReader;
import io.sidecache.store.ValueStreams;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Bitmap commands with Redis 7.0 semantics and error texts (bitops.c): {@code SETBIT}, {@code
 * GETBIT}, {@code BITFIELD}, {@code BITFIELD_RO}, {@code BITCOUNT}, {@code BITPOS}, {@code
 * BITOP}. Fields are read and written by one store operation ({@link
 * io.sidecache.store.CacheStore#bitField}), which touches only the chunks of a chunked value that
 * hold them; {@code BITCOUNT} and {@code BITPOS} stream a chunked value's range piece by piece.
 * {@code BITOP} reads its sources whole, so it refuses a source longer than the chunk size
 * (docs/protocol-resp.md). Bodies run on the connection's event loop and never block: a scan of a
 * chunked value visits one chunk per event-loop task, eight bytes at a time.
 */
final class BitCommands {
  private static final RespException BIT_OFFSET =
      new RespException("ERR bit offset is not an integer or out of range");
  private static final RespException BIT_VALUE =
      new RespException("ERR bit is not an integer or out of range");
  private static final RespException BITFIELD_TYPE = new RespException("ERR Invalid bitfield type."
      + " Use something like i16 u8. Note that u64 is not supported but i64 is.");

  private BitCommands() {}

  static List<RespCommand> commands() {
    return List.of(
        RespCommand.named("setbit", 4).flags("write", "denyoom")
            .acl("@write", "@bitmap", "@slow")
            .key(KeySpec.range(1, 0, 1, "RW", "access", "update"))
            .doc("bitmap", "2.2.0", "Sets or clears the bit at offset of the string value."
                + " Creates the key if it doesn't exist.")
            .body(BitCommands::setbit).build(),
        RespCommand.named("getbit", 3).flags("readonly", "fast")
            .acl("@read", "@bitmap", "@fast")
            .key(KeySpec.range(1, 0, 1, "RO", "access"))
            .doc("bitmap", "2.2.0", "Returns a bit value by offset.")
            .body(BitCommands::getbit).build(),
        RespCommand.named("bitfield", -2).flags("write", "denyoom")
            .acl("@write", "@bitmap", "@slow")
            .key(KeySpec.range(1, 0, 1, "RW", "access", "update", "variable_flags")
                .notes("This command allows both access and modification of the key"))
            .doc("bitmap", "3.2.0", "Performs arbitrary bitfield integer operations on strings.")
            .body((s, a) -> bitfield(s, a, false)).build(),
        RespCommand.named("bitfield_ro", -2).flags("readonly", "fast")
            .acl("@read", "@bitmap", "@fast")
            .key(KeySpec.range(1, 0, 1, "RO", "access"))
            .doc("bitmap", "6.0.0", "Performs arbitrary read-only bitfield integer operations on"
                + " strings.")
            .body((s, a) -> bitfield(s, a, true)).build(),
        RespCommand.named("bitcount", -2).flags("readonly")
            .acl("@read", "@bitmap", "@slow")
            .key(KeySpec.range(1, 0, 1, "RO", "access"))
            .doc("bitmap", "2.6.0", "Counts the number of set bits (population counting) in a"
                + " string.")
            .body(BitCommands::bitcount).build(),
        RespCommand.named("bitpos", -3).flags("readonly")
            .acl("@read", "@bitmap", "@slow")
            .key(KeySpec.range(1, 0, 1, "RO", "access"))
            .doc("bitmap", "2.8.7", "Finds the first set (1) or clear (0) bit in a string.")
            .body(BitCommands::bitpos).build(),
        RespCommand.named("bitop", -4).flags("write", "denyoom")
            .acl("@write", "@bitmap", "@slow")
            .key(KeySpec.range(2, 0, 1, "OW", "update"))
            .key(KeySpec.range(3, -1, 1, "RO", "access"))
            .doc("bitmap", "2.6.0", "Performs bitwise operations on multiple strings, and stores"
                + " the result.")
            .body(BitCommands::bitop).build());
  }

  /**
   * A bit offset as Redis's {@code getBitOffsetFromArgument}: {@code #n} is {@code n * bits}
   * (BITFIELD only); negative, or past {@code proto-max-bulk-len} bytes, is an error.
   */
  private static long bitOffset(RespSession s, byte[] arg, boolean hashAllowed, int bits) {
    boolean hash = hashAllowed && arg.length > 0 && arg[0] == '#';
    // Redis's string2ll: no '+', no leading zero, no "-0".
    long offset = Args.toLong(hash ? java.util.Arrays.copyOfRange(arg, 1, arg.length) : arg,
        BIT_OFFSET);
    if (hash) {
      if (offset < 0 || offset > Long.MAX_VALUE / bits) {
        throw BIT_OFFSET;
      }
      offset *= bits;
    }
    if (offset < 0 || (offset >> 3) >= s.limits().maxBulkLength()) {
      throw BIT_OFFSET;
    }
    return offset;
  }

  /** Redis 7 {@code SETBIT key offset value}: the bit's previous value. */
  static void setbit(RespSession s, byte[][] args) {
    long offset = bitOffset(s, args[2], false, 1);
    int bit;
    if (Args.is(args[3], "0")) {
      bit = 0;
    } else if (Args.is(args[3], "1")) {
      bit = 1;
    } else {
      throw BIT_VALUE;
    }
    s.reply(s.store().bitField(Key.of(args[1]), BitField.setBit(offset, bit)),
        (r, results) -> r.integer(results.get(0)));
  }

  /** Redis 7 {@code GETBIT key offset}: 0 past the end and for a missing key. */
  static void getbit(RespSession s, byte[][] args) {
    long offset = bitOffset(s, args[2], false, 1);
    BitField get = new BitField(List.of(new BitField.Op(BitField.Kind.GET, false, 1, offset, 0,
        BitField.Overflow.WRAP)));
    s.reply(s.store().bitField(Key.of(args[1]), get), (r, results) -> r.integer(results.get(0)));
  }

  /**
   * Redis 7 {@code BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset
   * increment] [OVERFLOW WRAP|SAT|FAIL] ...} and {@code BITFIELD_RO key [GET type offset] ...}:
   * every argument is checked before anything runs; the replies are an array of integers, nil for
   * a write that failed on overflow.
   */
  static void bitfield(RespSession s, byte[][] args, boolean readOnly) {
    List<BitField.Op> ops = new ArrayList<>();
    BitField.Overflow overflow = BitField.Overflow.WRAP;
    for (int i = 2; i < args.length; ) {
      byte[] sub = args[i];
      int left = args.length - i - 1;
      if (Args.is(sub, "GET") && left >= 2) {
        int[] type = type(args[i + 1]);
        ops.add(new BitField.Op(BitField.Kind.GET, type[0] == 1, type[1],
            bitOffset(s, args[i + 2], true, type[1]), 0, overflow));
        i += 3;
      } else if ((Args.is(sub, "SET") || Args.is(sub, "INCRBY")) && left >= 3) {
        int[] type = type(args[i + 1]);
        long offset = bitOffset(s, args[i + 2], true, type[1]);
        long value = Args.toLong(args[i + 3]);
        ops.add(new BitField.Op(Args.is(sub, "SET") ? BitField.Kind.SET : BitField.Kind.INCRBY,
            type[0] == 1, type[1], offset, value, overflow));
        i += 4;
      } else if (Args.is(sub, "OVERFLOW") && left >= 1) {
        if (Args.is(args[i + 1], "WRAP")) {
          overflow = BitField.Overflow.WRAP;
        } else if (Args.is(args[i + 1], "SAT")) {
          overflow = BitField.Overflow.SAT;
        } else if (Args.is(args[i + 1], "FAIL")) {
          overflow = BitField.Overflow.FAIL;
        } else {
          throw new RespException("ERR Invalid OVERFLOW type specified");
        }
        i += 2;
      } else {
        throw RespException.SYNTAX;
      }
    }
    if (readOnly && ops.stream().anyMatch(BitField.Op::writes)) {
      throw new RespException("ERR BITFIELD_RO only supports the GET subcommand");
    }
    s.reply(s.store().bitField(Key.of(args[1]), new BitField(ops)), (r, results) -> {
      r.array(results.size());
      for (Long v : results) {
        if (v == null) {
          r.nullBulk();
        } else {
          r.integer(v);
        }
      }
    });
  }

  /** A bitfield type, {@code i<bits>} (1..64) or {@code u<bits>} (1..63): {signed, bits}. */
  private static int[] type(byte[] arg) {
    if (arg.length < 2 || (arg[0] != 'i' && arg[0] != 'u')) {
      throw BITFIELD_TYPE;
    }
    long bits = Args.toLong(java.util.Arrays.copyOfRange(arg, 1, arg.length), BITFIELD_TYPE);
    boolean signed = arg[0] == 'i';
    if (bits < 1 || bits > (signed ? 64 : 63)) {
      throw BITFIELD_TYPE;
    }
    return new int[] {signed ? 1 : 0, (int) bits};
  }

  /**
   * A range of a value as Redis's BITCOUNT and BITPOS resolve it: the first and last byte, and
   * how many bits of the first byte before and of the last byte after it are outside.
   */
  private record Range(long first, long last, int skipHead, int skipTail) {
    boolean isEmpty() {
      return first > last;
    }
  }

  /**
   * Resolves {@code start}/{@code end} (inclusive, negative from the end, clamped) on a value of
   * {@code length} bytes, in bytes or, with {@code bits}, in bits.
   */
  private static Range range(long length, long start, long end, boolean bits) {
    long total = bits ? length << 3 : length;
    if (start < 0) {
      start = total + start;
    }
    if (end < 0) {
      end = total + end;
    }
    start = Math.max(0, start);
    end = Math.max(0, end);
    if (end >= total) {
      end = total - 1;
    }
    if (!bits || start > end) {
      return new Range(start, end, 0, 0);
    }
    return new Range(start >> 3, end >> 3, (int) (start & 7), 7 - (int) (end & 7));
  }

  /**
   * Redis 7.0 {@code BITCOUNT key [start end [BYTE|BIT]]}: the set bits of the range; 0 for a
   * missing key, which is looked up before the range is parsed, as 7.0 does.
   */
  static void bitcount(RespSession s, byte[][] args) {
    Key key = Key.of(args[1]);
    s.reply(s.store().get(key).thenCompose(e -> bitcountOf(s, key, e, args)),
        RespReply::integer);
  }

  /** {@code BITCOUNT} of the value {@code e}; again on the value a changed key holds instead. */
  private static CompletionStage<Long> bitcountOf(RespSession s, Key key, Entry e,
      byte[][] args) {
    if (e == null) {
      return CompletableFuture.completedFuture(0L);
    }
    if (args.length != 2 && args.length != 4 && args.length != 5) {
      throw RespException.SYNTAX;
    }
    Range range;
    if (args.length == 2) {
      range = range(e.length(), 0, -1, false);
    } else {
      long start = Args.toLong(args[2]);
      long end = Args.toLong(args[3]);
      boolean bits = args.length == 5 && unit(args[4]);
      if (start < 0 && end < 0 && start > end) {
        return CompletableFuture.completedFuture(0L);
      }
      range = range(e.length(), start, end, bits);
    }
    if (range.isEmpty()) {
      return CompletableFuture.completedFuture(0L);
    }
    long[] count = new long[1];
    return scan(s, key, e, range, (bytes, index) -> {
      int from = bytes.position();
      int to = bytes.limit();
      long lastAt = index + (to - from) - 1;
      // The edge bytes with their masks, the rest eight bytes at a time.
      if (index == range.first() && to > from) {
        count[0] += Integer.bitCount(edge(bytes.get(from), index, range));
        from++;
      }
      if (lastAt == range.last() && to > from) {
        to--;
        count[0] += Integer.bitCount(edge(bytes.get(to), lastAt, range));
      }
      int i = from;
      for (; i + 8 <= to; i += 8) {
        count[0] += Long.bitCount(bytes.getLong(i));
      }
      for (; i < to; i++) {
        count[0] += Integer.bitCount(bytes.get(i) & 0xff);
      }
      return false;
    }).thenCompose(scanned -> scanned == e ? CompletableFuture.completedFuture(count[0])
        : bitcountOf(s, key, scanned, args));
  }

  /** Byte {@code at} of the range with the bits outside the range cleared. */
  private static int edge(byte b, long at, Range range) {
    int v = b & 0xff;
    if (at == range.first()) {
      v &= 0xff >>> range.skipHead();
    }
    if (at == range.last()) {
      v &= 0xff << range.skipTail();
    }
    return v;
  }

  /** {@code BIT} or {@code BYTE} (case-insensitive): whether the range is in bits. */
  private static boolean unit(byte[] arg) {
    if (Args.is(arg, "BIT")) {
      return true;
    }
    if (Args.is(arg, "BYTE")) {
      return false;
    }
    throw RespException.SYNTAX;
  }

  /**
   * Redis 7.0 {@code BITPOS key bit [start [end [BYTE|BIT]]]}: the first bit of the range equal to
   * {@code bit}; a missing key is all zeros (0, or -1 for a 1); a 0 not found is the bit after
   * the range unless the end was given (then -1), a 1 not found is -1.
   */
  static void bitpos(RespSession s, byte[][] args) {
    long bitArg = Args.toLong(args[2]);
    if (bitArg != 0 && bitArg != 1) {
      throw new RespException("ERR The bit argument must be 1 or 0.");
    }
    int bit = (int) bitArg;
    Key key = Key.of(args[1]);
    s.reply(s.store().get(key).thenCompose(e -> bitposOf(s, key, e, bit, args)),
        RespReply::integer);
  }

  /** {@code BITPOS} in the value {@code e}; again in the value a changed key holds instead. */
  private static CompletionStage<Long> bitposOf(RespSession s, Key key, Entry e, int bit,
      byte[][] args) {
    if (e == null) {
      return CompletableFuture.completedFuture(bit == 1 ? -1L : 0L);
    }
    if (args.length > 6) {
      throw RespException.SYNTAX;
    }
    boolean endGiven = args.length >= 5;
    Range range;
    if (args.length == 3) {
      range = range(e.length(), 0, -1, false);
    } else {
      long start = Args.toLong(args[3]);
      boolean bits = args.length == 6 && unit(args[5]);
      long end = endGiven ? Args.toLong(args[4]) : bits ? (e.length() << 3) + 7 : -1;
      range = range(e.length(), start, end, bits);
    }
    if (range.isEmpty()) {
      return CompletableFuture.completedFuture(-1L);
    }
    long[] found = {-1};
    long skip = bit == 1 ? 0L : -1L; // eight bytes that cannot hold the bit looked for
    return scan(s, key, e, range, (bytes, index) -> {
      int start = bytes.position();
      int i = start;
      int to = bytes.limit();
      while (i < to) {
        long at = index + i - start;
        if (at != range.first() && at + 8 <= range.last() && i + 8 <= to
            && bytes.getLong(i) == skip) {
          i += 8;
          continue;
        }
        int b = bytes.get(i) & 0xff;
        int from = at == range.first() ? range.skipHead() : 0;
        int last = at == range.last() ? 7 - range.skipTail() : 7;
        for (int j = from; j <= last; j++) {
          if (((b >> (7 - j)) & 1) == bit) {
            found[0] = at * 8 + j;
            return true;
          }
        }
        i++;
      }
      return false;
    }).thenCompose(scanned -> {
      if (scanned != e) {
        return bitposOf(s, key, scanned, bit, args);
      }
      if (found[0] >= 0 || bit == 1 || endGiven) {
        return CompletableFuture.completedFuture(found[0]);
      }
      return CompletableFuture.completedFuture((range.last() + 1) * 8); // the zeros after it
    });
  }

  /** Takes the bytes of a range piece by piece; {@code true} stops the scan. */
  @FunctionalInterface
  private interface ByteVisitor {
    boolean visit(ByteBuffer bytes, long index);
  }

  /** Ends a scan early; not a failure. */
  private static final CompletionException STOP = new CompletionException("stop", null) {
    private static final long serialVersionUID = 1L;

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  };

  /**
   * Visits bytes {@code range.first()} to {@code range.last()} of the value {@code e}: at once
   * when it is in heap, else streamed from its chunks (only those the range covers).
   *
   * @return a stage completed with {@code e} once visited; or, without visiting anything, with
   *     the value the key holds now if it changed before its chunks could be read (the range was
   *     {@code e}'s, so the caller starts over with it), or {@code null} if the value lost a
   *     chunk, before or during the scan (it reads as absent, as {@code GET} reads it, and the
   *     store removes it)
   */
  private static CompletionStage<Entry> scan(RespSession s, Key key, Entry e, Range range,
      ByteVisitor visitor) {
    if (!e.isChunked()) {
      visitor.visit(ByteBuffer.wrap(e.value(), (int) range.first(),
          (int) (range.last() - range.first() + 1)), range.first());
      return CompletableFuture.completedFuture(e);
    }
    return s.onLoop(s.store().read(key, e, range.first(), range.last())).thenCompose(reader -> {
      if (reader == null) {
        return CompletableFuture.completedFuture(null);
      }
      if (reader.entry().cas() != e.cas()) {
        reader.close();
        return CompletableFuture.completedFuture(reader.entry());
      }
      long[] index = {reader.offset()};
      // Each piece (a chunk) is visited as a task of its own on the event loop, not on the
      // thread that read it (the disk thread) and not all in one go: a scan of a value of
      // thousands of chunks lets the loop's other connections run between its chunks.
      return s.onLoop(ValueStreams.drain(reader, piece -> s.onLoopLater(() -> {
        boolean stop = visitor.visit(piece, index[0]);
        index[0] += piece.remaining();
        if (stop) {
          throw STOP;
        }
      }))).handle((v, t) -> {
        reader.close();
        Throwable cause = t instanceof CompletionException && t.getCause() != null
            ? t.getCause() : t;
        if (cause instanceof io.sidecache.store.ChunkLostException) {
          return null; // a miss, as GET reads it (the store removes the value); nothing was sent
        }
        if (t != null && t != STOP && cause != STOP) {
          throw t instanceof CompletionException c ? c : new CompletionException(t);
        }
        return e;
      });
    });
  }

  /**
   * Redis 7 {@code BITOP AND|OR|XOR|NOT destkey key [key ...]}: the result's length, that of the
   * longest source, missing sources counting as zeros; an empty result deletes {@code destkey}.
   * It runs in an exclusive section, so no command sees it half done; its keys must share an
   * owner in a cluster ({@code CROSSSLOT}). A source longer than the chunk size is refused.
   */
  static void bitop(RespSession s, byte[][] args) {
    int op;
    if (Args.is(args[1], "AND")) {
      op = 0;
    } else if (Args.is(args[1], "OR")) {
      op = 1;
    } else if (Args.is(args[1], "XOR")) {
      op = 2;
    } else if (Args.is(args[1], "NOT")) {
      op = 3;
      if (args.length != 4) {
        throw new RespException("ERR BITOP NOT must be called with a single source key.");
      }
    } else {
      throw RespException.SYNTAX;
    }
    Key dest = Key.of(args[2]);
    List<Key> keys = new ArrayList<>();
    keys.add(dest);
    for (int i = 3; i < args.length; i++) {
      keys.add(Key.of(args[i]));
    }
    if (!s.store().colocated(keys)) {
      throw RespException.CROSSSLOT;
    }
    long limit = s.store().streamingThreshold();
    s.reply(s.exclusive(keys, () -> {
      List<CompletionStage<Entry>> reads = new ArrayList<>();
      for (Key k : keys.subList(1, keys.size())) {
        reads.add(s.store().get(k));
      }
      return s.onLoop(Stages.all(reads)).thenCompose(sources -> {
        int length = 0;
        for (Entry e : sources) {
          if (e != null && (e.isChunked() || e.length() > limit)) {
            throw new CompletionException(new RespException("ERR BITOP on a value longer than "
                + limit + " bytes is not supported"));
          }
          length = Math.max(length, e == null ? 0 : (int) e.length());
        }
        if (length == 0) {
          return s.store().delete(dest).thenApply(deleted -> 0L);
        }
        byte[] result = combine(op, sources, length);
        return s.store().set(dest, result, SetOptions.DEFAULT)
            .thenApply(r -> (long) result.length);
      });
    }), RespReply::integer);
  }

  /** Redis's {@code bitopCommand} loop: byte {@code i} of each source, 0 past its end. */
  private static byte[] combine(int op, List<Entry> sources, int length) {
    byte[] out = new byte[length];
    for (int i = 0; i < length; i++) {
      int acc = at(sources.get(0), i);
      if (op == 3) {
        acc = ~acc;
      }
      for (int j = 1; j < sources.size(); j++) {
        int b = at(sources.get(j), i);
        acc = op == 0 ? acc & b : op == 1 ? acc | b : acc ^ b;
      }
      out[i] = (byte) acc;
    }
    return out;
  }

  private static int at(Entry e, int i) {
    return e == null || i >= e.length() ? 0 : e.value()[i] & 0xff;
  }
}
