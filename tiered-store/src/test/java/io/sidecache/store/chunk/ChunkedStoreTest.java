package io.sidecache.store.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sidecache.store.BitField;
import io.sidecache.store.NotSupportedException;
import io.sidecache.store.CacheStore;
import io.sidecache.store.ChunkStats;
import io.sidecache.store.ConcatOptions;
import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import io.sidecache.store.SetOptions;
import io.sidecache.store.SetResult.Outcome;
import io.sidecache.store.ValueReader;
import io.sidecache.store.ValueSlice;
import io.sidecache.store.ValueStreams;
import io.sidecache.store.ValueWriter;
import io.sidecache.store.memory.MemoryStore;
import io.sidecache.store.tiered.TieredStore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chunk layer's own guarantees (issue 9): range I/O reads only the chunks it needs, a commit is
 * atomic, an abandoned write leaves nothing, chunked values survive a restart, and a random
 * sequence of operations agrees with a plain byte-array model at chunk sizes that put boundaries
 * everywhere.
 */
class ChunkedStoreTest {
  private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
  private final List<AutoCloseable> open = new ArrayList<>();
  private int runs;
  @TempDir Path dir;

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private ChunkedStore overMemory(int chunkSize) {
    return ChunkedStore.overMemory(MemoryStore.builder().maximumBytes(256L * 1024 * 1024)
        .ticker(now::get).executor(Runnable::run), 256L * 1024 * 1024, chunkSize, now::get, null);
  }

  /** Over a tiered store whose memory tier and chunk cache hold nothing: every chunk on disk. */
  private ChunkedStore onDisk(int chunkSize) throws Exception {
    return onDisk(chunkSize, dir);
  }

  private ChunkedStore onDisk(int chunkSize, Path dir) throws Exception {
    TieredStore tiered = TieredStore.open(MemoryStore.builder().maximumBytes(0)
        .executor(Runnable::run), dir, 1L << 30, TieredStore.PENDING_BYTES_DEFAULT, 0, now::get);
    open.add(tiered);
    return new ChunkedStore(tiered, tiered.chunkReclaimer(), chunkSize);
  }

  private static <T> T done(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] read(CacheStore store, Key key) throws Exception {
    Entry e = done(store.get(key));
    if (e == null) {
      return null;
    }
    ValueReader r = done(store.read(key, e, 0, -1));
    return r == null ? null : done(ValueStreams.collect(r));
  }

  @Test
  void setBitInAHundredChunkValueReadsAndWritesOneChunk() throws Exception {
    ChunkedStore store = onDisk(1000);
    Key key = Key.of("bitmap");
    byte[] value = bytes(100_000, 3);
    done(store.set(key, value, SetOptions.DEFAULT));
    ChunkStats before = store.stats().chunks().orElseThrow();
    long bit = 54_321L * 8 + 2;
    int old = value[54_321] >> 5 & 1;
    assertEquals(List.of((long) old), done(store.bitField(key, BitField.setBit(bit, 1 - old))));
    ChunkStats after = store.stats().chunks().orElseThrow();
    assertEquals(1, after.diskReads() - before.diskReads(), "chunks read");
    assertEquals(1, after.diskWrites() - before.diskWrites(), "chunks written");
    value[54_321] ^= 1 << 5;
    assertArrayEquals(value, read(store, key));
    // Fields further apart than two chunks cannot be committed as one change.
    BitField spread = new BitField(List.of(
        new BitField.Op(BitField.Kind.SET, false, 1, 0, 1, BitField.Overflow.WRAP),
        new BitField.Op(BitField.Kind.SET, false, 1, 50_000L * 8, 1, BitField.Overflow.WRAP)));
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> done(store.bitField(key, spread)));
    assertInstanceOf(NotSupportedException.class, e.getCause());
    assertArrayEquals(value, read(store, key), "nothing written");

