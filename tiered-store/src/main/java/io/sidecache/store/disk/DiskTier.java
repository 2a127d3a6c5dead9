package io.sidecache.store.disk;

import io.sidecache.store.Entry;
import io.sidecache.store.ExpiringKeys;
import io.sidecache.store.ExpiryTally;
import io.sidecache.store.Key;
import io.sidecache.store.Ticker;
import io.sidecache.store.chunk.ChunkReleaser;
import io.sidecache.store.chunk.Manifest;
import java.io.IOError;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import org.eclipse.collections.impl.list.mutable.primitive.LongArrayList;
import org.eclipse.collections.impl.set.mutable.primitive.LongHashSet;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk tier: entries in a MapDB file store under a directory, bounded by bytes by its own
 * accounting, older writes evicted first (approximately).
 *
 * <p>One MapDB structure in one memory-mapped file, without MapDB transactions (DESIGN.md,
 * "Measured decisions": they cost 8-1000x on writes): {@code records}, key bytes to a {@link
 * DiskRecord} (header, value, CRC32C checked on every read). A record that fails its checksum is
 * a miss, counted in {@link #checksumFailures()}, and removed. Each key has at most one record;
 * its write sequence is its generation. A second structure in the same file, {@code chunks},
 * holds the chunks of chunked values by chunk id (a namespace no key can name), each with its own
 * CRC32C; the record of a chunked value holds its manifest. Chunks count against the same bound.
 * Evicting or expiring a chunked value's record frees its chunks; records written before the
 * newest chunk write stay evictable, so a big upload makes room for itself.
 *
 * <p><b>Eviction</b> keeps no order structure (a MapDB B-tree of write sequences cost a third of
 * the disk thread's time, measured): when the tier is over its bound, a hand that walks the
 * records round and round looks at the next few and evicts the first written before the newer
 * half of the records' sequences (or, after {@value #EVICTION_LOOKS} looks, the oldest it saw),
 * like CLOCK with the write sequence as the age. Writes pay nothing for eviction order.
 *
 * <p><b>Restart.</b> {@link #close()} writes a clean-shutdown marker holding the format
 * fingerprint. {@link #open} trusts the file as it is only when the marker is there and matches;
 * otherwise (a {@code kill -9}, a crash) MapDB's header checksum is bypassed and every record is
 * verified, the bad ones dropped. A file MapDB cannot open at all is renamed aside with a warning
 * and the tier starts empty. Either way the tier rebuilds its key index, byte count and highest
 * CAS from the records at open.
 *
 * <p><b>Durability.</b> Writes go to the mapped file, i.e. the page cache: they survive a {@code
 * kill -9} of the process but not a power loss (nothing is forced to the device).
 *
 * <p><b>Faults: fail-stop for writes.</b> MapDB is not safe to use after a write failed half-way
 * (an {@code InternalError} from a memory-mapped write on a full disk, an I/O error: its
 * structures may be inconsistent; with its default locks it also left a lock held, so MapDB's
 * locks are off, one thread uses it). A read that fails on a damaged structure is a miss and
 * counted, and the tier goes on. The first failed write, removal, eviction, or a broken mapping
 * ({@code InternalError} on a read) takes the tier out of service for the rest of the run: the file is renamed aside ({@code
 * disk-tier.db.failed-<ms>}) so that no copy in it can be served after a restart, every later
 * read is a miss, every write is refused (the caller sheds the demotion) and every removal
 * succeeds with nothing to remove. The node goes on serving from memory. If even the rename
 * fails, removals report {@link DiskFaultException}, so a change is not acknowledged while an
 * older copy might come back. Faults are counted ({@link #faults()}) and logged; a record that
 * only fails its checksum is not a fault of the file.
 *
 * <p>Not thread-safe, except {@link #mayContain} and the counters: one thread (the tiered
 * store's disk thread) does every read, write and removal.
 */
public final class DiskTier implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DiskTier.class);

  /** The file and marker format; a marker with another fingerprint means "verify everything". */
  static final String FINGERPRINT = "sidecache-disk-tier format=2 record=" + DiskRecord.VERSION;

  /** The data file's name under the data directory. */
  public static final String FILE_NAME = "disk-tier.db";

  /**
   * The largest chunk that, with its record's header and checksum, fits one MapDB record (65,520
   * bytes; MapDB splits longer records into chains it always reads whole, jankotek/mapdb#15).
   */
  public static final int MAX_CHUNK_BYTES = 65_520 - DiskRecord.CHUNK_OVERHEAD_BYTES;

  /** The lock file that keeps a second process off the same data directory. */
  public static final String LOCK_FILE = "disk-tier.lock";

  /** The clean-shutdown marker's name under the data directory. */
  public static final String CLEAN_MARKER = "disk-tier.clean";

  /** Bytes of bookkeeping counted per record beyond key and record bytes (MapDB slots). */
  static final int RECORD_BOOKKEEPING_BYTES = 64;

  private static final long LOG_INTERVAL_MS = 10_000;

  private final Path dir;
  // Held while the tier is open; MapDB's own file lock is off, since a failed open leaks it.
  private FileChannel lockChannel;
  private final long maximumBytes;
  private final Ticker ticker;
  private final DiskKeyIndex index = new DiskKeyIndex();
  private final DB db;
  private final HTreeMap<byte[], byte[]> records;
  /** The chunks of chunked values, by chunk id: a namespace apart from the keys. */
  private final HTreeMap<Long, byte[]> chunks;
  private final ChunkReleaser releaser;
  private volatile long chunkBytes;
  /**
   * The accounted bytes of the chunks named by chunked records on disk, estimated from their
   * manifests: what evicting every record could free of {@link #chunkBytes} at most. The rest
   * belongs to values whose manifest is in memory, or to uploads in progress.
   */
  private long namedChunkBytes;
  private volatile long chunkCount;
  private long maxGeneration;
  private final LongAdder chunkReads = new LongAdder();
  private final LongAdder chunkWrites = new LongAdder();
  private final LongAdder chunkMisses = new LongAdder();
  // The eviction hand: a walk over the keys that goes on where the last eviction stopped.
  private Iterator<byte[]> hand;
  private final boolean recovered;
  // Written by the disk thread only; volatile so that DBSIZE and INFO read them from any thread.
  private volatile long bytes;
  private volatile long entries;
  /** The records whose entry carries an expiry time. */
  private final ExpiryTally expiring;
  private long seq;
  private long maxCas;
  private long lastFaultLog = Long.MIN_VALUE;
  private Iterator<Map.Entry<byte[], byte[]>> sweep;
  // Set by the first MapDB or I/O failure (fail-stop); read by event loops through mayContain.
  private volatile boolean failed;
  private boolean setAside;
  private final LongAdder reads = new LongAdder();
  private final LongAdder hits = new LongAdder();
  private final LongAdder writes = new LongAdder();
  private final LongAdder bytesRead = new LongAdder();
  private final LongAdder readNanos = new LongAdder();
  private final LongAdder writeNanos = new LongAdder();
  private final LongAdder bytesWritten = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder expirations = new LongAdder();
  private final LongAdder checksumFailures = new LongAdder();
  private final LongAdder faults = new LongAdder();

  private DiskTier(Path dir, long maximumBytes, Ticker ticker, DB db, boolean recovered,
      ChunkReleaser releaser) {
    this.dir = dir;
    this.releaser = releaser;
    this.maximumBytes = maximumBytes;
    this.ticker = ticker;
    this.expiring = new ExpiryTally(ticker.millis());
    this.db = db;
    this.recovered = recovered;
    if (db == null) {
      // Out of service from the start: no file could be made (see open).
      this.records = null;
      this.chunks = null;
      this.failed = true;
      this.setAside = true;
    } else {
      this.records = db.hashMap("records", Serializer.BYTE_ARRAY, Serializer.BYTE_ARRAY)
          .createOrOpen();
      this.chunks = db.hashMap("chunks", Serializer.LONG, Serializer.BYTE_ARRAY).createOrOpen();
    }
  }

  /**
   * Opens (or creates) the disk tier under {@code dir}.
   *
   * @param dir the data directory, created if missing; must be writable
   * @param maximumBytes the bound on the tier's accounted bytes, at least 1
   * @param ticker the clock expiry is judged by, in milliseconds since the epoch
   * @return the open tier, with its index rebuilt from the records on disk
   * @throws IOException if the directory cannot be created or written, or another process has it
   *     open
   */
  public static DiskTier open(Path dir, long maximumBytes, Ticker ticker) throws IOException {
    return open(dir, maximumBytes, ticker, ChunkReleaser.NONE);
  }

  /**
   * Opens (or creates) the disk tier under {@code dir}, holding chunked values: their manifests
   * among the records, their chunks apart. Chunks no manifest names (left by a crash between a
   * chunk write and its commit, or between a commit and the freeing of what it replaced) are
   * deleted at open.
   *
   * @param dir the data directory, created if missing; must be writable
   * @param maximumBytes the bound on the tier's accounted bytes (records and chunks), at least 1
   * @param ticker the clock expiry is judged by, in milliseconds since the epoch
   * @param releaser told when the tier drops a chunked entry (expired, evicted)
   * @return the open tier, with its index rebuilt from the records on disk
   * @throws IOException if the directory cannot be created or written, or another process has it
   *     open
   */
  public static DiskTier open(Path dir, long maximumBytes, Ticker ticker, ChunkReleaser releaser)
      throws IOException {
    if (maximumBytes < 1) {
      throw new IllegalArgumentException("maximumBytes: " + maximumBytes + " (expected: >= 1)");
    }
    Files.createDirectories(dir);
    FileChannel lock = lock(dir);
    try {
      DiskTier tier = openLocked(dir, maximumBytes, ticker, releaser);
      tier.lockChannel = lock;
      return tier;
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  private static FileChannel lock(Path dir) throws IOException {
    FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    try {
      if (channel.tryLock() != null) {
        return channel;
      }
    } catch (OverlappingFileLockException inThisProcess) {
      // fall through: in use
    }
    channel.close();
    throw new IOException("data directory " + dir + " is in use by another Sidecache (lock "
        + dir.resolve(LOCK_FILE) + "); use another --data-dir");
  }

  private static DiskTier openLocked(Path dir, long maximumBytes, Ticker ticker,
      ChunkReleaser releaser) throws IOException {
    deleteFailedFiles(dir);
    Path file = dir.resolve(FILE_NAME);
    Path marker = dir.resolve(CLEAN_MARKER);
    // A new file needs no verification; an existing one without a matching marker does.
    boolean clean = !Files.exists(file) || (Files.exists(marker)
        && FINGERPRINT.equals(Files.readString(marker, StandardCharsets.UTF_8).trim()));
    // From here on the file is in use: a crash leaves no marker behind.
    Files.deleteIfExists(marker);
    DiskTier tier = null;
    RuntimeException failure = null;
    // Trusted (clean marker): opened as is. Untrusted, or a trusted file MapDB refuses (its
    // header checksum covers more than the header): opened with the checksum bypassed and every
    // record verified.
    for (boolean verify : clean ? new boolean[] {false, true} : new boolean[] {true}) {
      try {
        tier = new DiskTier(dir, maximumBytes, ticker, make(file, verify), verify, releaser);
        tier.load();
        break;
      } catch (RuntimeException | IOError | InternalError e) {
        // The half-open MapDB instance is abandoned; nothing of it is used.
        tier = null;
        failure = e instanceof RuntimeException re ? re : new IllegalStateException(e);
      }
    }
    if (tier == null) {
      Path aside = dir.resolve(FILE_NAME + ".unreadable-" + ticker.millis());
      log.warn("disk tier file {} cannot be opened ({}); moved to {}, starting with an empty disk"
          + " tier", file, String.valueOf(failure), aside);
      Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
      try {
        tier = new DiskTier(dir, maximumBytes, ticker, make(file, false), true, releaser);
        tier.load();
      } catch (RuntimeException | IOError | InternalError again) {
        // Not even a new file can be made (a full disk, say): serve from memory, never refuse
        // to start (invariant 3).
        log.error("disk tier {}: cannot create {} ({}); the disk tier is out of service until"
            + " restart, serving from memory only", dir, file, again.toString());
        Files.deleteIfExists(file);
        tier = new DiskTier(dir, maximumBytes, ticker, null, true, releaser);
      }
    }
    return tier;
  }

  /**
   * Deletes the files earlier runs set aside after a fault ({@code .failed-*}): they are never
   * read again, and on a full disk they hold the space a new file needs.
   */
  private static void deleteFailedFiles(Path dir) throws IOException {
    try (var files = Files.newDirectoryStream(dir, FILE_NAME + ".failed-*")) {
      for (Path f : files) {
        log.info("disk tier {}: deleting {}, set aside after a fault", dir, f.getFileName());
        Files.deleteIfExists(f);
      }
    }
  }

  private static DB make(Path file, boolean bypassHeaderChecksum) {
    // One thread uses the store, so MapDB's segment locks are off: a MapDB operation that fails
    // half-way cannot leave a lock held that would hang every later one.
    DBMaker.Maker maker = DBMaker.fileDB(file.toFile()).fileMmapEnableIfSupported()
        .fileMmapPreclearDisable().cleanerHackEnable().concurrencyDisable().fileLockDisable();
    if (bypassHeaderChecksum) {
      // MapDB rewrites its header checksum only on close: after a kill -9 it is stale (MapDB
      // #792/#796). The records are verified one by one instead.
      maker = maker.checksumHeaderBypass();
    }
    return maker.make();
  }

  /** Rebuilds the index, counts and sequence from the records; drops bad and expired ones. */
  private void load() {
    long now = ticker.millis();
    List<byte[]> drop = new ArrayList<>();
    LongHashSet referenced = new LongHashSet();
    for (Map.Entry<byte[], byte[]> e : records.entrySet()) {
      Key key = Key.of(e.getKey());
      DiskRecord.Decoded d;
      try {
        d = DiskRecord.decode(key, e.getValue());
      } catch (DiskRecord.CorruptRecordException bad) {
        checksumFailures.increment();
        drop.add(e.getKey());
        continue;
      }
      if (d.entry().isExpiredAt(now)) {
        expirations.increment();
        drop.add(e.getKey());
        continue;
      }
      if (d.entry().isChunked()) {
        try {
          Manifest.decode(d.entry().value()).forEachGeneration(referenced::add);
        } catch (IllegalArgumentException bad) {
          checksumFailures.increment();
          drop.add(e.getKey());
          continue;
        }
      }
      index.add(key);
      entries++;
      expiring.replaced(Entry.NO_EXPIRY, d.entry().expiresAt());
      bytes += cost(key, e.getValue().length);
      namedChunkBytes += namedChunkBytes(d.entry());
      seq = Math.max(seq, d.seq());
      maxCas = Math.max(maxCas, d.entry().cas());
    }
    for (byte[] k : drop) {
      records.remove(k);
    }
    if (!drop.isEmpty()) {
      log.warn("disk tier {}: dropped {} records at open ({} failed their checksum)", dir,
          drop.size(), checksumFailures.sum());
    }
    LongArrayList orphans = new LongArrayList();
    for (Map.Entry<Long, byte[]> c : chunks.entrySet()) {
      long id = c.getKey();
      long generation = Manifest.generationOf(id);
      maxGeneration = Math.max(maxGeneration, generation);
      if (!referenced.contains(generation)) {
        orphans.add(id);
        continue;
      }
      chunkCount++;
      chunkBytes += chunkCost(c.getValue().length);
    }
    orphans.forEach(chunks::remove);
    if (!referenced.isEmpty()) {
      // A generation named by a record whose chunks were all lost must not be handed out again.
      maxGeneration = Math.max(maxGeneration, referenced.max());
    }
    if (!orphans.isEmpty()) {
      log.info("disk tier {}: deleted {} chunks no value names", dir, orphans.size());
    }
    evictOverflow();
  }

  private static long chunkCost(int recordLength) {
    return recordLength + RECORD_BOOKKEEPING_BYTES;
  }

  private static long cost(Key key, int recordLength) {
    return 2L * key.length() + recordLength + RECORD_BOOKKEEPING_BYTES;
  }

  /**
   * Returns whether {@code key} may have a record; {@code false} is exact. Thread-safe and does
   * no I/O, so event loops may ask.
   */
  public boolean mayContain(Key key) {
    return !failed && index.mayContain(key);
  }

  /** Returns whether a fault took the tier out of service (see the class documentation). */
  public boolean failed() {
    return failed;
  }

  /**
   * Reads and verifies a key's record.
   *
   * @param key the key
   * @return the live entry (a copy), or {@code null} when absent, expired, corrupt or unreadable
   */
  public Entry read(Key key) {
    if (!mayContain(key)) {
      return null;
    }
    reads.increment();
    byte[] record;
    long start = System.nanoTime();
    try {
      record = records.get(key.bytes());
    } catch (RuntimeException | IOError e) {
      // A damaged structure: this lookup misses; a read changes nothing, so the tier goes on.
      faults.increment();
      logRateLimited("read of " + key + " failed", e);
      return null;
    } catch (InternalError e) {
      fail("read", e); // the mapping itself is broken (the file shrank or the device failed)
      return null;
    } finally {
      readNanos.add(System.nanoTime() - start);
    }
    if (record == null) {
      return null;
    }
    bytesRead.add(record.length);
    DiskRecord.Decoded d;
    try {
      d = DiskRecord.decode(key, record);
    } catch (DiskRecord.CorruptRecordException bad) {
      checksumFailures.increment();
      logRateLimited("read of a record that failed verification (" + bad.getMessage() + ")",
          null);
      removeQuietly(key);
      return null;
    }
    if (d.entry().isExpiredAt(ticker.millis())) {
      expirations.increment();
      removeQuietly(key);
      if (d.entry().isChunked()) {
        releaser.released(d.entry(), null);
      }
      return null;
    }
    hits.increment();
    return d.entry();
  }

  /**
   * Writes a key's record, replacing any older one, then evicts the oldest records while the tier
   * is over its bound.
   *
   * @param key the key
   * @param entry the entry to keep
   * @return {@code true} when written; {@code false} when the write failed (counted) or the entry
   *     alone is larger than the tier
   */
  public boolean write(Key key, Entry entry) {
    if (failed) {
      return false;
    }
    byte[] record = DiskRecord.encode(key, entry, seq + 1);
    if (cost(key, record.length) + unevictableBytes() > maximumBytes) {
      // Evicting every record could not make room: keep them rather than empty the tier.
      removeQuietly(key);
      return false;
    }
    byte[] old;
    long start = System.nanoTime();
    try {
      old = records.put(key.bytes(), record);
      seq++;
    } catch (RuntimeException | IOError | InternalError e) {
      fail("write", e);
      return false;
    } finally {
      writeNanos.add(System.nanoTime() - start);
    }
    expiring.replaced(old == null ? Entry.NO_EXPIRY : DiskRecord.expiresAt(old),
        entry.expiresAt());
    if (old == null) {
      index.add(key);
      entries++;
    } else {
      bytes -= cost(key, old.length);
      namedChunkBytes -= namedChunkBytes(key, old);
    }
    bytes += cost(key, record.length);
    namedChunkBytes += namedChunkBytes(entry);
    maxCas = Math.max(maxCas, entry.cas());
    writes.increment();
    bytesWritten.add(record.length);
    evictOverflow();
    return true;
  }

  /**
   * Removes a key's record.
   *
   * @param key the key
   * @return {@code true} when a record was removed
   * @throws DiskFaultException if the removal failed, so an older copy may remain
   */
  public boolean remove(Key key) throws DiskFaultException {
    return remove(key, false);
  }

  /**
   * Removes a key's record, telling the releaser when it held a chunked value that leaves the
   * keyspace with it (a blind overwrite supersedes it unread), rather than moving to memory.
   *
   * @param key the key
   * @param dropped {@code true} when the record's value is gone, not moved
   * @return {@code true} when a record was removed
   * @throws DiskFaultException if the removal failed, so an older copy may remain
   */
  public boolean remove(Key key, boolean dropped) throws DiskFaultException {
    if (failed) {
      if (!setAside) {
        throw new DiskFaultException("disk tier out of service and its file not set aside");
      }
      return false;
    }
    if (!index.mayContain(key)) {
      return false;
    }
    byte[] old = removeRecord(key);
    if (old != null && dropped && DiskRecord.isChunked(old)) {
      try {
        releaser.released(DiskRecord.decode(key, old).entry(), null);
      } catch (DiskRecord.CorruptRecordException bad) {
        // unreadable: its chunks are orphans, deleted at the next open
      }
    }
    return old != null;
  }

  /** Removes a key's record; returns the record removed, or {@code null}. */
  private byte[] removeRecord(Key key) throws DiskFaultException {
    byte[] old;
    try {
      old = records.remove(key.bytes());
    } catch (RuntimeException | IOError | InternalError e) {
      fail("remove", e);
      if (!setAside) {
        throw new DiskFaultException("disk tier removal failed: " + e);
      }
      return null;
    }
    if (old == null) {
      return null;
    }
    index.remove(key);
    entries--;
    // Read from the stored bytes: for a record that failed verification they may be damaged, so
    // its share of the tally may be off (such records are counted as checksum failures).
    expiring.replaced(DiskRecord.expiresAt(old), Entry.NO_EXPIRY);
    bytes -= cost(key, old.length);
    namedChunkBytes -= namedChunkBytes(key, old);
    return old;
  }

  /** The accounted bytes of the chunks a chunked entry's manifest names; 0 for other entries. */
  private static long namedChunkBytes(Entry e) {
    if (!e.isChunked()) {
      return 0;
    }
    try {
      Manifest m = Manifest.decode(e.value());
      return m.length() + (long) m.chunkCount() * (DiskRecord.CHUNK_OVERHEAD_BYTES
          + RECORD_BOOKKEEPING_BYTES);
    } catch (IllegalArgumentException bad) {
      return 0;
    }
  }

  private static long namedChunkBytes(Key key, byte[] record) {
    if (!DiskRecord.isChunked(record)) {
      return 0;
    }
    try {
      return namedChunkBytes(DiskRecord.decode(key, record).entry());
    } catch (DiskRecord.CorruptRecordException bad) {
      return 0;
    }
  }

  /** Accounted bytes no eviction of records can free: chunks of values not on disk. */
  private long unevictableBytes() {
    return Math.max(0, chunkBytes - namedChunkBytes);
  }

  private void removeQuietly(Key key) {
    try {
      removeRecord(key);
    } catch (DiskFaultException ignored) {
      // counted and logged; the record fails verification again next time
    }
  }

  /** Records the eviction hand looks at, at most, for one victim. */
  static final int EVICTION_LOOKS = 8;

  /** Evicts older records until the accounted bytes are within the bound (see class docs). */
  private void evictOverflow() {
    // Records are evicted only while that can bring the tier within its bound.
    while (bytes + chunkBytes > maximumBytes && !failed && entries > 0
        && unevictableBytes() < maximumBytes) {
      try {
        long newerHalf = seq - entries / 2;
        byte[] victim = null;
        byte[] victimRecord = null;
        for (int look = 0; look < EVICTION_LOOKS; look++) {
          if (hand == null || !hand.hasNext()) {
            hand = records.keySet().iterator();
            if (!hand.hasNext()) {
              return;
            }
          }
          byte[] k = hand.next();
          byte[] record = records.get(k);
          if (record == null) {
            continue;
          }
          if (victim == null || DiskRecord.seq(record) < DiskRecord.seq(victimRecord)) {
            victim = k;
            victimRecord = record;
          }
          if (DiskRecord.seq(record) <= newerHalf) {
            break;
          }
        }
        if (victim == null) {
          return;
        }
        records.remove(victim);
        Key key = Key.of(victim);
        index.remove(key);
        entries--;
        expiring.replaced(DiskRecord.expiresAt(victimRecord), Entry.NO_EXPIRY);
        bytes -= cost(key, victimRecord.length);
        namedChunkBytes -= namedChunkBytes(key, victimRecord);
        evictions.increment();
        if (DiskRecord.isChunked(victimRecord)) {
          dropChunksOf(key, victimRecord);
        }
      } catch (RuntimeException | IOError | InternalError e) {
        fail("evict", e);
      }
    }
  }

  /**
   * Reclaims expired records: looks at the next {@code max} records of a walk over the file that
   * continues where the previous call stopped (and starts over at the end), and removes those
   * that have expired. Expired records are never served in any case; this frees their space
   * without a read. Run it periodically on the disk thread.
   *
   * @param max the most records to look at, at least 1
   * @return the number of records removed
   */
  public int sweepExpired(int max) {
    if (failed) {
      return 0;
    }
    long now = ticker.millis();
    List<byte[]> expired = new ArrayList<>();
    List<byte[]> expiredRecords = new ArrayList<>();
    try {
      if (sweep == null || !sweep.hasNext()) {
        sweep = records.entrySet().iterator();
      }
      for (int i = 0; i < max && sweep.hasNext(); i++) {
        Map.Entry<byte[], byte[]> e = sweep.next();
        long expiresAt = DiskRecord.expiresAt(e.getValue());
        if (expiresAt != Entry.NO_EXPIRY && expiresAt <= now) {
          expired.add(e.getKey());
          expiredRecords.add(e.getValue());
        }
      }
    } catch (RuntimeException | IOError e) {
      // A damaged part of the file: start the walk over next time.
      faults.increment();
      logRateLimited("expiry sweep failed", e);
      sweep = null;
    } catch (InternalError e) {
      fail("sweep", e);
      return 0;
    }
    int removed = 0;
    for (int i = 0; i < expired.size(); i++) {
      byte[] k = expired.get(i);
      try {
        if (removeRecord(Key.of(k)) != null) {
          expirations.increment();
          removed++;
          if (DiskRecord.isChunked(expiredRecords.get(i))) {
            dropChunksOf(Key.of(k), expiredRecords.get(i));
          }
        }
      } catch (DiskFaultException e) {
        return removed;
      }
    }
    return removed;
  }

  /**
   * Returns an iterator over the keys with a record, in no particular order, for {@code SCAN};
   * records are not verified. Weakly consistent: keys written or removed meanwhile may or may not
   * be returned. Use it on the disk thread only.
   */
  public Iterator<Key> keys() {
    if (failed) {
      return java.util.Collections.emptyIterator();
    }
    Iterator<byte[]> it;
    try {
      it = records.keySet().iterator();
    } catch (RuntimeException | IOError | InternalError e) {
      fail("iterate", e);
      return java.util.Collections.emptyIterator();
    }
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        try {
          return !failed && it.hasNext();
        } catch (RuntimeException | IOError | InternalError e) {
          fail("iterate", e);
          return false;
        }
      }

      @Override
      public Key next() {
        return Key.of(it.next());
      }
    };
  }

  /**
   * Removes every record. Chunks stay: the chunk layer frees them after a flush ({@link
   * io.sidecache.store.chunk.ChunkReclaimer#releaseAll}), sparing those of writes in progress.
   */
  public void clear() {
    if (!failed) {
      try {
        records.clear();
        hand = null;
        sweep = null;
      } catch (RuntimeException | IOError | InternalError e) {
        fail("clear", e);
      }
    }
    index.clear();
    entries = 0;
    expiring.reset();
    bytes = 0;
    namedChunkBytes = 0;
  }

  /** Takes the tier out of service after a MapDB or I/O failure (fail-stop; class docs). */
  private void fail(String what, Throwable cause) {
    faults.increment();
    if (failed) {
      return;
    }
    failed = true;
    Path file = dir.resolve(FILE_NAME);
    Path aside = dir.resolve(FILE_NAME + ".failed-" + ticker.millis());
    try {
      Files.move(file, aside);
      setAside = true;
    } catch (IOException | RuntimeException e) {
      cause.addSuppressed(e);
    }
    log.error("disk tier {}: {} failed; the disk tier is out of service until restart, serving"
        + " from memory only; {}", dir, what, setAside
            ? "its file was moved to " + aside + " and the next start begins with an empty tier"
            : "its file could not be moved aside, so changes to keys it holds are refused",
        cause);
  }

  private void logRateLimited(String what, Throwable cause) {
    long now = ticker.millis();
    if (now - lastFaultLog >= LOG_INTERVAL_MS) {
      lastFaultLog = now;
      log.warn("disk tier {}: {} ({} checksum failures, {} faults so far)", dir, what,
          checksumFailures.sum(), faults.sum(), cause);
    }
  }

  /** Returns the number of records. */
  public long entries() {
    return entries;
  }

  /** Returns the records whose entry carries an expiry time, as of now. */
  public ExpiringKeys expiring() {
    return expiring.at(ticker.millis());
  }

  /**
   * Returns the accounted bytes: key twice, record, and bookkeeping per record; chunk records and
   * their bookkeeping.
   */
  public long bytes() {
    return bytes + chunkBytes;
  }

  /** Returns the number of chunks stored. */
  public long chunks() {
    return chunkCount;
  }

  /** Returns the highest chunk generation found at open; new generations must be above it. */
  public long maxGeneration() {
    return maxGeneration;
  }

  /** Returns the number of chunk reads that went to disk. */
  public long chunkReads() {
    return chunkReads.sum();
  }

  /** Returns the number of chunks written to disk. */
  public long chunkWrites() {
    return chunkWrites.sum();
  }

  /** Returns the number of chunk reads that found no chunk or one that failed verification. */
  public long chunkMisses() {
    return chunkMisses.sum();
  }

  /** Returns the configured bound in bytes. */
  public long maximumBytes() {
    return maximumBytes;
  }

  /** Returns the highest CAS version of any record written or found at open. */
  public long maxCas() {
    return maxCas;
  }

  /** Returns whether the last shutdown was not clean, so every record was verified at open. */
  public boolean recovered() {
    return recovered;
  }

  /** Returns the number of reads that looked a record up. */
  public long reads() {
    return reads.sum();
  }

  /** Returns the number of reads that found a live, verified record. */
  public long hits() {
    return hits.sum();
  }

  /** Returns the time spent in record lookups ({@link #reads()} of them), in nanoseconds. */
  public long readNanos() {
    return readNanos.sum();
  }

  /** Returns the time spent writing records ({@link #writes()} of them), in nanoseconds. */
  public long writeNanos() {
    return writeNanos.sum();
  }

  /** Returns the bytes of records read. */
  public long bytesRead() {
    return bytesRead.sum();
  }

  /** Returns the bytes of records written. */
  public long bytesWritten() {
    return bytesWritten.sum();
  }

  /** Returns the number of records written. */
  public long writes() {
    return writes.sum();
  }

  /** Returns the number of records evicted to stay within the bound. */
  public long evictions() {
    return evictions.sum();
  }

  /** Returns the number of expired records reclaimed. */
  public long expirations() {
    return expirations.sum();
  }

  /** Returns the number of records that failed verification (memcached badcrc_from_extstore). */
  public long checksumFailures() {
    return checksumFailures.sum();
  }

  /** Returns the number of failed MapDB or I/O operations (the first one stops the tier). */
  public long faults() {
    return faults.sum();
  }

  // ---- chunks

  /**
   * Reads and verifies a chunk.
   *
   * @param id the chunk id
   * @return the chunk's bytes (a read-only view into the record read), or {@code null} when
   *     missing, corrupt (then removed, counted) or unreadable
   */
  public ByteBuffer readChunk(long id) {
    if (failed) {
      return null;
    }
    chunkReads.increment();
    byte[] record;
    long start = System.nanoTime();
    try {
      record = chunks.get(id);
    } catch (RuntimeException | IOError e) {
      faults.increment();
      logRateLimited("read of chunk " + Long.toHexString(id) + " failed", e);
      chunkMisses.increment();
      return null;
    } catch (InternalError e) {
      fail("chunk read", e);
      return null;
    } finally {
      readNanos.add(System.nanoTime() - start);
    }
    if (record == null) {
      chunkMisses.increment();
      return null;
    }
    bytesRead.add(record.length);
    try {
      return DiskRecord.decodeChunk(id, record);
    } catch (DiskRecord.CorruptRecordException bad) {
      checksumFailures.increment();
      chunkMisses.increment();
      logRateLimited(bad.getMessage(), null);
      removeChunk(id);
      return null;
    }
  }

  /**
   * Writes a chunk, first evicting the oldest records (and the chunks of the values they are)
   * while the chunk would not fit.
   *
   * @param id the chunk id, not written before
   * @param bytes the chunk's bytes
   * @return {@code true} when written; {@code false} when no room could be made or the write
   *     failed (the tier is then out of service)
   */
  public boolean writeChunk(long id, byte[] bytes) {
    if (failed) {
      return false;
    }
    byte[] record = DiskRecord.encodeChunk(id, bytes);
    long cost = chunkCost(record.length);
    if (unevictableBytes() + cost > maximumBytes) {
      return false; // evicting every record could not make room: keep them
    }
    // Room first: the bound holds when the chunk lands.
    chunkBytes += cost;
    evictOverflow();
    chunkBytes -= cost;
    if (this.bytes + chunkBytes + cost > maximumBytes) {
      return false;
    }
    long start = System.nanoTime();
    try {
      byte[] old = chunks.put(id, record);
      if (old != null) {
        chunkBytes -= chunkCost(old.length);
        chunkCount--;
      }
    } catch (RuntimeException | IOError | InternalError e) {
      fail("chunk write", e);
      return false;
    } finally {
      writeNanos.add(System.nanoTime() - start);
    }
    chunkBytes += cost;
    chunkCount++;
    chunkWrites.increment();
    bytesWritten.add(record.length);
    return true;
  }

  /**
   * Removes a chunk; a missing one is ignored.
   *
   * @param id the chunk id
   */
  public void removeChunk(long id) {
    if (failed) {
      return;
    }
    try {
      byte[] old = chunks.remove(id);
      if (old != null) {
        chunkBytes -= chunkCost(old.length);
        chunkCount--;
      }
    } catch (RuntimeException | IOError | InternalError e) {
      fail("chunk remove", e);
    }
  }

  /**
   * Visits the id of every chunk stored. Use it on the disk thread only.
   *
   * @param action receives each id
   */
  public void forEachChunk(LongConsumer action) {
    if (failed) {
      return;
    }
    try {
      for (Long id : chunks.keySet()) {
        action.accept(id);
      }
    } catch (RuntimeException | IOError | InternalError e) {
      fail("chunk iterate", e);
    }
  }

  /**
   * Frees the chunks of a chunked value this tier dropped for good (evicted or expired): at once,
   * since their space is what the eviction is for, unless a reader holds one of its generations;
   * then through the releaser, which frees them once the reader is done.
   */
  private void dropChunksOf(Key key, byte[] record) {
    Entry entry;
    Manifest m;
    try {
      entry = DiskRecord.decode(key, record).entry();
      m = Manifest.decode(entry.value());
    } catch (DiskRecord.CorruptRecordException | IllegalArgumentException bad) {
      return; // unreadable: its chunks are orphans, deleted at the next open
    }
    boolean[] held = new boolean[1];
    m.forEachGeneration(g -> held[0] |= releaser.pinned(g));
    if (held[0]) {
      releaser.released(entry, null);
    } else {
      m.forEachChunkNotIn(null, this::removeChunk);
    }
  }

  /**
   * Closes the file and writes the clean-shutdown marker, so the next {@link #open} trusts it.
   *
   * @throws IOException if the marker cannot be written (the next open then verifies everything)
   */
  @Override
  public void close() throws IOException {
    try {
      if (db == null) {
        return; // never had a file
      }
      if (failed) {
        throw new IOException("disk tier " + dir + " was out of service; not closed cleanly");
      }
      db.close();
      Files.writeString(dir.resolve(CLEAN_MARKER), FINGERPRINT + "\n", StandardCharsets.UTF_8);
    } finally {
      if (lockChannel != null) {
        lockChannel.close();
      }
    }
  }
}
