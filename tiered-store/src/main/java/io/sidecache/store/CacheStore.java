package io.sidecache.store;

import java.util.concurrent.CompletionStage;

/**
 * The keyspace every protocol reads and writes: binary keys to {@link Entry entries}, with the
 * semantics of Redis 7 and memcached 1.6 decided here, once.
 *
 * <p>Every operation is asynchronous because a disk read or a forwarded request must never block
 * a Netty event loop. An implementation completes the stage before returning when it can (a
 * memory hit), so callers check {@code toCompletableFuture().isDone()} and continue inline
 * without a thread hop. Failures are {@link StoreException} subtypes, delivered through the stage.
 *
 * <p>Expired entries are never returned by any operation. All times are absolute, in
 * milliseconds since the Unix epoch, as read from the store's {@link Ticker}.
 *
 * <p>Implementations are thread-safe; operations on one key are linearizable.
 */
public interface CacheStore {

  /** {@link #ttl} of a key that does not exist (Redis 7 {@code PTTL}: -2). */
  long TTL_ABSENT = -2;

  /** {@link #ttl} of a key that exists without an expiry (Redis 7 {@code PTTL}: -1). */
  long TTL_NONE = -1;

  /** An absolute time option that was not given (expiry times are never negative). */
  long NOT_SET = -1;

  /**
   * Reads a whole entry and records the access on it (fetched bit and last-access time, {@link
   * Entry#recordAccess}), as memcached's {@code get} does; every protocol's read goes through here
   * or through {@link #fetch}, so the access state reflects reads from any protocol.
   *
   * @param key the key, must not be {@code null}
   * @return a stage completed with the live entry, or with {@code null} when absent
   */
  CompletionStage<Entry> get(Key key);

  /**
   * Reads an entry with memcached meta get's side effects in one atomic step (protocol.txt, "Meta
   * Get"): touch, vivify on a miss, the recache win token handed out to exactly one reader, and the
   * access state as it was before this read.
   *
   * @param key the key, must not be {@code null}
   * @param options what to do besides reading, must not be {@code null}
   * @return a stage completed with the result, or with {@code null} on a miss that was not
   *     vivified
   */
  CompletionStage<FetchResult> fetch(Key key, FetchOptions options);

  /**
   * Reads part of a value, with Redis 7 {@code GETRANGE} semantics: {@code start} and {@code end}
   * are inclusive byte offsets, a negative offset counts from the end ({@code -1} is the last
   * byte), both are clamped to the value, and an inverted range is empty. HTTP ranges map onto
   * this: {@code bytes=a-b} is (a, b), {@code bytes=a-} is (a, -1), {@code bytes=-n} is (-n, -1).
   *
   * @param key the key, must not be {@code null}
   * @param start the first byte offset, inclusive
   * @param end the last byte offset, inclusive
   * @return a stage completed with the slice, or with {@code null} when the key is absent
   */
  CompletionStage<ValueSlice> getRange(Key key, long start, long end);

  /**
   * Opens a reader over part of an entry this store just returned (by {@link #get}, {@link
   * #fetch}, {@link #getAndTouch}, {@link #getAndDelete} or {@link SetResult#previous()}): the
   * way to read a {@link Entry#isChunked() chunked} value, which is never whole in heap. The range
   * follows {@link #getRange}'s rules; {@code (0, -1)} is the whole value. The reader sees this
   * entry's value even if the key changes meanwhile, provided it is opened within seconds of the
   * read that returned the entry.
   *
   * <p>This default serves entries whose bytes are in heap and fails with {@link
   * ChunkedValueException} on a chunked one; a store that chunks overrides it.
   *
   * @param key the key the entry was read under
   * @param entry the entry, must not be {@code null}
   * @param start the first byte offset, inclusive
   * @param end the last byte offset, inclusive
   * @return a stage completed with the reader, or with {@code null} when the value turned out to
   *     have lost a chunk before any byte was read (a miss; the key is removed)
   */
  default CompletionStage<ValueReader> read(Key key, Entry entry, long start, long end) {
    if (entry.isChunked()) {
      return java.util.concurrent.CompletableFuture.failedFuture(ChunkedValueException.INSTANCE);
    }
    long[] range = ValueSlice.resolve(entry.length(), start, end);
    return java.util.concurrent.CompletableFuture.completedFuture(
        ValueReader.of(entry, range[0], range[1]));
  }

