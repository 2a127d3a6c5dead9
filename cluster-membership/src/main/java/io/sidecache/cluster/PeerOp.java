package io.sidecache.cluster;

import io.netty.buffer.ByteBuf;
import io.sidecache.store.CacheStore;
import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * One operation of the peer protocol (docs/cluster.md, "Peer protocol"): its code on the wire, how
 * the receiving node runs it and how its result is written and read. The key-routed operations
 * mirror {@link CacheStore}'s one for one and run on the receiver through {@link
 * PeerService#routed} (which forwards once more if the receiver's ring names another owner and
 * hops are left); {@link #REPLICATE}, {@link #READ} and {@link #FLUSH} act on the receiver's own
 * store.
 *
 * <p>A request is {@code op:u8, epoch:i64, hops:u8, isolation:i64, key, arguments}; a response,
 * in request order on each connection, is {@code 0, result} or {@code 1, error:u8, message}.
 *
 * @param <R> the result type
 */
final class PeerOp<R> {

  /** What a receiving node runs for a request: the service, the key, the rest of the frame. */
  @FunctionalInterface
  interface Invoker<R> {
    CompletionStage<R> invoke(PeerService service, Route route, Key key, ByteBuf args);
  }

  /**
   * How a request is to be routed at its receiver.
   *
   * @param hops how many more times it may be forwarded
   * @param isolation the isolated section it belongs to ({@link
   *     io.sidecache.store.CacheStore#isolated}, the id its owner granted), or 0
   */
  record Route(int hops, long isolation) { }

  /** The receiving node's side of the protocol. */
  interface PeerService {
    /** A store that routes as a client call does, with the route's hops left, in its section. */
    CacheStore routed(Route route);

    /**
     * Takes keys this node owns for the isolated section {@code id} ({@link Reservations}).
     *
     * @return a stage completed with the id, or failed with {@link
     *     io.sidecache.store.StoreUnavailableException} when they stay held by others too long
     */
    CompletionStage<Long> reserve(long id, java.util.List<Key> keys, long leaseMillis);

    /** Ends an isolated section, granted or not yet: its keys are free again. */
    CompletionStage<Void> release(long isolation);

    /**
     * Applies an owner's state of a key: {@code state}, or the key's absence when {@code null}.
     *
     * @return a stage completed once applied (or refused as older than what is held)
     */
    CompletionStage<Void> applyReplica(Key key, Entry state, RingMember sender);

    /** Applies a pushed state unless this node has or settled the key ({@link Handoff}). */
    CompletionStage<Void> applyHandoff(Key key, Entry state, RingMember sender);

    /**
     * Reads {@code [start, end]} (inclusive) of a chunked entry this node returned earlier (its
     * manifest names this node's chunks); fails with {@link
     * io.sidecache.store.ChunkLostException} when they are gone.
     */
    CompletionStage<byte[]> readPiece(Key key, Entry entry, long start, long end);

    /** Opens a writer for an upload through {@code routed(route)}; returns its session id. */
    CompletionStage<Long> openUpload(Route route, Key key, long length);

    /** Writes the next bytes of an upload; completes when the writer can take more. */
    CompletionStage<Void> uploadPart(long session, byte[] bytes);

    /** Commits an upload. */
    CompletionStage<io.sidecache.store.SetResult> commitUpload(long session,
        io.sidecache.store.SetOptions options);

    /** Abandons an upload. */
    CompletionStage<Void> abortUpload(long session);

    /**
     * This node's own copy of a key, read with {@link io.sidecache.store.FetchOptions#PEEK}, for
     * a member taking the key over: recorded first, so this node stops acting as the key's owner
     * (Handoff, "One owner at a time").
     */
    CompletionStage<Entry> handOver(Key key, RingMember taker);

    /** A page of this node's store's keys that this node owns by its ring. */
    CompletionStage<io.sidecache.store.ScanPage> scanOwned(long cursor, int count);

    /** Counts this node's keys that it owns by its ring; visits every key. */
    CompletionStage<Long> countOwned();

    /** How many keys this node's own store holds (as {@code DBSIZE} on one node counts). */
    CompletionStage<Long> localSize();

    /** A random key of this node's own store, or {@code null}. */
    CompletionStage<Key> randomLocalKey();

    /** Removes every entry of this node's own store. */
    CompletionStage<Void> flushLocal();
  }

  private static final PeerOp<?>[] BY_CODE = new PeerOp<?>[64];

  static final PeerOp<Entry> GET = routed(1, "get", PeerCodec::writeEntry, PeerCodec::readEntry,
      (s, k, in) -> s.get(k));
  static final PeerOp<io.sidecache.store.FetchResult> FETCH = routed(2, "fetch",
      PeerCodec::writeFetchResult, PeerCodec::readFetchResult,
      (s, k, in) -> s.fetch(k, PeerCodec.readFetchOptions(in)));
  static final PeerOp<io.sidecache.store.ValueSlice> GET_RANGE = routed(3, "getrange",
      PeerCodec::writeSlice, PeerCodec::readSlice,
      (s, k, in) -> s.getRange(k, in.readLong(), in.readLong()));
  static final PeerOp<io.sidecache.store.SetResult> SET = routed(4, "set",
      PeerCodec::writeSetResult, PeerCodec::readSetResult,
      (s, k, in) -> s.set(k, PeerCodec.readBytes(in), PeerCodec.readSetOptions(in)));
  static final PeerOp<Boolean> DELETE = routed(5, "delete", ByteBuf::writeBoolean,
      ByteBuf::readBoolean, (s, k, in) -> s.delete(k));
  static final PeerOp<io.sidecache.store.SetResult.Outcome> DELETE_IF = routed(6, "delete-if",
      PeerCodec::writeOutcome, PeerCodec::readOutcome,
      (s, k, in) -> s.delete(k, PeerCodec.readDeleteOptions(in)));
  static final PeerOp<Boolean> EXISTS = routed(7, "exists", ByteBuf::writeBoolean,
      ByteBuf::readBoolean, (s, k, in) -> s.exists(k));
  static final PeerOp<Long> INCREMENT = routed(8, "incrby", ByteBuf::writeLong,
      ByteBuf::readLong, (s, k, in) -> s.incrementBy(k, in.readLong()));
  static final PeerOp<Long> INCREMENT_UNSIGNED = routed(9, "incr", PeerCodec::writeNullableLong,
      PeerCodec::readNullableLong,
      (s, k, in) -> s.incrementUnsigned(k, in.readLong(), in.readBoolean()));
  static final PeerOp<io.sidecache.store.CounterResult> ARITHMETIC = routed(10, "ma",
      PeerCodec::writeCounterResult, PeerCodec::readCounterResult,
      (s, k, in) -> s.incrementUnsigned(k, in.readLong(), in.readBoolean(),
          PeerCodec.readCounterOptions(in)));
  static final PeerOp<io.sidecache.store.ConcatResult> CONCAT = routed(11, "concat",
      PeerCodec::writeConcatResult, PeerCodec::readConcatResult,
      (s, k, in) -> s.concat(k, PeerCodec.readBytes(in), PeerCodec.readConcatOptions(in)));
  static final PeerOp<Boolean> EXPIRE = routed(12, "expire", ByteBuf::writeBoolean,
      ByteBuf::readBoolean,
      (s, k, in) -> s.expire(k, in.readLong(), PeerCodec.readExpireCondition(in)));
  static final PeerOp<Long> TTL = routed(13, "ttl", ByteBuf::writeLong, ByteBuf::readLong,
      (s, k, in) -> s.ttl(k));
  static final PeerOp<Entry> GET_AND_TOUCH = routed(14, "getex", PeerCodec::writeEntry,
      PeerCodec::readEntry, (s, k, in) -> s.getAndTouch(k, in.readLong()));
  static final PeerOp<Entry> GET_AND_DELETE = routed(15, "getdel", PeerCodec::writeEntry,
      PeerCodec::readEntry, (s, k, in) -> s.getAndDelete(k));
  static final PeerOp<Long> SET_RANGE = routed(16, "setrange", ByteBuf::writeLong,
      ByteBuf::readLong, (s, k, in) -> s.setRange(k, in.readLong(), PeerCodec.readBytes(in)));
  static final PeerOp<java.util.List<Long>> BIT_FIELD = routed(20, "bitfield",
      PeerCodec::writeLongs, PeerCodec::readLongs,
      (s, k, in) -> s.bitField(k, PeerCodec.readBitField(in)));
  static final PeerOp<byte[]> INCREMENT_FLOAT = routed(17, "incrbyfloat", PeerCodec::writeBytes,
      PeerCodec::readBytes, (s, k, in) -> s.incrementByFloat(k, PeerCodec.readBytes(in)));
  static final PeerOp<io.sidecache.store.SetResult.Outcome> RENAME = routed(18, "rename",
      PeerCodec::writeOutcome, PeerCodec::readOutcome,
      (s, k, in) -> s.rename(k, PeerCodec.readKey(in), in.readBoolean()));
  static final PeerOp<io.sidecache.store.SetResult.Outcome> COPY = routed(19, "copy",
      PeerCodec::writeOutcome, PeerCodec::readOutcome,
      (s, k, in) -> s.copy(k, PeerCodec.readKey(in), in.readBoolean()));

  /** An owner's state of a key for a replica: the entry, or absence. */
  static final PeerOp<Void> REPLICATE = new PeerOp<>(24, "replicate", (out, v) -> { },
      in -> null, (svc, route, k, in) -> svc.applyReplica(k, PeerCodec.readEntry(in),
          PeerCodec.readMember(in)));
  /** A key's state pushed to a member that joined its placement (handoff, repair). */
  static final PeerOp<Void> HANDOFF = new PeerOp<>(31, "handoff", (out, v) -> { },
      in -> null, (svc, route, k, in) -> svc.applyHandoff(k, PeerCodec.readEntry(in),
          PeerCodec.readMember(in)));
  /** Part of a chunked entry, read on the node that returned it (its manifest names its chunks). */
  static final PeerOp<byte[]> READ = new PeerOp<>(25, "read", PeerCodec::writeBytes,
      PeerCodec::readBytes, (svc, route, k, in) -> svc.readPiece(k, PeerCodec.readEntry(in),
          in.readLong(), in.readLong()), true);
  /** A page of the keys the receiver owns, by its own store's cursor (one node's SCAN). */
  static final PeerOp<io.sidecache.store.ScanPage> SCAN = new PeerOp<>(27, "scan",
      PeerCodec::writeScanPage, PeerCodec::readScanPage,
      (svc, route, k, in) -> svc.scanOwned(in.readLong(), in.readInt()));
  /** How many keys the receiver owns (one node's share of DBSIZE). */
  static final PeerOp<Long> SIZE = new PeerOp<>(28, "size", ByteBuf::writeLong,
      ByteBuf::readLong, (svc, route, k, in) -> svc.countOwned());
  /** A random key of the receiver's store, or none. */
  static final PeerOp<Key> RANDOM_KEY = new PeerOp<>(29, "randomkey",
      PeerCodec::writeNullableKey, PeerCodec::readNullableKey,
      (svc, route, k, in) -> svc.randomLocalKey());
  /** Opens an upload of a value to its owner ({@link RemoteWriter}); answers the session id. */
  static final PeerOp<Long> UPLOAD_OPEN = new PeerOp<>(33, "upload-open", ByteBuf::writeLong,
      ByteBuf::readLong, (svc, route, k, in) -> svc.openUpload(route, k, in.readLong()));
  /** The next bytes of an upload. */
  static final PeerOp<Void> UPLOAD_PART = new PeerOp<>(34, "upload-part", (out, v) -> { },
      in -> null, (svc, route, k, in) -> svc.uploadPart(in.readLong(), PeerCodec.readBytes(in)));
  /** Commits an upload with the write's options. */
  static final PeerOp<io.sidecache.store.SetResult> UPLOAD_COMMIT = new PeerOp<>(35,
      "upload-commit", PeerCodec::writeSetResult, PeerCodec::readSetResult,
      (svc, route, k, in) -> svc.commitUpload(in.readLong(), PeerCodec.readSetOptions(in)));
  /** Abandons an upload. */
  static final PeerOp<Void> UPLOAD_ABORT = new PeerOp<>(36, "upload-abort", (out, v) -> { },
      in -> null, (svc, route, k, in) -> svc.abortUpload(in.readLong()));
  /**
   * The receiver's own copy of a key, read without routing for a take-over; the argument is the
   * member taking it over, which the receiver records before it reads.
   */
  static final PeerOp<Entry> PEEK = new PeerOp<>(32, "peek", PeerCodec::writeEntry,
      PeerCodec::readEntry, (svc, route, k, in) -> svc.handOver(k, PeerCodec.readMember(in)),
      true);
  /**
   * Proves the connection's handshake (admission to the ring) and that the receiver answers; the
   * answer is how many keys the receiver's own store holds, so a node joining a cluster whose
   * members hold nothing (a cold start) knows there is nothing to take over.
   */
  static final PeerOp<Long> PING = new PeerOp<>(30, "ping", ByteBuf::writeLong,
      ByteBuf::readLong, (svc, route, k, in) -> svc.localSize());
  /**
   * Takes keys the receiver owns for an isolated section: {@code id:i64, count:i32, keys, lease
   * ms:i64}, the id chosen by the sender; the answer is the id.
   */
  static final PeerOp<Long> RESERVE = new PeerOp<>(37, "reserve", ByteBuf::writeLong,
      ByteBuf::readLong,
      (svc, route, k, in) -> svc.reserve(in.readLong(), PeerCodec.readKeys(in), in.readLong()));
  /** Ends an isolated section: {@code id:i64}. */
  static final PeerOp<Void> RELEASE = new PeerOp<>(38, "release", (out, v) -> { }, in -> null,
      (svc, route, k, in) -> svc.release(in.readLong()));
  /** Empties the receiver's own store (one node's share of FLUSHALL). */
  static final PeerOp<Void> FLUSH = new PeerOp<>(26, "flush", (out, v) -> { }, in -> null,
      (svc, route, k, in) -> svc.flushLocal());

  final int code;
  final String name;
  /**
   * Whether a node sends this while it serves another node's request (a replica pulling chunks
   * while its owner waits for the replica's answer, a take-over's question): such requests go
   * on a connection of their own, so they never wait behind the request they serve.
   */
  final boolean nested;
  private final BiConsumer<ByteBuf, R> resultWriter;
  private final Function<ByteBuf, R> resultReader;
  private final Invoker<R> invoker;

  private PeerOp(int code, String name, BiConsumer<ByteBuf, R> resultWriter,
      Function<ByteBuf, R> resultReader, Invoker<R> invoker) {
    this(code, name, resultWriter, resultReader, invoker, false);
  }

  private PeerOp(int code, String name, BiConsumer<ByteBuf, R> resultWriter,
      Function<ByteBuf, R> resultReader, Invoker<R> invoker, boolean nested) {
    this.code = code;
    this.name = name;
    this.nested = nested;
    this.resultWriter = resultWriter;
    this.resultReader = resultReader;
    this.invoker = invoker;
    BY_CODE[code] = this;
  }

  /** A key-routed store call; {@code call} reads its arguments after the key. */
  private static <R> PeerOp<R> routed(int code, String name, BiConsumer<ByteBuf, R> writer,
      Function<ByteBuf, R> reader, StoreCall<R> call) {
    return new PeerOp<>(code, name, writer, reader,
        (svc, route, k, in) -> call.apply(svc.routed(route), k, in));
  }

  @FunctionalInterface
  private interface StoreCall<R> {
    CompletionStage<R> apply(CacheStore store, Key key, ByteBuf args);
  }

  /**
   * Returns the operation with a code.
   *
   * @throws IllegalArgumentException for an unknown code
   */
  static PeerOp<?> of(int code) {
    PeerOp<?> op = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    if (op == null) {
      throw new IllegalArgumentException("unknown peer operation " + code);
    }
    return op;
  }

  /**
   * Whether a request belongs to an isolated section: one of its operations, or the request that
   * takes or frees its keys. They have a connection of their own to each peer, so a request held
   * at the owner for a section never holds back the section's answers; a node's protocols run
   * one section at a time (the command gate), so a section's requests from one node are not held
   * for another's.
   */
  boolean ofSection(Route route) {
    return route.isolation() != 0 || this == RESERVE || this == RELEASE;
  }

  CompletionStage<R> invoke(PeerService service, Route route, Key key, ByteBuf args) {
    return invoker.invoke(service, route, key, args);
  }

  @SuppressWarnings("unchecked")
  void writeResult(ByteBuf out, Object result) {
    resultWriter.accept(out, (R) result);
  }

  R readResult(ByteBuf in) {
    return resultReader.apply(in);
  }

  @Override
  public String toString() {
    return name;
  }
}
