package io.sidecache.store.chunk;

import io.sidecache.store.BitField;
import io.sidecache.store.BufferedValueWriter;
import io.sidecache.store.CacheStore;
import io.sidecache.store.ChunkLostException;
import io.sidecache.store.ChunkedValueException;
import io.sidecache.store.ConcatOptions;
import io.sidecache.store.ConcatResult;
import io.sidecache.store.CounterOptions;
import io.sidecache.store.CounterResult;
import io.sidecache.store.DeleteOptions;
import io.sidecache.store.Entry;
import io.sidecache.store.FetchOptions;
import io.sidecache.store.ForwardingCacheStore;
import io.sidecache.store.Key;
import io.sidecache.store.NotAFloatException;
import io.sidecache.store.NotSupportedException;
import io.sidecache.store.NotAnIntegerException;
import io.sidecache.store.SetOptions;
import io.sidecache.store.SetResult;
import io.sidecache.store.SetResult.Outcome;
import io.sidecache.store.StoreException;
import io.sidecache.store.StoreStats;
import io.sidecache.store.Ticker;
import io.sidecache.store.ValueReader;
import io.sidecache.store.ValueSlice;
import io.sidecache.store.ValueStreams;
import io.sidecache.store.ValueWriter;
import io.sidecache.store.disk.DiskTier;
import io.sidecache.store.memory.MemoryStore;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.collections.impl.list.mutable.primitive.LongArrayList;

/**
 * The chunk layer: a {@link CacheStore} over a store of entries (memory or tiered) that keeps
 * every value longer than {@link #chunkSize()} bytes as a manifest entry plus chunks in a {@link
 * ChunkStore} (DESIGN.md "Tiers and chunks"). Values of at most one chunk take the store below's
 * single-array path unchanged.
 *
 * <ul>
 *   <li><b>Writes</b> ({@link #writer}, and {@link #set} of a long array) store chunks under a new
 *       generation as the bytes arrive, a few in flight at a time (back-pressure), then commit
 *       the manifest with the write's condition in one {@code set} of the store below: the commit
 *       point. A refused or abandoned write frees its chunks.
 *   <li><b>Reads</b> ({@link #read}) pin the manifest's generations, check the entry is still the
 *       key's value (else read the current one), and fetch only the chunks the range covers,
 *       {@value #READ_AHEAD} ahead; {@link #getRange} of a chunked value reads only its range's
 *       chunks. A chunk found missing before any byte was read makes the value a miss, and it is
 *       removed. Values a command takes out of the keyspace and returns (GETDEL, GETSET) are
 *       leased first, so their chunks stay for the reader.
 *   <li><b>Changes in place</b> (APPEND, SETRANGE) read at most the two chunks the change starts
 *       and ends in, store the changed chunks under a new generation and commit a manifest naming
 *       them with the old ones, conditional on the entry's CAS version (retried on a race): only
 *       the chunks written are written. Prepend and COPY of a chunked value rewrite it.
 *   <li><b>Whole-value operations</b> (INCR, INCRBYFLOAT, memcached incr/decr) on a chunked value:
 *       a value longer than {@value #NUMBER_LIMIT} bytes cannot be a number (Redis reads at most
 *       {@code MAX_LONG_DOUBLE_CHARS} = 5,120 characters), so they fail as on a non-number; a
 *       shorter one (only with a tiny chunk size) is made whole first.
 * </ul>
 *
 * <p>Thread-safe; nothing blocks. Stages complete on the caller's thread when everything was in
 * memory, else on the store's disk thread.
 */
public final class ChunkedStore extends ForwardingCacheStore {
  /**
   * The default chunk size in bytes: the largest that keeps a chunk and its disk record header
   * within one MapDB record (65,520 bytes; longer ones become chains MapDB always reads whole),
   * rounded down to a multiple of 64. docs/benchmarks.md has the measurement behind it.
   */
  public static final int DEFAULT_CHUNK_SIZE = 65_472;

  /** The largest chunk size: a chunk's disk record stays one MapDB record. */
  public static final int MAX_CHUNK_SIZE = DiskTier.MAX_CHUNK_BYTES;

  /** The longest value a number operation reads (Redis {@code MAX_LONG_DOUBLE_CHARS}). */
  static final int NUMBER_LIMIT = 5 * 1024;

  /** Chunks a reader reads ahead of the one it yields. */
  static final int READ_AHEAD = 4;

  /** Chunk writes one writer keeps in flight before it asks its caller to wait. */
  static final int WRITE_WINDOW = 4;

  private static final CompletableFuture<Void> READY = CompletableFuture.completedFuture(null);
  private static final ConcatResult NOT_CONCATENATED = new ConcatResult(Outcome.NOT_STORED, 0, 0);

  private final ChunkReclaimer reclaimer;
  private final ChunkStore chunks;
  private final int chunkSize;
  private final AtomicLong flushes = new AtomicLong();