  /**
   * Returns the value length above which a protocol should stream a value in with {@link
   * #writer} rather than gather it for {@link #set}, and expect to stream it out with {@link
   * #read}: the chunk size of a store that chunks values, {@link Long#MAX_VALUE} by default.
   *
   * @return a length in bytes
   */
  default long streamingThreshold() {
    return Long.MAX_VALUE;
  }

  /**
   * Opens a writer that streams a value in and commits it atomically with {@link #set}'s
   * semantics for the options given to {@link ValueWriter#commit}: the way to write a value
   * longer than a chunk without holding it whole in heap.
   *
   * <p>This default gathers the value and calls {@link #set} at commit; a store that chunks
   * overrides it.
   *
   * @param key the key, must not be {@code null}
   * @param length the value's length in bytes, or -1 when not known in advance
   * @return the writer
   */
  default ValueWriter writer(Key key, long length) {
    return new BufferedValueWriter(this, key, length);
  }

  /**
   * Writes a value under a condition.
   *
   * @param key the key, must not be {@code null}
   * @param value the value bytes, must not be {@code null}; ownership passes to the store
   * @param options the condition, flags and expiry, must not be {@code null}
   * @return a stage completed with what happened
   */
  CompletionStage<SetResult> set(Key key, byte[] value, SetOptions options);

  /**
   * Removes a key.
   *
   * @param key the key, must not be {@code null}
   * @return a stage completed with {@code true} when a live entry was removed
   */
  CompletionStage<Boolean> delete(Key key);

  /**
   * Removes a key, or marks it stale, under a condition (memcached meta delete, protocol.txt,
   * "Meta Delete").
   *
   * @param key the key, must not be {@code null}
   * @param options the CAS condition and whether to invalidate instead, must not be {@code null}
   * @return a stage completed with {@code STORED} when removed or marked stale, {@code NOT_FOUND}
   *     when the key is absent, {@code EXISTS} when the CAS version did not match
   */
  CompletionStage<SetResult.Outcome> delete(Key key, DeleteOptions options);

  /**
   * Tells whether a key holds a live entry.
   *
   * @param key the key, must not be {@code null}
   * @return a stage completed with {@code true} when the key exists
   */
  CompletionStage<Boolean> exists(Key key);

  /**
   * Adds to a signed 64-bit counter as Redis 7 {@code INCRBY}: a missing key counts as 0, the
   * expiry and flags are kept, the result is stored as its decimal form.
   *
   * @param key the key, must not be {@code null}
   * @param delta the amount to add, may be negative
   * @return a stage completed with the new value, or failed with {@link NotAnIntegerException}
   *     when the value is not a Redis integer, or {@link IncrementOverflowException}
   */
  CompletionStage<Long> incrementBy(Key key, long delta);

  /**
   * Adds to or subtracts from an unsigned 64-bit counter as memcached 1.6 {@code incr}/{@code
   * decr} (protocol.txt, "Increment/Decrement"): a missing key is not created, incr wraps around at
   * 2^64, decr stops at 0, the flags and expiry are kept.
   *
   * @param key the key, must not be {@code null}
   * @param delta the unsigned amount
   * @param decrement {@code true} to subtract
   * @return a stage completed with the new value (unsigned bits), or with {@code null} when the key
   *     is absent, or failed with {@link NotAnIntegerException} when the value is not a number
   */
  CompletionStage<Long> incrementUnsigned(Key key, long delta, boolean decrement);

  /**
   * memcached {@code incr}/{@code decr} arithmetic (as {@link #incrementUnsigned(Key, long,
   * boolean)}) with meta arithmetic's options (protocol.txt, "Meta Arithmetic"): compare CAS,
   * create on a miss with an initial value, set a new expiry on success.
   *
   * @param key the key, must not be {@code null}
   * @param delta the unsigned amount
   * @param decrement {@code true} to subtract (stopping at 0)
   * @param options the condition, creation and expiry, must not be {@code null}
   * @return a stage completed with the result, or failed with {@link NotAnIntegerException} when
   *     the value is not a number
   */
  CompletionStage<CounterResult> incrementUnsigned(
      Key key, long delta, boolean decrement, CounterOptions options);

  /**
   * Appends or prepends bytes to a value in one atomic step, keeping its flags and expiry (Redis
   * 7 {@code APPEND}; memcached {@code append}/{@code prepend}, text and binary, protocol.txt
   * "Storage commands"): the condition, the CAS check and the length limit are decided with the
   * write, never by a read before it.
   *
   * @param key the key, must not be {@code null}
   * @param part the bytes to add, must not be {@code null}
   * @param options which end, creation, CAS and length limit, must not be {@code null}
   * @return a stage completed with what happened
   */
  CompletionStage<ConcatResult> concat(Key key, byte[] part, ConcatOptions options);