    // A read after a write in the same call sees it, across a chunk boundary; a read far away
    // is read on its own; one that straddles the written chunks' edge while the call spans
    // further is refused.
    BitField.Op set = new BitField.Op(BitField.Kind.SET, false, 8, 1000L * 8, 0xab,
        BitField.Overflow.WRAP);
    BitField.Op straddle = new BitField.Op(BitField.Kind.GET, false, 16, 999L * 8, 0,
        BitField.Overflow.WRAP);
    BitField.Op far = new BitField.Op(BitField.Kind.GET, false, 8, 90_000L * 8, 0,
        BitField.Overflow.WRAP);
    assertEquals(List.of((long) (value[1000] & 0xff), (long) ((value[999] & 0xff) << 8 | 0xab)),
        done(store.bitField(key, new BitField(List.of(set, straddle)))));
    value[1000] = (byte) 0xab;
    assertArrayEquals(value, read(store, key));
    assertEquals(List.of(0xabL, (long) (value[90_000] & 0xff)),
        done(store.bitField(key, new BitField(List.of(set, far)))));
    ExecutionException straddled = assertThrows(ExecutionException.class, () -> done(
        store.bitField(key, new BitField(List.of(set, straddle, far)))));
    assertInstanceOf(NotSupportedException.class, straddled.getCause());
  }

  @Test
  void getRangeOfTenBytesFromAHundredChunkValueReadsOneChunk() throws Exception {
    ChunkedStore store = onDisk(1000);
    Key key = Key.of("video");
    byte[] value = bytes(100_000, 1);
    done(store.set(key, value, SetOptions.DEFAULT));
    ChunkStats before = store.stats().chunks().orElseThrow();
    ValueSlice slice = done(store.getRange(key, 54_321, 54_330));
    ChunkStats after = store.stats().chunks().orElseThrow();
    assertArrayEquals(Arrays.copyOfRange(value, 54_321, 54_331), slice.bytes());
    assertEquals(100_000, slice.totalLength());
    assertEquals(1, after.diskReads() - before.diskReads(), "chunks read from disk");
    assertEquals(0, after.memoryReads() - before.memoryReads(), "chunk cache of 0 bytes");
    assertEquals(100, after.diskChunks());
    assertEquals(100_000, done(store.get(key)).length(), "STRLEN from the manifest alone");
    assertEquals(after.diskReads(), store.stats().chunks().orElseThrow().diskReads());
  }

  @Test
  void rangeAcrossABoundaryReadsTheTwoChunksItCovers() throws Exception {
    ChunkedStore store = onDisk(1000);
    Key key = Key.of("k");
    byte[] value = bytes(10_000, 2);
    done(store.set(key, value, SetOptions.DEFAULT));
    long before = store.stats().chunks().orElseThrow().diskReads();
    ValueReader r = done(store.read(key, done(store.get(key)), 2990, 3009));
    assertArrayEquals(Arrays.copyOfRange(value, 2990, 3010), done(ValueStreams.collect(r)));
    assertEquals(2, store.stats().chunks().orElseThrow().diskReads() - before);
  }

  @Test
  void setRangeAndAppendWriteOnlyTheChunksTheyTouch() throws Exception {
    ChunkedStore store = onDisk(1000);
    Key key = Key.of("k");
    byte[] value = bytes(100_500, 3);
    done(store.set(key, value, SetOptions.DEFAULT));
    ChunkStats before = store.stats().chunks().orElseThrow();
    assertEquals(100_500L, done(store.setRange(key, 50_000, new byte[] {1, 2, 3})));
    ChunkStats mid = store.stats().chunks().orElseThrow();
    assertEquals(1, mid.diskWrites() - before.diskWrites(), "SETRANGE in one chunk");
    assertEquals(1, mid.diskReads() - before.diskReads(), "the chunk it changes a part of");
    done(store.concat(key, bytes(1000, 4), ConcatOptions.REDIS_APPEND));
    ChunkStats after = store.stats().chunks().orElseThrow();
    assertEquals(2, after.diskWrites() - mid.diskWrites(), "APPEND: the last chunk and one new");
    assertEquals(1, after.diskReads() - mid.diskReads(), "APPEND reads the last chunk only");
    byte[] expected = Arrays.copyOf(value, 101_500);
    expected[50_000] = 1;
    expected[50_001] = 2;
    expected[50_002] = 3;
    System.arraycopy(bytes(1000, 4), 0, expected, 100_500, 1000);
    assertArrayEquals(expected, read(store, key));
  }

  @Test
  void overwriteAndDeleteDoNotReadTheChunksAndFreeThemAtOnce() throws Exception {
    ChunkedStore store = onDisk(1000);
    Key key = Key.of("k");
    done(store.set(key, bytes(50_000, 5), SetOptions.DEFAULT));
    long reads = store.stats().chunks().orElseThrow().diskReads();
    done(store.set(key, bytes(30_000, 6), SetOptions.DEFAULT));
    assertTrue(done(store.delete(key)));
    assertEquals(reads, store.stats().chunks().orElseThrow().diskReads());
    assertEquals(80, store.reclaimer().freed());
    awaitDiskChunks(store, 0);
  }

  @Test
  void aValueTakenOutOfTheKeyspaceIsLeasedForItsReader() throws Exception {
    ChunkedStore store = overMemory(100);
    Key key = Key.of("k");
    byte[] old = bytes(1000, 30);
    done(store.set(key, old, SetOptions.DEFAULT));
    Entry deleted = done(store.getAndDelete(key));
    assertEquals(0, store.reclaimer().freed(), "leased");
    assertArrayEquals(old, done(ValueStreams.collect(done(store.read(key, deleted, 0, -1)))));
    done(store.set(key, bytes(1000, 31), SetOptions.DEFAULT));
    Entry previous = done(store.set(key, bytes(10, 32),
        SetOptions.builder().returnPrevious().build())).previous();
    assertArrayEquals(bytes(1000, 31),
        done(ValueStreams.collect(done(store.read(key, previous, 0, -1)))));
    now.addAndGet(ChunkReclaimer.LEASE_MILLIS);
    assertEquals(20, store.reclaim(), "freed when the leases end");
  }

  private static void awaitDiskChunks(ChunkedStore store, long expected) throws Exception {
    for (int i = 0; i < 500 && store.stats().chunks().orElseThrow().diskChunks() != expected;
        i++) {
      Thread.sleep(10); // deletes run on the disk thread
    }
    assertEquals(expected, store.stats().chunks().orElseThrow().diskChunks());
  }

  @Test
  void aReaderFinishesTheValueItStartedAfterOverwriteDeleteAndFreeing() throws Exception {
    ChunkedStore store = onDisk(100);
    Key key = Key.of("k");
    byte[] old = bytes(10_000, 7);
    done(store.set(key, old, SetOptions.DEFAULT));
    ValueReader r = done(store.read(key, done(store.get(key)), 0, -1));
    done(store.set(key, bytes(20_000, 8), SetOptions.DEFAULT));
    done(store.delete(key));
    assertEquals(200, store.reclaimer().freed(), "the second value's; the reader pins the first's");
    assertEquals(0, store.reclaim());
    assertArrayEquals(old, done(ValueStreams.collect(r)));
    assertEquals(100, store.reclaim(), "freed once the reader closed");
  }

  @Test
  void readersDuringOverwritesSeeTheOldOrTheNewValueNeverAMix() throws Exception {
    ChunkedStore store = overMemory(64);
    Key key = Key.of("k");
    byte[][] values = {bytes(20_000, 10), bytes(20_000, 11), bytes(33_333, 12)};
    List<String> digests = new ArrayList<>();
    for (byte[] v : values) {
      digests.add(digest(v));
    }
    done(store.set(key, values[0], SetOptions.DEFAULT));
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> readers = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        readers.add(pool.submit(() -> {
          int n = 0;
          while (!stop.get()) {
            byte[] seen = read(store, key);
            assertNotNull(seen);
            assertTrue(digests.contains(digest(seen)), "a mix of values was read");
            n++;
          }
          return n;
        }));
      }
      Future<?> writer = pool.submit(() -> {
        for (int i = 0; i < 300; i++) {
          done(store.set(key, values[i % 3], SetOptions.DEFAULT));
          store.reclaim(); // what the readers held
        }
        return null;
      });
      writer.get(60, TimeUnit.SECONDS);
      stop.set(true);
      for (Future<Integer> f : readers) {
        assertTrue(f.get(60, TimeUnit.SECONDS) > 0);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static String digest(byte[] b) throws Exception {
    return Arrays.toString(MessageDigest.getInstance("SHA-256").digest(b));
  }

  @Test
  void anAbandonedWriteLeavesNothingAndTheOldValueStays() throws Exception {
    ChunkedStore store = onDisk(1000);
    Key key = Key.of("k");
    byte[] old = bytes(5000, 13);
    done(store.set(key, old, SetOptions.DEFAULT));
    ValueWriter w = store.writer(key, 100_000);
    done(w.write(ByteBuffer.wrap(bytes(40_000, 14))));
    w.abort();
    assertArrayEquals(old, read(store, key));
    awaitReclaimed(store, 39); // the 40th was still in the writer's buffer
    awaitDiskChunks(store, 5);
  }

  private static void awaitReclaimed(ChunkedStore store, int expected) throws Exception {
    for (int i = 0; i < 500 && store.reclaimer().freed() < expected; i++) {
      Thread.sleep(10); // an abandoned write frees its chunks once its writes are done
    }
    assertEquals(expected, store.reclaimer().freed());
  }

  @Test
  void aRefusedCommitFreesItsChunks() throws Exception {
    ChunkedStore store = onDisk(1000);
    Key key = Key.of("k");
    done(store.set(key, bytes(10, 15), SetOptions.DEFAULT));
    assertEquals(Outcome.NOT_STORED,
        done(store.set(key, bytes(10_000, 16), SetOptions.builder().ifAbsent().build()))
            .outcome());
    awaitReclaimed(store, 10);
    awaitDiskChunks(store, 0);
    assertEquals(10, done(store.get(key)).length());
  }

  @Test
  void aWriteOfUnknownLengthIsInHeapWhenItFitsOneChunkAndChunkedWhenNot() throws Exception {
    ChunkedStore store = overMemory(100);
    ValueWriter small = store.writer(Key.of("s"), -1);
    done(small.write(ByteBuffer.wrap(bytes(100, 17))));
    done(small.commit(SetOptions.DEFAULT));
    assertFalse(done(store.get(Key.of("s"))).isChunked());
    ValueWriter big = store.writer(Key.of("b"), -1);
    for (int i = 0; i < 10; i++) {
      done(big.write(ByteBuffer.wrap(bytes(33, i))));
    }
    done(big.commit(SetOptions.DEFAULT));
    Entry e = done(store.get(Key.of("b")));
    assertTrue(e.isChunked());
    assertEquals(330, e.length());
  }

  @Test
  void chunkedValuesSurviveARestartAndOrphanedChunksAreDeletedAtOpen() throws Exception {
    Key key = Key.of("k");
    byte[] value = bytes(123_456, 18);
    TieredStore first = TieredStore.open(MemoryStore.builder().maximumBytes(1 << 20)
        .executor(Runnable::run), dir, 1L << 30, TieredStore.PENDING_BYTES_DEFAULT, 1 << 20,
        now::get);
    ChunkedStore store = new ChunkedStore(first, first.chunkReclaimer(), 1000);
    done(store.set(key, value, SetOptions.builder().flags(7).build()));
    ValueWriter orphan = store.writer(Key.of("never"), 50_000);
    done(orphan.write(ByteBuffer.wrap(bytes(20_000, 19))));
    first.close(); // the orphan's 20 chunks are on disk, named by no manifest
    store = onDisk(1000);
    Entry e = done(store.get(key));
    assertEquals(7, e.flags());
    assertArrayEquals(value, read(store, key));
    assertNull(done(store.get(Key.of("never"))));
    assertEquals(124, store.stats().chunks().orElseThrow().diskChunks());
  }

  @Test
  void aValueKeepsItsChunkSizeWhenTheChunkSizeChangesAcrossARestart() throws Exception {
    Key key = Key.of("k");
    byte[] value = bytes(10_000, 40);
    done(onDisk(1000).set(key, value, SetOptions.DEFAULT));
    for (AutoCloseable c : open) {
      c.close();
    }
    open.clear();
    ChunkedStore store = onDisk(700);
    assertArrayEquals(value, read(store, key));
    assertArrayEquals(Arrays.copyOfRange(value, 1990, 2010), done(store.getRange(key, 1990, 2009))
        .bytes());
    done(store.setRange(key, 2995, new byte[] {7, 7, 7, 7, 7, 7, 7, 7, 7, 7}));
    done(store.concat(key, bytes(1500, 41), ConcatOptions.REDIS_APPEND));
    byte[] expected = Arrays.copyOf(value, 11_500);
    Arrays.fill(expected, 2995, 3005, (byte) 7);
    System.arraycopy(bytes(1500, 41), 0, expected, 10_000, 1500);
    assertArrayEquals(expected, read(store, key));
  }

  @Test
  void flushFreesChunksButNotThoseOfAWriteInProgress() throws Exception {
    ChunkedStore store = overMemory(100);
    done(store.set(Key.of("a"), bytes(1000, 20), SetOptions.DEFAULT));
    ValueWriter w = store.writer(Key.of("b"), 1000);
    done(w.write(ByteBuffer.wrap(bytes(500, 21))));
    done(store.flush());
    done(w.write(ByteBuffer.wrap(bytes(500, 22))));
    done(w.commit(SetOptions.DEFAULT));
    assertEquals(10, store.reclaimer().freed(), "the flushed value's chunks");
    assertNull(done(store.get(Key.of("a"))));
    byte[] expected = new byte[1000];
    System.arraycopy(bytes(500, 21), 0, expected, 0, 500);
    System.arraycopy(bytes(500, 22), 0, expected, 500, 500);
    assertArrayEquals(expected, read(store, Key.of("b")), "written after the flush: kept");
  }

  @Test
  void memoryOnlyAValueThatLostAChunkIsAMissAndRemoved() throws Exception {
    ChunkedStore store = overMemory(100);
    Key key = Key.of("k");
    done(store.set(key, bytes(1000, 23), SetOptions.DEFAULT));
    Entry e = done(store.get(key));
    store.reclaimer().chunks().delete(Manifest.decode(e.value()).chunkId(0));
    assertNull(done(store.read(key, e, 0, -1)));
    assertNull(done(store.get(key)), "removed");
  }

  // ---- the model-based test

  /** One operation of the random sequence, applied to the store and to the model alike. */
  private record Op(int kind, int key, long offset, byte[] bytes) {
    @Override
    public String toString() {
      String[] names = {"SET", "APPEND", "SETRANGE", "GETRANGE", "STRLEN", "DEL", "GET", "PREPEND",
          "COPY"};
      return names[kind] + " k" + key + " " + offset + " " + (bytes == null ? "" : bytes.length);
    }
  }

  private static List<Op> randomOps(long seed, int n) {
    Random r = new Random(seed);
    List<Op> ops = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int kind = r.nextInt(9);
      byte[] b = bytes(r.nextInt(4) == 0 ? r.nextInt(60) : r.nextInt(8), r.nextLong());
      long offset = r.nextInt(3) == 0 ? r.nextInt(80) - 40 : r.nextInt(40);
      ops.add(new Op(kind, r.nextInt(3), offset, b));
    }
    return ops;
  }

  /** Runs the ops on a fresh store and a model; returns the first mismatch, or null. */
  private String run(List<Op> ops, boolean disk, int chunkSize) throws Exception {
    ChunkedStore store = disk
        ? onDisk(chunkSize, dir.resolve("run" + runs++)) : overMemory(chunkSize);
    byte[][] model = new byte[3][];
    try {
      for (int i = 0; i < ops.size(); i++) {
        Op op = ops.get(i);
        Key key = Key.of("k" + op.key);
        byte[] m = model[op.key];
        String where = "op " + i + " " + op;
        switch (op.kind) {
          case 0 -> {
            done(store.set(key, op.bytes, SetOptions.DEFAULT));
            model[op.key] = op.bytes.clone();
          }
          case 1 -> {
            long len = done(store.concat(key, op.bytes, ConcatOptions.REDIS_APPEND)).length();
            byte[] next = m == null ? op.bytes.clone() : concat(m, op.bytes);
            model[op.key] = next;
            if (len != next.length) {
              return where + ": APPEND length " + len + " != " + next.length;
            }
          }
          case 2 -> {
            long offset = Math.abs(op.offset);
            long len = done(store.setRange(key, offset, op.bytes));
            if (op.bytes.length > 0) {
              byte[] next = Arrays.copyOf(m == null ? new byte[0] : m,
                  (int) Math.max(m == null ? 0 : m.length, offset + op.bytes.length));
              System.arraycopy(op.bytes, 0, next, (int) offset, op.bytes.length);
              model[op.key] = next;
            }
            long expected = model[op.key] == null ? 0 : model[op.key].length;
            if (len != expected) {
              return where + ": SETRANGE length " + len + " != " + expected;
            }
          }
          case 3 -> {
            long start = op.offset;
            long end = op.offset + op.bytes.length - 3;
            ValueSlice s = done(store.getRange(key, start, end));
            if (m == null) {
              if (s != null) {
                return where + ": GETRANGE of a missing key";
              }
            } else {
              ValueSlice expected = ValueSlice.of(new Entry(m, 0, 1, 0), start, end);
              if (s == null || !Arrays.equals(s.bytes(), expected.bytes())) {
                return where + ": GETRANGE " + (s == null ? null : Arrays.toString(s.bytes()))
                    + " != " + Arrays.toString(expected.bytes());
              }
            }
          }
          case 4 -> {
            Entry e = done(store.get(key));
            long len = e == null ? 0 : e.length();
            if (len != (m == null ? 0 : m.length)) {
              return where + ": STRLEN " + len;
            }
          }
          case 5 -> {
            done(store.delete(key));
            model[op.key] = null;
          }
          case 6 -> {
            byte[] got = read(store, key);
            if (!Arrays.equals(got, m)) {
              return where + ": GET " + Arrays.toString(got) + " != " + Arrays.toString(m);
            }
          }
          case 7 -> {
            done(store.concat(key, op.bytes, ConcatOptions.memcached(true, 0, 1 << 20)));
            if (m != null) {
              model[op.key] = concat(op.bytes, m);
            }
          }
          default -> {
            int to = (op.key + 1) % 3;
            Outcome o = done(store.copy(key, Key.of("k" + to), true));
            if (m != null) {
              model[to] = m.clone();
            }
            if ((o == Outcome.STORED) != (m != null)) {
              return where + ": COPY " + o;
            }
          }
        }
        store.reclaim();
      }
      for (int k = 0; k < 3; k++) {
        byte[] got = read(store, Key.of("k" + k));
        if (!Arrays.equals(got, model[k])) {
          return "at the end, k" + k + ": " + Arrays.toString(got) + " != "
              + Arrays.toString(model[k]);
        }
      }
      return null;
    } finally {
      for (AutoCloseable c : open) {
        c.close();
      }
      open.clear();
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  /** Removes operations one at a time while the sequence still fails: a minimal failing case. */
  private List<Op> shrink(List<Op> ops, boolean disk, int chunkSize) throws Exception {
    List<Op> current = new ArrayList<>(ops);
    for (int i = current.size() - 1; i >= 0; i--) {
      List<Op> fewer = new ArrayList<>(current);
      fewer.remove(i);
      if (run(fewer, disk, chunkSize) != null) {
        current = fewer;
      }
    }
    return current;
  }

  private void modelCheck(boolean disk, int runs, int length) throws Exception {
    for (int chunkSize : new int[] {1, 3, 8}) {
      for (long seed = 0; seed < runs; seed++) {
        List<Op> ops = randomOps(seed * 31 + chunkSize, length);
        String failure = run(ops, disk, chunkSize);
        if (failure != null) {
          List<Op> small = shrink(ops, disk, chunkSize);
          fail("chunk size " + chunkSize + ", seed " + seed + ": " + failure + "\nshrunk to "
              + small + ": " + run(small, disk, chunkSize));
        }
      }
    }
  }

  @Test
  void randomOperationsAgreeWithAByteArrayModelInMemory() throws Exception {
    modelCheck(false, 60, 120);
  }

  @Test
  void randomOperationsAgreeWithAByteArrayModelOnDisk() throws Exception {
    modelCheck(true, 8, 100);
  }
}