  /**
   * Creates the chunk layer over {@code base}.
   *
   * @param base the store of entries, whose tiers tell {@code reclaimer} about released chunked
   *     entries
   * @param reclaimer frees the chunks of replaced values; holds the {@link ChunkStore}
   * @param chunkSize bytes per chunk, at least 1; values longer than this are chunked
   */
  public ChunkedStore(CacheStore base, ChunkReclaimer reclaimer, int chunkSize) {
    super(base);
    if (chunkSize < 1) {
      throw new IllegalArgumentException("chunkSize: " + chunkSize + " (expected: >= 1)");
    }
    this.reclaimer = reclaimer;
    this.chunks = reclaimer.chunks();
    this.chunkSize = chunkSize;
  }

  /**
   * Returns a chunk layer over a memory tier alone: chunks in a {@link MemoryChunkStore}, so a
   * chunk evicted from memory makes its value a miss.
   *
   * @param memory the memory tier's settings; the chunk releaser is set here
   * @param chunkMemoryBytes the bound of the memory chunks may hold, in bytes
   * @param chunkSize bytes per chunk
   * @param ticker the clock of the leases of values taken out of the keyspace
   * @param reclaim where freeing runs every second, or {@code null} to call {@link #reclaim()}
   * @return the store
   */
  public static ChunkedStore overMemory(MemoryStore.Builder memory, long chunkMemoryBytes,
      int chunkSize, Ticker ticker, ScheduledExecutorService reclaim) {
    ChunkReclaimer reclaimer = new ChunkReclaimer(new MemoryChunkStore(chunkMemoryBytes), ticker);
    if (reclaim != null) {
      reclaimer.start(reclaim);
    }
    return new ChunkedStore(memory.chunkReleaser(reclaimer).build(), reclaimer, chunkSize);
  }

  /** Returns the bytes per chunk: values longer than this are stored in chunks. */
  public int chunkSize() {
    return chunkSize;
  }

  /** {@inheritDoc} The chunk size: longer values are chunked. */
  @Override
  public long streamingThreshold() {
    return chunkSize;
  }

  /** Returns the store of entries below the chunk layer. */
  public CacheStore base() {
    return delegate();
  }

  /**
   * Ends the expired leases and frees the released chunks their readers let go of, now; for tests
   * (the store does it every second on its own when built with an executor).
   *
   * @return the number of chunks freed
   */
  public int reclaim() {
    return reclaimer.reclaim();
  }

  /** Returns the chunk reclaimer, for its counters. */
  public ChunkReclaimer reclaimer() {
    return reclaimer;
  }

  // ---- reads

  @Override
  public CompletionStage<ValueReader> read(Key key, Entry entry, long start, long end) {
    if (!entry.isChunked()) {
      return super.read(key, entry, start, end);
    }
    Manifest m = Manifest.decode(entry.value());
    long[] range = ValueSlice.resolve(m.length(), start, end);
    return new ChunkReader(key, entry, m, range[0], range[1]).open(start, end);
  }

  @Override
  public CompletionStage<ValueSlice> getRange(Key key, long start, long end) {
    return orChunked(super.getRange(key, start, end), () -> peek(key).thenCompose(e -> {
      if (e == null) {
        return CompletableFuture.completedFuture(null);
      }
      if (!e.isChunked()) {
        return CompletableFuture.completedFuture(ValueSlice.of(e, start, end));
      }
      return read(key, e, start, end).thenCompose(r -> r == null
          ? CompletableFuture.completedFuture(null)
          : ValueStreams.collect(r)
              .thenApply(bytes -> new ValueSlice(bytes, r.offset(), e.length(), e.flags())));
    }));
  }

  /**
   * {@inheritDoc}
   *
   * <p>A chunked value is {@link ChunkReclaimer#lease leased} before it is removed, so its chunks
   * are still there when the caller {@link #read reads} the entry returned.
   */
  @Override
  public CompletionStage<Entry> getAndDelete(Key key) {
    return leased(key, () -> super.getAndDelete(key));
  }

  /** {@inheritDoc} Leased as {@link #getAndDelete} when the expiry, in the past, removes it. */
  @Override
  public CompletionStage<Entry> getAndTouch(Key key, long expiresAt) {
    if (expiresAt == Entry.NO_EXPIRY || expiresAt > reclaimer.now()) {
      return super.getAndTouch(key, expiresAt);
    }
    return leased(key, () -> super.getAndTouch(key, expiresAt));
  }

  /** Leases the key's value when it is chunked, then runs {@code op}, which may remove it. */
  private <T> CompletionStage<T> leased(Key key, Supplier<CompletionStage<T>> op) {
    CompletableFuture<Entry> current = peek(key).toCompletableFuture();
    if (current.isDone() && !current.isCompletedExceptionally()) {
      lease(current.join()); // the usual case, in memory: no extra stage
      return op.get();
    }
    return current.thenCompose(e -> {
      lease(e);
      return op.get();
    });
  }

  private void lease(Entry e) {
    if (e != null && e.isChunked()) {
      reclaimer.lease(e);
    }
  }

  /** Reads a key's entry without recording an access (the chunk layer's own look). */
  private CompletionStage<Entry> peek(Key key) {
    return super.fetch(key, FetchOptions.PEEK).thenApply(r -> r == null ? null : r.entry());
  }

  // ---- writes

  /**
   * {@inheritDoc}
   *
   * <p>With {@link SetOptions#returnPrevious()} a chunked previous value is leased first (see
   * {@link #getAndDelete}).
   */
  @Override
  public CompletionStage<SetResult> set(Key key, byte[] value, SetOptions options) {
    if (options.returnPrevious()) {
      return leased(key, () -> write(key, value, options));
    }
    return write(key, value, options);
  }