  /**
   * Sets or removes the expiry of a live entry without changing its value, flags or CAS version
   * (Redis 7 {@code EXPIRE}/{@code PERSIST} and their NX/XX/GT/LT options, memcached {@code
   * touch}). An expiry at or before now deletes the key, as Redis does for a time in the past.
   *
   * @param key the key, must not be {@code null}
   * @param expiresAt the new absolute expiry in milliseconds since the epoch, or {@link
   *     Entry#NO_EXPIRY} to persist the key
   * @param condition when to change it, must not be {@code null}
   * @return a stage completed with {@code true} when the key existed and the condition held
   */
  CompletionStage<Boolean> expire(Key key, long expiresAt, ExpireCondition condition);

  /**
   * Reads the remaining time to live.
   *
   * @param key the key, must not be {@code null}
   * @return a stage completed with the remaining milliseconds (at least 0), {@link #TTL_NONE} for
   *     a key without expiry, or {@link #TTL_ABSENT} for a missing key
   */
  CompletionStage<Long> ttl(Key key);

  /**
   * Reads an entry and changes its expiry in one step (Redis 7 {@code GETEX}, memcached {@code
   * gat}/{@code gats} and binary GAT). The CAS version is kept, as memcached {@code touch} keeps
   * it.
   *
   * @param key the key, must not be {@code null}
   * @param expiresAt the new absolute expiry in milliseconds since the epoch, or {@link
   *     Entry#NO_EXPIRY} to persist the key; a time at or before now deletes the key
   * @return a stage completed with the entry after the change (as it was, when the change deleted
   *     it), or with {@code null} when the key is absent
   */
  CompletionStage<Entry> getAndTouch(Key key, long expiresAt);

  /**
   * Removes a key and returns what it held (Redis 7 {@code GETDEL}).
   *
   * @param key the key, must not be {@code null}
   * @return a stage completed with the removed live entry, or with {@code null} when absent
   */
  CompletionStage<Entry> getAndDelete(Key key);

  /**
   * Overwrites part of a value as Redis 7 {@code SETRANGE}: a missing key counts as empty, the
   * value is zero-padded up to {@code offset}, flags and expiry are kept; writing nothing to a
   * missing key leaves it missing. The caller checks {@code offset + bytes.length} against its
   * size limit.
   *
   * @param key the key, must not be {@code null}
   * @param offset the byte offset to write at, at least 0
   * @param bytes the bytes to write, must not be {@code null}
   * @return a stage completed with the length of the value afterwards, in bytes
   */
  CompletionStage<Long> setRange(Key key, long offset, byte[] bytes);

  /**
   * Runs the sub-operations of a Redis 7 {@code BITFIELD} on one value atomically, in order (as
   * {@code SETBIT}, {@code GETBIT}, {@code BITFIELD_RO}): a missing key reads as zeros; if some
   * sub-operation writes, the value grows with zero bytes to cover every written field (a missing
   * key is created, without expiry) and keeps its flags and expiry. A field of a chunked value
   * touches only the chunks that hold it. The caller checks the offsets against its size limit.
   *
   * @param key the key, must not be {@code null}
   * @param field the sub-operations, must not be {@code null}
   * @return a stage completed with one result per sub-operation ({@link BitField#apply}), or
   *     failed with {@link NotSupportedException} if a chunked value's fields are not within two
   *     adjacent chunks
   */
  CompletionStage<java.util.List<Long>> bitField(Key key, BitField field);

  /**
   * Adds to a decimal floating-point value as Redis 7 {@code INCRBYFLOAT}: a missing key counts as
   * 0, expiry and flags are kept, the result is stored and returned in Redis's human-friendly
   * form (no exponent, no trailing zeros).
   *
   * @param key the key, must not be {@code null}
   * @param increment the increment as text, as the client sent it, must not be {@code null}
   * @return a stage completed with the new value's text, or failed with {@link
   *     NotAFloatException} when the value or the increment is not a valid float, or {@link
   *     NotFiniteException} when the result would be NaN or infinite
   */
  CompletionStage<byte[]> incrementByFloat(Key key, byte[] increment);

