package io.sidecache.cluster;

import io.netty.buffer.ByteBuf;
import io.sidecache.store.ChunkLostException;
import io.sidecache.store.ChunkedValueException;
import io.sidecache.store.ConcatOptions;
import io.sidecache.store.ConcatResult;
import io.sidecache.store.CounterOptions;
import io.sidecache.store.CounterResult;
import io.sidecache.store.CrossSlotException;
import io.sidecache.store.DeleteOptions;
import io.sidecache.store.Entry;
import io.sidecache.store.ExpireCondition;
import io.sidecache.store.FetchOptions;
import io.sidecache.store.FetchResult;
import io.sidecache.store.IncrementOverflowException;
import io.sidecache.store.Key;
import io.sidecache.store.NotAFloatException;
import io.sidecache.store.NotAnIntegerException;
import io.sidecache.store.NotFiniteException;
import io.sidecache.store.OutOfSpaceException;
import io.sidecache.store.ScanPage;
import io.sidecache.store.SetOptions;
import io.sidecache.store.SetResult;
import io.sidecache.store.SetResult.Outcome;
import io.sidecache.store.StoreException;
import io.sidecache.store.StoreUnavailableException;
import io.sidecache.store.ValueSlice;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of the store API's arguments and results on the peer connection
 * (docs/cluster.md, "Peer protocol"): big-endian integers, byte arrays as a 4-byte length and the
 * bytes, an absent ({@code null}) object as one 0 byte before it and a present one as a 1 byte.
 * An entry travels as the store holds it: a chunked entry as its manifest, whose chunks are read
 * from the owner through {@link PeerOp#READ}.
 *
 * <p>Stateless; every method reads or writes at the buffer's current index.
 */
final class PeerCodec {
  private static final Outcome[] OUTCOMES = Outcome.values();
  private static final SetOptions.Condition[] CONDITIONS = SetOptions.Condition.values();
  private static final ExpireCondition[] EXPIRE_CONDITIONS = ExpireCondition.values();

  private PeerCodec() {}

  static void writeBytes(ByteBuf out, byte[] bytes) {
    out.writeInt(bytes.length);
    out.writeBytes(bytes);
  }

  static byte[] readBytes(ByteBuf in) {
    int n = in.readInt();
    if (n < 0 || n > in.readableBytes()) {
      throw new IllegalArgumentException("byte array of " + n + " bytes in a frame with "
          + in.readableBytes() + " left");
    }
    byte[] bytes = new byte[n];
    in.readBytes(bytes);
    return bytes;
  }

  static void writeKey(ByteBuf out, Key key) {
    writeBytes(out, key.bytes());
  }

  static Key readKey(ByteBuf in) {
    return Key.of(readBytes(in));
  }

  static void writeEntry(ByteBuf out, Entry e) {
    if (present(out, e)) {
      writeBytes(out, e.value());
      out.writeInt(e.flags());
      out.writeLong(e.cas());
      out.writeLong(e.expiresAt());
      out.writeInt(e.accessState());
    }
  }

  static Entry readEntry(ByteBuf in) {
    if (!in.readBoolean()) {
      return null;
    }
    Entry e = new Entry(readBytes(in), in.readInt(), in.readLong(), in.readLong(), in.readInt());
    java.util.function.Consumer<Entry> seen = CHUNKED_SEEN.get();
    if (seen != null && e.isChunked()) {
      seen.accept(e);
    }
    return e;
  }

  /**
   * While a node decodes an answer, what it does with each chunked entry in it: {@link
   * PeerClient} records which node it came from, so its chunks are read there.
   */
  static final ThreadLocal<java.util.function.Consumer<Entry>> CHUNKED_SEEN = new ThreadLocal<>();

  static void writeMember(ByteBuf out, RingMember m) {
    writeBytes(out, m.nodeId().getBytes(StandardCharsets.UTF_8));
    writeBytes(out, m.peerAddress().getBytes(StandardCharsets.UTF_8));
  }

  static RingMember readMember(ByteBuf in) {
    return new RingMember(new String(readBytes(in), StandardCharsets.UTF_8),
        new String(readBytes(in), StandardCharsets.UTF_8));
  }

  static void writeOutcome(ByteBuf out, Outcome outcome) {
    out.writeByte(outcome.ordinal());
  }

  static Outcome readOutcome(ByteBuf in) {
    return OUTCOMES[in.readUnsignedByte()];
  }

  static void writeExpireCondition(ByteBuf out, ExpireCondition c) {
    out.writeByte(c.ordinal());
  }

  static ExpireCondition readExpireCondition(ByteBuf in) {
    return EXPIRE_CONDITIONS[in.readUnsignedByte()];
  }

  static void writeSetOptions(ByteBuf out, SetOptions o) {
    out.writeByte(o.condition().ordinal());
    out.writeLong(o.expectedCas());
    out.writeInt(o.flags());
    out.writeLong(o.expiresAt());
    out.writeByte((o.keepTtl() ? 1 : 0) | (o.returnPrevious() ? 2 : 0)
        | (o.staleIfCasOlder() ? 4 : 0));
    out.writeLong(o.version());
  }

  static SetOptions readSetOptions(ByteBuf in) {
    SetOptions.Condition condition = CONDITIONS[in.readUnsignedByte()];
    long expectedCas = in.readLong();
    SetOptions.Builder b = SetOptions.builder().flags(in.readInt());
    long expiresAt = in.readLong();
    int bits = in.readUnsignedByte();
    switch (condition) {
      case IF_ABSENT -> b.ifAbsent();
      case IF_PRESENT -> b.ifPresent();
      case IF_CAS -> b.ifCas(expectedCas);
      default -> { }
    }
    if ((bits & 1) != 0) {
      b.keepTtl();
    } else {
      b.expiresAt(expiresAt);
    }
    if ((bits & 2) != 0) {
      b.returnPrevious();
    }
    if ((bits & 4) != 0) {
      b.staleIfCasOlder();
    }
    long version = in.readLong();
    if (version != 0) {
      b.version(version);
    }
    return b.build();
  }

  static void writeSetResult(ByteBuf out, SetResult r) {
    writeOutcome(out, r.outcome());
    writeEntry(out, r.previous());
    writeEntry(out, r.current());
  }

  static SetResult readSetResult(ByteBuf in) {
    return new SetResult(readOutcome(in), readEntry(in), readEntry(in));
  }

  static void writeFetchOptions(ByteBuf out, FetchOptions o) {
    out.writeLong(o.touchExpiresAt());
    out.writeLong(o.vivifyExpiresAt());
    out.writeLong(o.recacheBefore());
    out.writeBoolean(o.recordAccess());
    out.writeBoolean(o.claimToken());
  }

  static FetchOptions readFetchOptions(ByteBuf in) {
    return new FetchOptions(in.readLong(), in.readLong(), in.readLong(), in.readBoolean(),
        in.readBoolean());
  }

  static void writeFetchResult(ByteBuf out, FetchResult r) {
    if (present(out, r)) {
      writeEntry(out, r.entry());
      out.writeByte((r.created() ? 1 : 0) | (r.won() ? 2 : 0) | (r.tokenAlreadySent() ? 4 : 0));
      out.writeInt(r.accessBefore());
    }
  }

  static FetchResult readFetchResult(ByteBuf in) {
    if (!in.readBoolean()) {
      return null;
    }
    Entry e = readEntry(in);
    int bits = in.readUnsignedByte();
    return new FetchResult(e, (bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, in.readInt());
  }

  static void writeDeleteOptions(ByteBuf out, DeleteOptions o) {
    out.writeBoolean(o.compareCas());
    out.writeLong(o.expectedCas());
    out.writeBoolean(o.invalidate());
    out.writeLong(o.expiresAt());
  }

  static DeleteOptions readDeleteOptions(ByteBuf in) {
    return new DeleteOptions(in.readBoolean(), in.readLong(), in.readBoolean(), in.readLong());
  }

  static void writeCounterOptions(ByteBuf out, CounterOptions o) {
    out.writeBoolean(o.compareCas());
    out.writeLong(o.expectedCas());
    out.writeLong(o.vivifyExpiresAt());
    out.writeLong(o.initial());
    out.writeLong(o.touchExpiresAt());
  }

  static CounterOptions readCounterOptions(ByteBuf in) {
    return new CounterOptions(in.readBoolean(), in.readLong(), in.readLong(), in.readLong(),
        in.readLong());
  }

  static void writeCounterResult(ByteBuf out, CounterResult r) {
    writeOutcome(out, r.outcome());
    writeEntry(out, r.entry());
    out.writeLong(r.value());
    out.writeBoolean(r.created());
  }

  static CounterResult readCounterResult(ByteBuf in) {
    return new CounterResult(readOutcome(in), readEntry(in), in.readLong(), in.readBoolean());
  }

  static void writeConcatOptions(ByteBuf out, ConcatOptions o) {
    out.writeBoolean(o.prepend());
    out.writeBoolean(o.createIfAbsent());
    out.writeLong(o.expectedCas());
    out.writeLong(o.maxLength());
  }

  static ConcatOptions readConcatOptions(ByteBuf in) {
    return new ConcatOptions(in.readBoolean(), in.readBoolean(), in.readLong(), in.readLong());
  }

  static void writeConcatResult(ByteBuf out, ConcatResult r) {
    writeOutcome(out, r.outcome());
    out.writeLong(r.length());
    out.writeLong(r.cas());
  }

  static ConcatResult readConcatResult(ByteBuf in) {
    return new ConcatResult(readOutcome(in), in.readLong(), in.readLong());
  }

  static void writeSlice(ByteBuf out, ValueSlice s) {
    if (present(out, s)) {
      writeBytes(out, s.bytes());
      out.writeLong(s.offset());
      out.writeLong(s.totalLength());
      out.writeInt(s.flags());
    }
  }

  static ValueSlice readSlice(ByteBuf in) {
    return in.readBoolean()
        ? new ValueSlice(readBytes(in), in.readLong(), in.readLong(), in.readInt()) : null;
  }

  static void writeNullableLong(ByteBuf out, Long v) {
    if (present(out, v)) {
      out.writeLong(v);
    }
  }

  static Long readNullableLong(ByteBuf in) {
    return in.readBoolean() ? in.readLong() : null;
  }

  /** A list of nullable longs: {@code count:i32, (present:bool, value:i64?)*}. */
  static void writeLongs(ByteBuf out, java.util.List<Long> values) {
    out.writeInt(values.size());
    values.forEach(v -> writeNullableLong(out, v));
  }

  static java.util.List<Long> readLongs(ByteBuf in) {
    int n = count(in, 1);
    Long[] values = new Long[n];
    for (int i = 0; i < n; i++) {
      values[i] = readNullableLong(in);
    }
    return java.util.Arrays.asList(values);
  }

  /**
   * A {@code BITFIELD}: {@code count:i32, (kind:u8, signed:bool, bits:u8, offset:i64, value:i64,
   * overflow:u8)*}.
   */
  static void writeBitField(ByteBuf out, io.sidecache.store.BitField field) {
    out.writeInt(field.ops().size());
    for (io.sidecache.store.BitField.Op op : field.ops()) {
      out.writeByte(op.kind().ordinal());
      out.writeBoolean(op.signed());
      out.writeByte(op.bits());
      out.writeLong(op.offset());
      out.writeLong(op.value());
      out.writeByte(op.overflow().ordinal());
    }
  }

  static io.sidecache.store.BitField readBitField(ByteBuf in) {
    int n = count(in, 20);
    java.util.List<io.sidecache.store.BitField.Op> ops = new java.util.ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      io.sidecache.store.BitField.Kind kind = enumOf(io.sidecache.store.BitField.Kind.values(),
          in.readUnsignedByte());
      boolean signed = in.readBoolean();
      int bits = in.readUnsignedByte();
      long offset = in.readLong();
      long value = in.readLong();
      ops.add(new io.sidecache.store.BitField.Op(kind, signed, bits, offset, value,
          enumOf(io.sidecache.store.BitField.Overflow.values(), in.readUnsignedByte())));
    }
    return new io.sidecache.store.BitField(ops);
  }

  /** A count read from a frame, checked against the bytes left ({@code min} per element). */
  private static int count(ByteBuf in, int min) {
    int n = in.readInt();
    if (n < 0 || (long) n * min > in.readableBytes()) {
      throw new IllegalArgumentException("count " + n + " for " + in.readableBytes() + " bytes");
    }
    return n;
  }

  private static <E> E enumOf(E[] values, int ordinal) {
    if (ordinal >= values.length) {
      throw new IllegalArgumentException("ordinal " + ordinal);
    }
    return values[ordinal];
  }

  static void writeScanPage(ByteBuf out, ScanPage page) {
    out.writeLong(page.cursor());
    out.writeInt(page.keys().size());
    page.keys().forEach(k -> writeKey(out, k));
  }

  static ScanPage readScanPage(ByteBuf in) {
    long cursor = in.readLong();
    int n = in.readInt();
    if (n < 0 || n > in.readableBytes() / 4) {
      throw new IllegalArgumentException("scan page of " + n + " keys");
    }
    List<Key> keys = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      keys.add(readKey(in));
    }
    return new ScanPage(keys, cursor);
  }

  /** Writes keys: {@code count:i32}, then each key. */
  static void writeKeys(ByteBuf out, java.util.Collection<Key> keys) {
    out.writeInt(keys.size());
    keys.forEach(k -> writeKey(out, k));
  }

  /** Reads what {@link #writeKeys} wrote; a count the frame cannot hold is refused. */
  static java.util.List<Key> readKeys(ByteBuf in) {
    int n = in.readInt();
    if (n < 0 || n > in.readableBytes() / 4) {
      throw new IllegalArgumentException("key count " + n + " does not fit the frame");
    }
    java.util.List<Key> keys = new java.util.ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      keys.add(readKey(in));
    }
    return keys;
  }

  static void writeNullableKey(ByteBuf out, Key key) {
    if (present(out, key)) {
      writeKey(out, key);
    }
  }

  static Key readNullableKey(ByteBuf in) {
    return in.readBoolean() ? readKey(in) : null;
  }

  /**
   * Writes a failure as its kind and message, so the sender rethrows the same store exception
   * (the protocols map each to their own reply); anything else travels as a {@link
   * StoreException} with its class name.
   */
  static void writeError(ByteBuf out, Throwable t) {
    int kind;
    if (t instanceof NotAnIntegerException) {
      kind = 1;
    } else if (t instanceof IncrementOverflowException) {
      kind = 2;
    } else if (t instanceof NotAFloatException) {
      kind = 3;
    } else if (t instanceof NotFiniteException) {
      kind = 4;
    } else if (t instanceof OutOfSpaceException) {
      kind = 5;
    } else if (t instanceof ChunkLostException) {
      kind = 6;
    } else if (t instanceof ChunkedValueException) {
      kind = 7;
    } else if (t instanceof StoreUnavailableException) {
      kind = 8;
    } else if (t instanceof IllegalArgumentException) {
      kind = 9;
    } else if (t instanceof CrossSlotException) {
      kind = 10;
    } else {
      kind = 0;
    }
    out.writeByte(kind);
    String message = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    writeBytes(out, message.getBytes(StandardCharsets.UTF_8));
  }

  /** Reads what {@link #writeError} wrote, as the exception to fail the caller's stage with. */
  static RuntimeException readError(ByteBuf in) {
    int kind = in.readUnsignedByte();
    String message = new String(readBytes(in), StandardCharsets.UTF_8);
    return switch (kind) {
      case 1 -> new NotAnIntegerException();
      case 2 -> new IncrementOverflowException();
      case 3 -> new NotAFloatException();
      case 4 -> new NotFiniteException();
      case 5 -> new OutOfSpaceException(message);
      case 6 -> new ChunkLostException(message);
      case 7 -> ChunkedValueException.INSTANCE;
      case 8 -> new StoreUnavailableException(message);
      case 9 -> new IllegalArgumentException(message);
      case 10 -> new CrossSlotException();
      default -> new StoreException(message);
    };
  }

  /** Writes the presence byte; returns whether {@code o} is present. */
  private static boolean present(ByteBuf out, Object o) {
    out.writeBoolean(o != null);
    return o != null;
  }
}