  private CompletionStage<SetResult> write(Key key, byte[] value, SetOptions options) {
    if (value.length <= chunkSize) {
      return super.set(key, value, options);
    }
    ValueWriter w = writer(key, value.length);
    return w.write(ByteBuffer.wrap(value)).thenCompose(v -> w.commit(options))
        .whenComplete((r, t) -> {
          if (t != null) {
            w.abort();
          }
        });
  }

  @Override
  public ValueWriter writer(Key key, long length) {
    if (length >= 0 && length <= chunkSize) {
      return new BufferedValueWriter(this, key, length); // commits with set: leases, as set does
    }
    if (length > Manifest.maxLength(chunkSize)) {
      throw new IllegalArgumentException("value of " + length + " bytes needs more than "
          + Manifest.MAX_CHUNKS + " chunks of " + chunkSize + " bytes");
    }
    return new ChunkWriter(key, length);
  }

  @Override
  public CompletionStage<ConcatResult> concat(Key key, byte[] part, ConcatOptions options) {
    long limit = options.maxLength() == NOT_SET
        ? chunkSize : Math.min(options.maxLength(), chunkSize);
    ConcatOptions inHeap = new ConcatOptions(options.prepend(), options.createIfAbsent(),
        options.expectedCas(), limit);
    CompletableFuture<ConcatResult> fast = super.concat(key, part, inHeap).toCompletableFuture();
    if (fast.isDone() && !fast.isCompletedExceptionally()
        && fast.join().outcome() != Outcome.NOT_STORED) {
      return fast;
    }
    // Refused: perhaps only because the result would be longer than a chunk; or chunked.
    return fast.handle((r, t) -> {
      if (t != null && !(cause(t) instanceof ChunkedValueException)) {
        return CompletableFuture.<ConcatResult>failedFuture(cause(t));
      }
      if (t == null && r.outcome() != Outcome.NOT_STORED) {
        return CompletableFuture.completedFuture(r);
      }
      return concatChunked(key, part, options);
    }).thenCompose(Function.identity());
  }

  private CompletionStage<ConcatResult> concatChunked(Key key, byte[] part,
      ConcatOptions options) {
    return peek(key).thenCompose(e -> {
      if (e == null) {
        if (!options.createIfAbsent()
            || (options.maxLength() != NOT_SET && part.length > options.maxLength())) {
          return CompletableFuture.completedFuture(NOT_CONCATENATED);
        }
        return set(key, part, SetOptions.builder().ifAbsent().build()).thenCompose(r ->
            r.outcome() == Outcome.STORED
                ? CompletableFuture.completedFuture(
                    new ConcatResult(Outcome.STORED, part.length, r.current().cas()))
                : concat(key, part, options));
      }
      if (options.expectedCas() != 0 && e.cas() != options.expectedCas()) {
        return CompletableFuture.completedFuture(new ConcatResult(Outcome.EXISTS, 0, 0));
      }
      long length = e.length() + part.length;
      if (options.maxLength() != NOT_SET && length > options.maxLength()) {
        return CompletableFuture.completedFuture(NOT_CONCATENATED);
      }
      if (!e.isChunked() && length <= chunkSize) {
        return concat(key, part, options); // changed meanwhile: fits in heap after all
      }
      CompletionStage<SetResult> written = options.prepend()
          ? prepend(key, e, part)
          : modify(key, e, e.length(), part, length);
      return written.thenCompose(r -> r.outcome() == Outcome.STORED
          ? CompletableFuture.completedFuture(
              new ConcatResult(Outcome.STORED, length, r.current().cas()))
          : concatChunked(key, part, options)); // the entry changed: again, from the new one
    });
  }

  /** Rewrites a value with {@code part} in front, committed if the entry is still {@code e}. */
  private CompletionStage<SetResult> prepend(Key key, Entry e, byte[] part) {
    ValueWriter w = writer(key, e.length() + part.length);
    return w.write(ByteBuffer.wrap(part))
        .thenCompose(v -> read(key, e, 0, -1))
        .thenCompose(r -> {
          if (r == null) {
            return CompletableFuture.<Void>failedFuture(
                new ChunkLostException("value of " + key + " lost a chunk"));
          }
          return ValueStreams.copy(r, w).whenComplete((v, t) -> r.close());
        })
        .thenCompose(v -> w.commit(keep(e)))
        .whenComplete((r, t) -> {
          if (t != null) {
            w.abort();
          }
        });
  }

  /** A commit conditional on the entry still being {@code e}, keeping its flags and expiry. */
  private static SetOptions keep(Entry e) {
    return SetOptions.builder().ifCas(e.cas()).flags(e.flags()).keepTtl().build();
  }

  @Override
  public CompletionStage<Long> setRange(Key key, long offset, byte[] bytes) {
    if (offset + bytes.length <= chunkSize) {
      return orChunked(super.setRange(key, offset, bytes), () -> setRangeChunked(key, offset,
          bytes));
    }
    return setRangeChunked(key, offset, bytes);
  }