  /**
   * Moves a value to another key, with its flags and expiry (Redis 7 {@code RENAME} and {@code
   * RENAMENX}); renaming a key to itself changes nothing. Atomic for each key on its own; a
   * caller that needs both keys to change together with no command in between runs it
   * exclusively.
   *
   * @param from the source key, must not be {@code null}
   * @param to the target key, must not be {@code null}
   * @param onlyIfAbsent {@code true} to refuse when the target exists ({@code RENAMENX})
   * @return a stage completed with {@code STORED} when moved, {@code NOT_FOUND} when the source is
   *     absent, or {@code NOT_STORED} when the target exists and {@code onlyIfAbsent} was given
   */
  CompletionStage<SetResult.Outcome> rename(Key from, Key to, boolean onlyIfAbsent);

  /**
   * Copies a value to another key with its flags and expiry (Redis 7 {@code COPY}). Atomicity as
   * {@link #rename}.
   *
   * @param from the source key, must not be {@code null}
   * @param to the target key, must not be {@code null} nor equal to {@code from}
   * @param replace {@code true} to overwrite an existing target ({@code REPLACE})
   * @return a stage completed with {@code STORED} when copied, {@code NOT_FOUND} when the source
   *     is absent, or {@code NOT_STORED} when the target exists and {@code replace} was not given
   */
  CompletionStage<SetResult.Outcome> copy(Key from, Key to, boolean replace);

  /**
   * Tells whether an operation over several keys can run with single-node isolation (Redis 7
   * {@code MULTI}/{@code EXEC}, {@code MSETNX}): always on one node; in a cluster, when every key
   * has the same owner (hash tags put related keys together). A protocol answers a multi-key
   * command over keys that are not as Redis Cluster does ({@code CROSSSLOT}).
   *
   * @param keys the keys, may be empty
   * @return {@code true} when the keys can be changed together
   */
  default boolean colocated(java.util.Collection<Key> keys) {
    return true;
  }

  /**
   * Runs a section of operations on some keys with no other operation on those keys in between,
   * wherever it comes from: the isolation Redis 7 gives {@code MULTI}/{@code EXEC}, {@code
   * MSETNX}, {@code RENAME}, {@code COPY} and {@code BITOP}. The section runs its operations on
   * the store it is given, and the isolation lasts until the stage it returns completes.
   *
   * <p>On one node this runs the section at once on this store: there, the caller's exclusive
   * section (the protocols' {@code CommandGate}) already keeps every other command out. In a
   * cluster the keys' owner holds every other operation on them, from any node, while the section
   * runs (DESIGN.md "Cluster"); {@link ForwardingCacheStore} forwards it.
   *
   * @param keys the keys the section reads or writes, {@link #colocated}; may be empty or repeat
   * @param section given the store to run the section's operations on, returns a stage completed
   *     when the section is done; called once, on the calling thread or on one that completes a
   *     store stage
   * @param <T> the section's result type
   * @return the section's stage, or a stage failed with {@link StoreUnavailableException} when the
   *     keys' owner cannot be reached or holds them for others too long
   */
  default <T> CompletionStage<T> isolated(java.util.Collection<Key> keys,
      java.util.function.Function<CacheStore, ? extends CompletionStage<T>> section) {
    return section.apply(this);
  }

  /**
   * Returns the next page of a cursor-based iteration over the keys held on this node (Redis 7
   * {@code SCAN}): cursor 0 starts an iteration and a returned cursor of 0 ends it. Every key
   * present for the whole iteration is returned at least once; keys added or removed meanwhile
   * may or may not be; a key may be returned more than once. An unknown or expired cursor starts
   * over, which keeps that guarantee.
   *
   * @param cursor 0, or a cursor returned by the previous page
   * @param count the number of keys to visit for this page, at least 1 (a hint, as Redis's COUNT)
   * @return a stage completed with the page
   */
  CompletionStage<ScanPage> scan(long cursor, int count);

  /**
   * Picks a live key at random (Redis 7 {@code RANDOMKEY}).
   *
   * @return a stage completed with a key, or with {@code null} when the store is empty
   */
  CompletionStage<Key> randomKey();

  /**
   * Counts the keys held on this node (Redis 7 {@code DBSIZE}, memcached {@code curr_items}); as in
   * Redis, keys that expired but were not yet reclaimed may be counted.
   *
   * @return a stage completed with the number of keys
   */
  CompletionStage<Long> size();

  /**
   * Returns counters of this node's store for {@code INFO}, memcached {@code stats} and metrics.
   *
   * @return a snapshot, never {@code null}
   */
  StoreStats stats();

  /**
   * Removes every entry (Redis {@code FLUSHALL}, memcached {@code flush_all}).
   *
   * @return a stage completed when the store is empty of entries written before the call
   */
  CompletionStage<Void> flush();
}
