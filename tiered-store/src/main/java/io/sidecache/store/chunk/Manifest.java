package io.sidecache.store.chunk;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * The value of a {@link io.sidecache.store.Entry#isChunked() chunked} entry: how long the value
 * is, how it is cut into chunks, and where each chunk is stored.
 *
 * <p>Chunk {@code i} holds the value's bytes {@code [i * chunkSize, min(length, (i + 1) *
 * chunkSize))}. Chunks are never rewritten in place: a write stores the chunks it changes under a
 * new generation and commits a new manifest naming them (DESIGN.md "Tiers and chunks"), so a
 * reader of the old manifest still finds every chunk it names. The generation of each chunk is
 * kept as runs: run {@code r} covers the chunks from {@code firstIndex[r]} to the next run's first
 * index, all of generation {@code generation[r]}. A fresh value is one run; each SETRANGE or
 * APPEND adds at most two. Generation {@link #HOLE} is a chunk of zeros that is not stored (the
 * gap a SETRANGE past the end leaves). A stored chunk shorter than its place in the value reads as
 * if zero-padded: a value's former last chunk stays valid when the value grows past it.
 *
 * <p>Encoding, big-endian (the length first, so {@link io.sidecache.store.Entry#length()} reads it
 * without decoding):
 *
 * <pre>
 *   length     i64  the value's length in bytes
 *   version    u8   {@value #VERSION}
 *   chunkSize  i32  bytes per chunk
 *   runs       i32  number of runs, at least 1
 *   run        (firstIndex i32, generation i64) per run, first indexes ascending from 0
 * </pre>
 *
 * <p>The manifest's integrity is the entry's: in memory it is the object the store holds, on disk
 * the record's CRC32C covers it. Immutable and thread-safe.
 */
public final class Manifest {
  /** The generation of a chunk that is all zeros and not stored. */
  public static final long HOLE = 0;

  /** Bits of a chunk id that hold the chunk's index; the rest hold its generation. */
  static final int INDEX_BITS = 24;

  /** The most chunks one value can have: the index must fit {@link #INDEX_BITS} bits. */
  public static final int MAX_CHUNKS = 1 << INDEX_BITS;

  /** The highest generation a chunk id can carry. */
  public static final long MAX_GENERATION = (1L << (64 - INDEX_BITS)) - 1;

  static final byte VERSION = 1;
  private static final int FIXED_BYTES = 8 + 1 + 4 + 4;
  private static final int RUN_BYTES = 4 + 8;

  private final long length;
  private final int chunkSize;
  private final int[] firstIndex;
  private final long[] generation;

  private Manifest(long length, int chunkSize, int[] firstIndex, long[] generation) {
    this.length = length;
    this.chunkSize = chunkSize;
    this.firstIndex = firstIndex;
    this.generation = generation;
  }

  /**
   * Returns the manifest of a value written whole: every chunk in one generation.
   *
   * @param length the value's length in bytes, at least 0
   * @param chunkSize bytes per chunk, at least 1
   * @param generation the generation all chunks were stored under
   * @return the manifest
   * @throws IllegalArgumentException if the value needs more than {@link #MAX_CHUNKS} chunks
   */
  public static Manifest of(long length, int chunkSize, long generation) {
    checkShape(length, chunkSize);
    return new Manifest(length, chunkSize, new int[] {0}, new long[] {generation});
  }

  private static void checkShape(long length, int chunkSize) {
    if (chunkSize < 1 || length < 0) {
      throw new IllegalArgumentException("length " + length + ", chunkSize " + chunkSize);
    }
    if (chunks(length, chunkSize) > MAX_CHUNKS) {
      throw new IllegalArgumentException("a value of " + length + " bytes needs more than "
          + MAX_CHUNKS + " chunks of " + chunkSize + " bytes");
    }
  }

  private static long chunks(long length, int chunkSize) {
    return (length + chunkSize - 1) / chunkSize;
  }

  /**
   * Returns the largest value in bytes that {@code chunkSize}-byte chunks can hold.
   *
   * @param chunkSize bytes per chunk, at least 1
   * @return {@code chunkSize * MAX_CHUNKS}
   */
  public static long maxLength(int chunkSize) {
    return (long) chunkSize * MAX_CHUNKS;
  }

  /**
   * Packs a chunk's generation and index into the id it is stored under.
   *
   * @param generation the generation, 1 to {@link #MAX_GENERATION}
   * @param index the chunk index, 0 to {@link #MAX_CHUNKS} - 1
   * @return the id
   */
  public static long chunkId(long generation, int index) {
    return (generation << INDEX_BITS) | index;
  }

  /**
   * Returns the generation of a chunk id.
   *
   * @param chunkId an id from {@link #chunkId(long, int)}
   * @return its generation
   */
  public static long generationOf(long chunkId) {
    return chunkId >>> INDEX_BITS;
  }

  /** Returns the value's length in bytes. */
  public long length() {
    return length;
  }

  /** Returns the bytes per chunk. */
  public int chunkSize() {
    return chunkSize;
  }

  /** Returns the number of chunks. */
  public int chunkCount() {
    return (int) chunks(length, chunkSize);
  }

  /**
   * Returns the index of the chunk that holds a byte of the value.
   *
   * @param offset a byte offset, 0 to {@link #length()} - 1
   * @return the chunk index
   */
  public int indexOf(long offset) {
    return (int) (offset / chunkSize);
  }

  /**
   * Returns the bytes of the value chunk {@code index} holds.
   *
   * @param index a chunk index below {@link #chunkCount()}
   * @return {@code chunkSize}, or less for the last chunk
   */
  public int chunkLength(int index) {
    return (int) Math.min(chunkSize, length - (long) index * chunkSize);
  }

  /**
   * Returns the generation chunk {@code index} is stored under.
   *
   * @param index a chunk index below {@link #chunkCount()}
   * @return the generation, or {@link #HOLE}
   */
  public long generation(int index) {
    int r = Arrays.binarySearch(firstIndex, index);
    return generation[r >= 0 ? r : -r - 2];
  }

  /**
   * Returns the id chunk {@code index} is stored under.
   *
   * @param index a chunk index below {@link #chunkCount()}
   * @return the id, or -1 for a {@link #HOLE}
   */
  public long chunkId(int index) {
    long g = generation(index);
    return g == HOLE ? -1 : chunkId(g, index);
  }

  /**
   * Returns this value with chunks {@code [from, to)} stored under {@code gen} and a new length.
   * Chunks past the new length are dropped; chunks between the old end and {@code from} become
   * holes.
   *
   * @param from the first chunk index rewritten
   * @param to the index after the last one rewritten, at least {@code from}
   * @param gen the generation they were stored under, or {@link #HOLE}
   * @param newLength the value's length afterwards, in bytes
   * @return the new manifest
   * @throws IllegalArgumentException if the value would need more than {@link #MAX_CHUNKS}
   */
  public Manifest withChunks(int from, int to, long gen, long newLength) {
    checkShape(newLength, chunkSize);
    int count = (int) chunks(newLength, chunkSize);
    int[] starts = new int[firstIndex.length + 3];
    long[] gens = new long[starts.length];
    int n = 0;
    int oldCount = chunkCount();
    // Runs before `from`, cut at the old end (holes fill a gap up to `from`).
    for (int r = 0; r < firstIndex.length && firstIndex[r] < Math.min(from, oldCount); r++) {
      n = addRun(starts, gens, n, firstIndex[r], generation[r]);
    }
    if (oldCount < from) {
      n = addRun(starts, gens, n, oldCount, HOLE);
    }
    if (to > from) {
      n = addRun(starts, gens, n, from, gen);
    }
    // What follows `to` keeps its old generation, as far as the old value went.
    if (to < oldCount) {
      n = addRun(starts, gens, n, to, generation(to));
      for (int r = 0; r < firstIndex.length; r++) {
        if (firstIndex[r] > to) {
          n = addRun(starts, gens, n, firstIndex[r], generation[r]);
        }
      }
    }
    // Cut at the new end; a value of zero chunks keeps one run so the encoding stays regular.
    int keep = 0;
    while (keep < n && (starts[keep] < count || keep == 0)) {
      keep++;
    }
    return new Manifest(newLength, chunkSize, Arrays.copyOf(starts, keep),
        Arrays.copyOf(gens, keep));
  }

  /** Appends a run, merging it into the previous one when it has the same generation. */
  private static int addRun(int[] starts, long[] gens, int n, int first, long gen) {
    if (n > 0 && gens[n - 1] == gen) {
      return n;
    }
    if (n > 0 && starts[n - 1] == first) {
      gens[n - 1] = gen;
      return n;
    }
    starts[n] = first;
    gens[n] = gen;
    return n + 1;
  }

  /**
   * Visits the id of every stored chunk of this manifest that {@code other} does not name (all of
   * them when {@code other} is {@code null}): what a write that replaced this manifest with
   * {@code other} leaves to be freed.
   *
   * @param other the manifest that replaced this one, or {@code null}
   * @param action receives each chunk id
   */
  public void forEachChunkNotIn(Manifest other, LongConsumer action) {
    int count = chunkCount();
    for (int r = 0; r < firstIndex.length; r++) {
      long g = generation[r];
      if (g == HOLE) {
        continue;
      }
      int end = r + 1 < firstIndex.length ? Math.min(firstIndex[r + 1], count) : count;
      for (int i = firstIndex[r]; i < end; i++) {
        if (other == null || i >= other.chunkCount() || other.generation(i) != g) {
          action.accept(chunkId(g, i));
        }
      }
    }
  }

  /**
   * Visits each generation this manifest names, holes excluded; a generation may be visited more
   * than once.
   *
   * @param action receives each generation
   */
  public void forEachGeneration(LongConsumer action) {
    for (long g : generation) {
      if (g != HOLE) {
        action.accept(g);
      }
    }
  }

  /** Returns the encoded form (see the class documentation). */
  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(FIXED_BYTES + RUN_BYTES * firstIndex.length);
    b.putLong(length).put(VERSION).putInt(chunkSize).putInt(firstIndex.length);
    for (int r = 0; r < firstIndex.length; r++) {
      b.putInt(firstIndex[r]).putLong(generation[r]);
    }
    return b.array();
  }

  /**
   * Decodes a manifest.
   *
   * @param bytes the encoded form, as {@link #encode()} returned it
   * @return the manifest
   * @throws IllegalArgumentException if the bytes are not a well-formed manifest
   */
  public static Manifest decode(byte[] bytes) {
    if (bytes.length < FIXED_BYTES) {
      throw new IllegalArgumentException("manifest of " + bytes.length + " bytes");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    long length = b.getLong();
    byte version = b.get();
    int chunkSize = b.getInt();
    int runs = b.getInt();
    if (version != VERSION || runs < 1 || bytes.length != FIXED_BYTES + (long) RUN_BYTES * runs) {
      throw new IllegalArgumentException("manifest version " + version + ", " + runs + " runs in "
          + bytes.length + " bytes");
    }
    checkShape(length, chunkSize);
    int[] starts = new int[runs];
    long[] gens = new long[runs];
    for (int r = 0; r < runs; r++) {
      starts[r] = b.getInt();
      gens[r] = b.getLong();
      if ((r == 0 ? starts[r] != 0 : starts[r] <= starts[r - 1]) || gens[r] < 0
          || gens[r] > MAX_GENERATION) {
        throw new IllegalArgumentException("manifest run " + r + ": " + starts[r] + "/" + gens[r]);
      }
    }
    return new Manifest(length, chunkSize, starts, gens);
  }

  @Override
  public String toString() {
    return "Manifest{length=" + length + ", chunkSize=" + chunkSize + ", runs="
        + firstIndex.length + '}';
  }
}