  private CompletionStage<Long> setRangeChunked(Key key, long offset, byte[] bytes) {
    return peek(key).thenCompose(e -> {
      if (bytes.length == 0) {
        return CompletableFuture.completedFuture(e == null ? 0L : e.length());
      }
      if (e != null && !e.isChunked() && offset + bytes.length <= chunkSize) {
        return super.setRange(key, offset, bytes); // changed meanwhile: fits in heap after all
      }
      long length = Math.max(e == null ? 0 : e.length(), offset + bytes.length);
      return modify(key, e, offset, bytes, length).thenCompose(r ->
          r.outcome() == Outcome.STORED
              ? CompletableFuture.completedFuture(length)
              : setRangeChunked(key, offset, bytes));
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Fields within the first chunk of an in-heap value run in the memory tier. Otherwise the
   * one or two chunks that hold the fields are read, the fields applied, and those chunks
   * committed as {@link #setRange} commits a change (under a new generation, if the key still
   * holds what was read; else it starts over).
   */
  @Override
  public CompletionStage<java.util.List<Long>> bitField(Key key, BitField field) {
    if (field.ops().isEmpty()) {
      return CompletableFuture.completedFuture(java.util.List.of());
    }
    if (field.lastByte() < chunkSize) {
      return orChunked(super.bitField(key, field), () -> bitFieldChunked(key, field));
    }
    return bitFieldChunked(key, field);
  }

  private CompletionStage<java.util.List<Long>> bitFieldChunked(Key key, BitField field) {
    return peek(key).thenCompose(e -> {
      boolean inHeap = e == null || !e.isChunked();
      if (inHeap && (!field.writes() || field.lengthAfterWrites() <= chunkSize)) {
        // Stays in heap (or only reads it): the memory tier runs it atomically.
        return orChunked(super.bitField(key, field), () -> bitFieldChunked(key, field));
      }
      int size = e != null && e.isChunked() ? Manifest.decode(e.value()).chunkSize() : chunkSize;
      // One window of whole chunks holds every field if they lie in two adjacent chunks, else
      // every written field (so the commit replaces those chunks without reading them again,
      // and the change commits as one), which must then lie in two adjacent chunks. A read
      // outside it gets a window of its own bytes; one that straddles its edge is refused, as
      // it might need to see a write made before it in the call.
      long first = field.firstByte();
      long last = field.lastByte();
      boolean spread = last / size - first / size > 1;
      if (spread && field.writes()) {
        first = Long.MAX_VALUE;
        last = -1;
        for (BitField.Op op : field.ops()) {
          if (op.writes()) {
            first = Math.min(first, op.offset() >>> 3);
            last = Math.max(last, op.lastByte());
          }
        }
        if (last / size - first / size > 1) {
          return CompletableFuture.<java.util.List<Long>>failedFuture(new NotSupportedException(
              "the written fields of one BITFIELD on a value longer than " + chunkSize
                  + " bytes must lie in two adjacent chunks of " + size + " bytes"));
        }
        spread = false;
        long from = first / size * size;
        long to = (last / size + 1) * size - 1;
        for (BitField.Op op : field.ops()) {
          boolean inside = (op.offset() >>> 3) >= from && op.lastByte() <= to;
          boolean outside = op.lastByte() < from || (op.offset() >>> 3) > to;
          if (!inside && !outside) {
            return CompletableFuture.<java.util.List<Long>>failedFuture(
                new NotSupportedException("a field of one BITFIELD on a value longer than "
                    + chunkSize + " bytes straddles the chunks its writes change"));
          }
        }
      }
      long length = Math.max(e == null ? 0 : e.length(), field.lengthAfterWrites());
      // Whole chunks for a write (the commit replaces them); a read needs only its bytes.
      long from = spread ? -1 : field.writes() ? first / size * size : first;
      long to = spread ? -2 : field.writes() ? (last / size + 1) * size - 1 : last;
      int n = field.ops().size();
      byte[][] windows = new byte[n][];
      long[] bases = new long[n];
      List<CompletableFuture<byte[]>> reads = new ArrayList<>();
      CompletableFuture<byte[]> main = spread ? CompletableFuture.completedFuture(null)
          : window(key, e, from, to).toCompletableFuture();
      reads.add(main);
      List<Integer> own = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        BitField.Op op = field.ops().get(i);
        long opFirst = op.offset() >>> 3;
        if (spread || opFirst < from || op.lastByte() > to) {
          own.add(i);
          bases[i] = opFirst;
          reads.add(window(key, e, opFirst, op.lastByte()).toCompletableFuture());
        } else {
          bases[i] = from;
        }
      }
      return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenCompose(v -> {
        byte[] mainWindow = main.join();
        for (int i = 0; i < n; i++) {
          windows[i] = mainWindow;
        }
        for (int k = 0; k < own.size(); k++) {
          windows[own.get(k)] = reads.get(k + 1).join();
        }
        Long[] results = new Long[n];
        for (int i = 0; i < n; i++) {
          results[i] = field.apply(i, windows[i], bases[i]);
        }
        java.util.List<Long> answer = java.util.Arrays.asList(results);
        if (!field.writes()) {
          if (own.isEmpty() || e == null) {
            return CompletableFuture.completedFuture(answer); // one read: one version
          }
          // Several reads, each of which may have found a newer value: the answer is one
          // version's only if the key still holds the value they started from (CAS versions only
          // grow), else it starts over.
          return peek(key).thenCompose(now -> now != null && now.cas() == e.cas()
              ? CompletableFuture.completedFuture(answer) : bitFieldChunked(key, field));
        }
        // Only the bytes the value holds: a GET past its end reads zeros but adds nothing.
        byte[] changed = mainWindow.length > length - from
            ? Arrays.copyOf(mainWindow, (int) (length - from)) : mainWindow;
        return modify(key, e, from, changed, length).thenCompose(r ->
            r.outcome() == Outcome.STORED
                ? CompletableFuture.completedFuture(answer)
                : bitFieldChunked(key, field));
      });
    });
  }

  /**
   * Bytes {@code [first, last]} of the value {@code e} (absent, in heap or chunked), zeros past
   * its end.
   */
  private CompletionStage<byte[]> window(Key key, Entry e, long first, long last) {
    byte[] w = new byte[(int) (last - first + 1)];
    if (e == null || first >= e.length()) {
      return CompletableFuture.completedFuture(w);
    }
    long end = Math.min(last, e.length() - 1);
    if (!e.isChunked()) {
      System.arraycopy(e.value(), (int) first, w, 0, (int) (end - first + 1));
      return CompletableFuture.completedFuture(w);
    }
    return read(key, e, first, end).thenCompose(r -> r == null
        ? CompletableFuture.completedFuture(w)
        : ValueStreams.collect(r).thenApply(b -> {
          System.arraycopy(b, 0, w, 0, b.length);
          return w;
        }));
  }

  /**
   * Writes {@code bytes} at {@code offset} into the value {@code e} (absent, in heap or chunked),
   * storing only the chunks the bytes touch under a new generation (an in-heap value's bytes
   * become chunks of their own first), and commits the new manifest if the key still holds
   * {@code e} (or, for an absent key, still nothing).
   */
  private CompletionStage<SetResult> modify(Key key, Entry e, long offset, byte[] bytes,
      long length) {
    if (e != null && e.isChunked()) {
      Manifest old = Manifest.decode(e.value());
      reclaimer.pin(old);
      CompletionStage<SetResult> done;
      try {
        done = modify(key, e, old, offset, bytes, length);
      } catch (RuntimeException failure) {
        reclaimer.unpin(old);
        throw failure;
      }
      return done.whenComplete((r, t) -> reclaimer.unpin(old));
    }
    return modify(key, e, null, offset, bytes, length);
  }

  /** {@link #modify} with a chunked value's manifest, pinned by the caller, or {@code null}. */
  private CompletionStage<SetResult> modify(Key key, Entry e, Manifest chunked, long offset,
      byte[] bytes, long length) {
    // A value keeps the chunk size it was written with, even if --chunk-size changed since.
    int size = chunked != null ? chunked.chunkSize() : chunkSize;
    if (length > Manifest.maxLength(size)) {
      return CompletableFuture.failedFuture(new NotSupportedException("a value of chunks of "
          + size + " bytes holds at most " + Manifest.maxLength(size) + " bytes"));
    }
    Writes w = new Writes();
    int first = (int) (offset / size);
    int last = (int) ((offset + bytes.length - 1) / size);
    Manifest old;
    if (chunked != null) {
      old = chunked;
    } else if (e == null) {
      old = Manifest.of(0, size, Manifest.HOLE);
    } else {
      // In heap: its chunks outside the change are stored as a generation of their own.
      long g0 = w.begin();
      old = Manifest.of(e.length(), size, g0);
      for (int i = 0; i < old.chunkCount(); i++) {
        if (i < first || i > last) {
          w.store(Manifest.chunkId(g0, i), inHeapChunk(e, i, size));
        }
      }
    }
    long g = w.begin();
    Manifest next = old.withChunks(first, last + 1, g, length);
    CompletionStage<SetResult> done = edge(e, old, first, offset, bytes, next)
        .thenCombine(last == first ? CompletableFuture.completedFuture(null)
            : edge(e, old, last, offset, bytes, next), (a, b) -> {
              for (int i = first; i <= last; i++) {
                byte[] chunk = new byte[next.chunkLength(i)];
                byte[] before = i == first ? a : i == last ? b : null;
                if (before != null) {
                  System.arraycopy(before, 0, chunk, 0, Math.min(before.length, chunk.length));
                }
                long chunkStart = (long) i * size;
                long from = Math.max(offset, chunkStart);
                long to = Math.min(offset + bytes.length, chunkStart + chunk.length);
                System.arraycopy(bytes, (int) (from - offset), chunk, (int) (from - chunkStart),
                    (int) (to - from));
                w.store(Manifest.chunkId(g, i), chunk);
              }
              return null;
            })
        .thenCompose(v -> w.commit(key, next, e == null
            ? SetOptions.builder().ifAbsent().build() : keep(e)));
    return done.whenComplete((r, t) -> {
      if (t != null) {
        w.abandon();
      }
    });
  }

  /** Chunk {@code i} of an in-heap value's bytes, for chunks of {@code size} bytes. */
  private static byte[] inHeapChunk(Entry e, int i, int size) {
    byte[] v = e.value();
    return Arrays.copyOfRange(v, i * size, (int) Math.min(v.length, (long) (i + 1) * size));
  }

  /**
   * The old bytes of chunk {@code i} a change keeps around its new bytes: {@code null} when the
   * change covers the chunk or the chunk is new or a hole.
   */
  private CompletionStage<byte[]> edge(Entry e, Manifest old, int i, long offset, byte[] bytes,
      Manifest next) {
    long chunkStart = (long) i * old.chunkSize();
    boolean covered = offset <= chunkStart
        && offset + bytes.length >= chunkStart + next.chunkLength(i);
    if (covered || i >= old.chunkCount()) {
      return CompletableFuture.completedFuture(null);
    }
    if (!e.isChunked()) {
      return CompletableFuture.completedFuture(inHeapChunk(e, i, old.chunkSize()));
    }
    if (old.chunkId(i) == -1) {
      return CompletableFuture.completedFuture(null);
    }
    return chunks.read(old.chunkId(i)).thenApply(b -> {
      if (b == null) {
        throw new CompletionException(new ChunkLostException("chunk " + i + " of a value lost"));
      }
      byte[] copy = new byte[b.remaining()];
      b.duplicate().get(copy);
      return copy;
    });
  }

  // ---- operations that need the whole value

  @Override
  public CompletionStage<Long> incrementBy(Key key, long delta) {
    return orChunked(super.incrementBy(key, delta),
        () -> inHeap(key, NotAnIntegerException::new).thenCompose(v -> incrementBy(key, delta)));
  }

  @Override
  public CompletionStage<Long> incrementUnsigned(Key key, long delta, boolean decrement) {
    return orChunked(super.incrementUnsigned(key, delta, decrement),
        () -> inHeap(key, NotAnIntegerException::new)
            .thenCompose(v -> incrementUnsigned(key, delta, decrement)));
  }

  @Override
  public CompletionStage<CounterResult> incrementUnsigned(Key key, long delta, boolean decrement,
      CounterOptions options) {
    return orChunked(super.incrementUnsigned(key, delta, decrement, options),
        () -> inHeap(key, NotAnIntegerException::new)
            .thenCompose(v -> incrementUnsigned(key, delta, decrement, options)));
  }

  @Override
  public CompletionStage<byte[]> incrementByFloat(Key key, byte[] increment) {
    return orChunked(super.incrementByFloat(key, increment),
        () -> inHeap(key, NotAFloatException::new)
            .thenCompose(v -> incrementByFloat(key, increment)));
  }

  /**
   * Makes a short chunked value whole in heap (same bytes, flags and expiry, a new CAS version),
   * so that a number operation can run on it; a long one fails with {@code notANumber}, as the
   * operation would on its bytes.
   */
  private CompletionStage<Void> inHeap(Key key, Supplier<StoreException> notANumber) {
    return peek(key).thenCompose(e -> {
      if (e == null || !e.isChunked()) {
        return READY; // changed meanwhile: run the operation again
      }
      if (e.length() > NUMBER_LIMIT) {
        return CompletableFuture.failedFuture(notANumber.get());
      }
      return read(key, e, 0, -1).thenCompose(r -> r == null
          ? READY
          : ValueStreams.collect(r).thenCompose(bytes -> super.set(key, bytes, keep(e)))
              .thenApply(x -> null));
    });
  }

  @Override
  public CompletionStage<Outcome> copy(Key from, Key to, boolean replace) {
    return orChunked(super.copy(from, to, replace), () -> peek(from).thenCompose(e -> {
      if (e == null) {
        return CompletableFuture.completedFuture(Outcome.NOT_FOUND);
      }
      if (!e.isChunked()) {
        return copy(from, to, replace); // changed meanwhile
      }
      SetOptions.Builder b = SetOptions.builder().flags(e.flags()).expiresAt(e.expiresAt());
      if (!replace) {
        b.ifAbsent();
      }
      SetOptions options = b.build();
      ValueWriter w = writer(to, e.length());
      return read(from, e, 0, -1).thenCompose(r -> {
        if (r == null) {
          w.abort();
          return CompletableFuture.completedFuture(Outcome.NOT_FOUND);
        }
        return ValueStreams.copy(r, w).whenComplete((v, t) -> r.close())
            .thenCompose(v -> w.commit(options))
            .whenComplete((res, t) -> {
              if (t != null) {
                w.abort();
              }
            })
            .thenApply(res -> res.outcome() == Outcome.STORED ? Outcome.STORED
                : Outcome.NOT_STORED);
      });
    }));
  }

  @Override
  public CompletionStage<Void> flush() {
    ChunkReclaimer.FlushMark mark = reclaimer.markFlush();
    flushes.incrementAndGet();
    return super.flush().thenCompose(v -> reclaimer.releaseAll(mark));
  }

  @Override
  public StoreStats stats() {
    return super.stats().withChunks(chunks.stats());
  }

  /**
   * Runs {@code stage}, and {@code chunked} instead when the store below refused it because the
   * value is chunked. A stage that completed at once is returned as it is (the in-heap fast path).
   */
  private static <T> CompletionStage<T> orChunked(CompletionStage<T> stage,
      Supplier<CompletionStage<T>> chunked) {
    CompletableFuture<T> f = stage.toCompletableFuture();
    if (f.isDone() && !f.isCompletedExceptionally()) {
      return f;
    }
    return f.handle((v, t) -> {
      if (t == null) {
        return CompletableFuture.completedFuture(v);
      }
      Throwable c = cause(t);
      return c instanceof ChunkedValueException ? chunked.get()
          : CompletableFuture.<T>failedFuture(c);
    }).thenCompose(Function.identity());
  }

  private static Throwable cause(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  // ---- the reader

  /** Reads a range of a chunked value, a chunk at a time with one read ahead. */
  private final class ChunkReader implements ValueReader {
    private final Key key;
    private final Entry entry;
    private final Manifest m;
    private final long offset;
    private final long length;
    private long position;
    /** Reads started for chunks {@code aheadFirst}, {@code aheadFirst + 1}, ... */
    private final ArrayDeque<CompletableFuture<ByteBuffer>> ahead = new ArrayDeque<>();
    private int aheadFirst;
    private boolean closed;

    ChunkReader(Key key, Entry entry, Manifest m, long offset, long length) {
      this.key = key;
      this.entry = entry;
      this.m = m;
      this.offset = offset;
      this.length = length;
      this.position = offset;
      reclaimer.pin(m);
    }

    /**
     * Checks, with the generations pinned, that the entry is still the key's value (or is
     * leased: a value a command took out of the keyspace to read it), so no chunk of it can have
     * been freed before the pin; else reads the key's current value instead. Then fetches the
     * first chunk: missing, the value lost a chunk and is a miss (it is removed).
     */
    CompletionStage<ValueReader> open(long start, long end) {
      CompletionStage<ValueReader> opened = peek(key).thenCompose(now -> {
        if (!reclaimer.leased(entry.cas()) && (now == null || now.cas() != entry.cas())) {
          // Changed before the pin held: its chunks may be (partly) freed. A read that overlaps
          // a write may answer the new value, or the miss of a delete.
          close();
          return now == null ? CompletableFuture.completedFuture(null)
              : read(key, now, start, end);
        }
        if (length == 0) {
          return CompletableFuture.completedFuture(this);
        }
        return fetch(m.indexOf(offset)).thenApply(first -> {
          if (first != null) {
            return (ValueReader) this;
          }
          close();
          removeBroken(); // still the key's value, and a chunk is gone: a miss
          return null;
        });
      });
      return opened.whenComplete((r, t) -> {
        if (t != null) {
          close();
        }
      });
    }

    private void removeBroken() {
      base().delete(key, new DeleteOptions(true, entry.cas(), false, NOT_SET));
    }

    /**
     * The bytes of chunk {@code index}; the reads of the next {@value #READ_AHEAD} chunks of the
     * range are started too, so the disk works while the caller sends.
     */
    private CompletableFuture<ByteBuffer> fetch(int index) {
      while (!ahead.isEmpty() && aheadFirst < index) {
        ahead.poll();
        aheadFirst++;
      }
      if (ahead.isEmpty()) {
        aheadFirst = index;
      }
      int last = Math.min(m.indexOf(offset + length - 1), index + READ_AHEAD - 1);
      for (int i = aheadFirst + ahead.size(); i <= last; i++) {
        long id = m.chunkId(i);
        ahead.add(id == -1
            ? CompletableFuture.completedFuture(ByteBuffer.allocate(m.chunkLength(i)))
            : chunks.read(id).toCompletableFuture());
      }
      return ahead.peek();
    }

    @Override
    public Entry entry() {
      return entry;
    }

    @Override
    public long offset() {
      return offset;
    }

    @Override
    public long length() {
      return length;
    }

    @Override
    public CompletionStage<ByteBuffer> next() {
      long end = offset + length;
      if (closed || position >= end) {
        return CompletableFuture.completedFuture(null);
      }
      int index = m.indexOf(position);
      return fetch(index).thenApply(bytes -> {
        if (bytes == null) {
          removeBroken();
          throw new CompletionException(new ChunkLostException(
              "chunk " + index + " of the value of " + key + " is gone"));
        }
        long chunkStart = (long) index * m.chunkSize();
        int within = (int) (position - chunkStart);
        int n = (int) Math.min(m.chunkLength(index) - within, end - position);
        ByteBuffer piece;
        if (bytes.remaining() < within + n) {
          // A former last chunk: zeros after its end.
          byte[] padded = new byte[within + n];
          bytes.duplicate().get(padded, 0, bytes.remaining());
          piece = ByteBuffer.wrap(padded, within, n);
        } else {
          piece = bytes.duplicate().position(within).limit(within + n);
        }
        position += n;
        if (position < end && !closed) {
          fetch(index + 1);
        }
        return piece.slice().asReadOnlyBuffer();
      });
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        reclaimer.unpin(m);
      }
    }
  }

  // ---- the writers

  /** Chunks a change stores, its generations, and their stages in flight. */
  private final class Writes {
    private final LongArrayList generations = new LongArrayList(2);
    private final LongArrayList ids = new LongArrayList();
    private final ArrayDeque<CompletableFuture<Void>> inFlight = new ArrayDeque<>();
    private final long epoch = flushes.get();
    private volatile Throwable failure;
    private boolean ended;

    long begin() {
      long g = chunks.newGeneration();
      if (g > Manifest.MAX_GENERATION) {
        throw new StoreException("chunk generations exhausted");
      }
      reclaimer.beginWrite(g);
      generations.add(g);
      return g;
    }

    void store(long id, byte[] bytes) {
      ids.add(id);
      CompletableFuture<Void> f = chunks.write(id, bytes).toCompletableFuture();
      if (!f.isDone() || f.isCompletedExceptionally()) {
        f.whenComplete((v, t) -> {
          if (t != null && failure == null) {
            failure = cause(t);
          }
        });
        inFlight.add(f);
      }
    }

    /** Completes when fewer than {@link #WRITE_WINDOW} chunk writes are in flight. */
    CompletionStage<Void> window() {
      while (!inFlight.isEmpty() && inFlight.peek().isDone()) {
        inFlight.poll();
      }
      if (failure != null) {
        return CompletableFuture.failedFuture(failure);
      }
      if (inFlight.size() < WRITE_WINDOW) {
        return READY;
      }
      return inFlight.peek().thenApply(v -> null);
    }

    /** Waits for every chunk, then commits the manifest under {@code options}. */
    CompletionStage<SetResult> commit(Key key, Manifest m, SetOptions options) {
      return CompletableFuture.allOf(inFlight.toArray(new CompletableFuture<?>[0]))
          .handle((v, t) -> {
            Throwable failed = t != null ? cause(t) : failure;
            if (failed != null) {
              throw new CompletionException(failed);
            }
            return null;
          })
          .thenCompose(v -> base().set(key, m.encode(), options.asChunked()))
          .thenCompose(r -> {
            if (r.outcome() != Outcome.STORED || r.current() == null) {
              end(true); // refused, or expired at once: nobody can see the chunks
              return CompletableFuture.completedFuture(r);
            }
            if (flushes.get() == epoch) {
              end(false);
              return CompletableFuture.completedFuture(r);
            }
            // A flush ran meanwhile and may have removed this value before it was seen:
            // then its chunks are nobody's.
            return peek(key).thenApply(now -> {
              end(now == null || now.cas() != r.current().cas());
              return r;
            });
          });
    }

    /** Frees what was stored once the writes in flight are done; idempotent. */
    void abandon() {
      CompletableFuture.allOf(inFlight.toArray(new CompletableFuture<?>[0]))
          .whenComplete((v, t) -> end(true));
    }

    private synchronized void end(boolean discard) {
      if (ended) {
        return;
      }
      ended = true;
      if (discard) {
        reclaimer.discard(ids.toArray());
      }
      generations.forEach(reclaimer::endWrite);
    }
  }

  /** Streams a value into chunks of one generation and commits its manifest. */
  private final class ChunkWriter implements ValueWriter {
    private final Key key;
    private final long declared;
    private final Writes writes = new Writes();
    private long generation;
    private int index;
    private byte[] buffer = new byte[chunkSize];
    private int filled;
    private long received;
    private boolean done;

    ChunkWriter(Key key, long declared) {
      this.key = key;
      this.declared = declared;
    }

    @Override
    public CompletionStage<Void> write(ByteBuffer src) {
      if (done) {
        throw new IllegalStateException("writer already committed or aborted");
      }
      if (declared >= 0 && received + src.remaining() > declared) {
        throw new IllegalStateException("more than the " + declared + " bytes declared");
      }
      while (src.hasRemaining()) {
        if (filled == chunkSize) {
          storeBuffer();
        }
        int n = Math.min(src.remaining(), chunkSize - filled);
        src.get(buffer, filled, n);
        filled += n;
        received += n;
      }
      return writes.window();
    }

    /** Stores the full buffer as the next chunk; the first one starts the generation. */
    private void storeBuffer() {
      if (generation == 0) {
        generation = writes.begin();
      }
      if (index >= Manifest.MAX_CHUNKS) {
        throw new IllegalStateException("value longer than " + Manifest.maxLength(chunkSize));
      }
      writes.store(Manifest.chunkId(generation, index++), buffer);
      buffer = new byte[chunkSize];
      filled = 0;
    }

    @Override
    public CompletionStage<SetResult> commit(SetOptions options) {
      if (done) {
        throw new IllegalStateException("writer already committed or aborted");
      }
      if (declared >= 0 && received != declared) {
        throw new IllegalStateException(received + " bytes written, " + declared + " declared");
      }
      done = true;
      if (generation == 0) {
        // Unknown length, and it fit one chunk after all: the in-heap path.
        byte[] value = Arrays.copyOf(buffer, filled);
        buffer = null;
        return set(key, value, options);
      }
      if (filled > 0) {
        writes.store(Manifest.chunkId(generation, index++),
            filled == chunkSize ? buffer : Arrays.copyOf(buffer, filled));
      }
      buffer = null;
      Manifest m = Manifest.of(received, chunkSize, generation);
      CompletionStage<SetResult> committed = options.returnPrevious()
          ? leased(key, () -> writes.commit(key, m, options))
          : writes.commit(key, m, options);
      return committed
          .whenComplete((r, t) -> {
            if (t != null) {
              writes.abandon();
            }
          });
    }

    @Override
    public void abort() {
      if (!done) {
        done = true;
        buffer = null;
        writes.abandon();
      }
    }
  }
}
