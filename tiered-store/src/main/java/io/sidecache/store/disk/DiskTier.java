package io.sidecache.store.disk;

import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import io.sidecache.store.Ticker;
import java.io.IOError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk tier: entries in a MapDB file store under a directory, bounded by bytes by its own
 * accounting, oldest write evicted first.
 *
 * <p>Two MapDB structures in one memory-mapped file, without MapDB transactions (DESIGN.md,
 * "Measured decisions": they cost 8-1000x on writes): {@code records}, key bytes to a {@link
 * DiskRecord} (header, value, CRC32C checked on every read), and {@code order}, write sequence
 * to key bytes, the eviction order. A record that fails its checksum is a miss, counted in {@link
 * #checksumFailures()}, and removed. Each key has at most one record; its write sequence is its
 * generation.
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
 * <p><b>Faults: fail-stop.</b> MapDB is not safe to use after one of its operations failed
 * half-way (an {@code InternalError} from a memory-mapped write on a full disk leaves its locks
 * held; an I/O error may leave its structures inconsistent). So the first MapDB or I/O failure
 * takes the tier out of service for the rest of the run: the file is renamed aside ({@code
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
  static final String FINGERPRINT = "sidecache-disk-tier format=1 record=" + DiskRecord.VERSION;

  /** The data file's name under the data directory. */
  public static final String FILE_NAME = "disk-tier.db";

  /** The clean-shutdown marker's name under the data directory. */
  public static final String CLEAN_MARKER = "disk-tier.clean";

  /** Bytes of bookkeeping counted per record beyond key and record bytes (MapDB slots, order). */
  static final int RECORD_BOOKKEEPING_BYTES = 64;

  private static final long LOG_INTERVAL_MS = 10_000;

  private final Path dir;
  private final long maximumBytes;
  private final Ticker ticker;
  private final DiskKeyIndex index = new DiskKeyIndex();
  private final DB db;
  private final HTreeMap<byte[], byte[]> records;
  private final BTreeMap<Long, byte[]> order;
  private final boolean recovered;
  // Written by the disk thread only; volatile so that DBSIZE and INFO read them from any thread.
  private volatile long bytes;
  private volatile long entries;
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

  private DiskTier(Path dir, long maximumBytes, Ticker ticker, DB db, boolean recovered) {
    this.dir = dir;
    this.maximumBytes = maximumBytes;
    this.ticker = ticker;
    this.db = db;
    this.recovered = recovered;
    if (db == null) {
      // Out of service from the start: no file could be made (see open).
      this.records = null;
      this.order = null;
      this.failed = true;
      this.setAside = true;
    } else {
      this.records = db.hashMap("records", Serializer.BYTE_ARRAY, Serializer.BYTE_ARRAY)
          .createOrOpen();
      this.order = db.treeMap("order", Serializer.LONG, Serializer.BYTE_ARRAY).createOrOpen();
    }
  }

  /**
   * Opens (or creates) the disk tier under {@code dir}.
   *
   * @param dir the data directory, created if missing; must be writable
   * @param maximumBytes the bound on the tier's accounted bytes, at least 1
   * @param ticker the clock expiry is judged by, in milliseconds since the epoch
   * @return the open tier, with its index rebuilt from the records on disk
   * @throws IOException if the directory cannot be created or written
   */
  public static DiskTier open(Path dir, long maximumBytes, Ticker ticker) throws IOException {
    if (maximumBytes < 1) {
      throw new IllegalArgumentException("maximumBytes: " + maximumBytes + " (expected: >= 1)");
    }
    Files.createDirectories(dir);
    deleteFailedFiles(dir);
    Path file = dir.resolve(FILE_NAME);
    Path marker = dir.resolve(CLEAN_MARKER);
    // A new file needs no verification; an existing one without a matching marker does.
    boolean clean = !Files.exists(file) || (Files.exists(marker)
        && FINGERPRINT.equals(Files.readString(marker, StandardCharsets.UTF_8).trim()));
    // From here on the file is in use: a crash leaves no marker behind.
    Files.deleteIfExists(marker);
    DiskTier tier;
    try {
      tier = new DiskTier(dir, maximumBytes, ticker, make(file, !clean), !clean);
      tier.load();
    } catch (RuntimeException | IOError | InternalError e) {
      // Not opened or not readable to the end: the half-open MapDB instance is abandoned (its
      // locks may be held), the file set aside, and the tier starts empty.
      Path aside = dir.resolve(FILE_NAME + ".unreadable-" + ticker.millis());
      log.warn("disk tier file {} cannot be opened ({}); moved to {}, starting with an empty disk"
          + " tier", file, e.toString(), aside);
      Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
      try {
        tier = new DiskTier(dir, maximumBytes, ticker, make(file, false), true);
        tier.load();
      } catch (RuntimeException | IOError | InternalError again) {
        // Not even a new file can be made (a full disk, say): serve from memory, never refuse
        // to start (invariant 3).
        log.error("disk tier {}: cannot create {} ({}); the disk tier is out of service until"
            + " restart, serving from memory only", dir, file, again.toString());
        Files.deleteIfExists(file);
        tier = new DiskTier(dir, maximumBytes, ticker, null, true);
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
    DBMaker.Maker maker = DBMaker.fileDB(file.toFile()).fileMmapEnableIfSupported()
        .fileMmapPreclearDisable().cleanerHackEnable();
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
      index.add(key);
      entries++;
      bytes += cost(key, e.getValue().length);
      seq = Math.max(seq, d.seq());
      maxCas = Math.max(maxCas, d.entry().cas());
      if (recovered) {
        // The order map may lack what was written just before the crash.
        order.putIfAbsent(d.seq(), e.getKey());
      }
    }
    for (byte[] k : drop) {
      Long recordSeq = seqOf(records.remove(k));
      if (recordSeq != null) {
        order.remove(recordSeq);
      }
    }
    if (!drop.isEmpty()) {
      log.warn("disk tier {}: dropped {} records at open ({} failed their checksum)", dir,
          drop.size(), checksumFailures.sum());
    }
    evictOverflow();
  }

  private static Long seqOf(byte[] record) {
    return record == null ? null : DiskRecord.seq(record);
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
    } catch (RuntimeException | IOError | InternalError e) {
      fail("read", e);
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
    if (cost(key, record.length) > maximumBytes) {
      removeQuietly(key);
      return false;
    }
    byte[] old;
    long start = System.nanoTime();
    try {
      old = records.put(key.bytes(), record);
      seq++;
      if (old != null) {
        order.remove(DiskRecord.seq(old));
      }
      order.put(seq, key.bytes());
    } catch (RuntimeException | IOError | InternalError e) {
      fail("write", e);
      return false;
    } finally {
      writeNanos.add(System.nanoTime() - start);
    }
    if (old == null) {
      index.add(key);
      entries++;
    } else {
      bytes -= cost(key, old.length);
    }
    bytes += cost(key, record.length);
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
    if (failed) {
      if (!setAside) {
        throw new DiskFaultException("disk tier out of service and its file not set aside");
      }
      return false;
    }
    if (!index.mayContain(key)) {
      return false;
    }
    return removeRecord(key);
  }

  private boolean removeRecord(Key key) throws DiskFaultException {
    byte[] old;
    try {
      old = records.remove(key.bytes());
      if (old != null) {
        order.remove(DiskRecord.seq(old));
      }
    } catch (RuntimeException | IOError | InternalError e) {
      fail("remove", e);
      if (!setAside) {
        throw new DiskFaultException("disk tier removal failed: " + e);
      }
      return false;
    }
    if (old == null) {
      return false;
    }
    index.remove(key);
    entries--;
    bytes -= cost(key, old.length);
    return true;
  }

  private void removeQuietly(Key key) {
    try {
      removeRecord(key);
    } catch (DiskFaultException ignored) {
      // counted and logged; the record fails verification again next time
    }
  }

  /** Evicts the oldest records until the accounted bytes are within the bound. */
  private void evictOverflow() {
    while (bytes > maximumBytes && !failed) {
      try {
        Map.Entry<Long, byte[]> oldest = order.pollFirstEntry();
        if (oldest == null) {
          return;
        }
        Key key = Key.of(oldest.getValue());
        byte[] record = records.get(oldest.getValue());
        if (record != null && DiskRecord.seq(record) == oldest.getKey()) {
          records.remove(oldest.getValue());
          index.remove(key);
          entries--;
          bytes -= cost(key, record.length);
          evictions.increment();
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
    try {
      if (sweep == null || !sweep.hasNext()) {
        sweep = records.entrySet().iterator();
      }
      for (int i = 0; i < max && sweep.hasNext(); i++) {
        Map.Entry<byte[], byte[]> e = sweep.next();
        long expiresAt = DiskRecord.expiresAt(e.getValue());
        if (expiresAt != Entry.NO_EXPIRY && expiresAt <= now) {
          expired.add(e.getKey());
        }
      }
    } catch (RuntimeException | IOError | InternalError e) {
      fail("sweep", e);
      return 0;
    }
    int removed = 0;
    for (byte[] k : expired) {
      try {
        if (removeRecord(Key.of(k))) {
          expirations.increment();
          removed++;
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

  /** Removes every record. */
  public void clear() {
    if (!failed) {
      try {
        records.clear();
        order.clear();
      } catch (RuntimeException | IOError | InternalError e) {
        fail("clear", e);
      }
    }
    index.clear();
    entries = 0;
    bytes = 0;
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
      log.warn("disk tier {}: {} ({} checksum failures so far)", dir, what,
          checksumFailures.sum(), cause);
    }
  }

  /** Returns the number of records. */
  public long entries() {
    return entries;
  }

  /** Returns the accounted bytes: key twice, record, and bookkeeping per record. */
  public long bytes() {
    return bytes;
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

  /**
   * Closes the file and writes the clean-shutdown marker, so the next {@link #open} trusts it.
   *
   * @throws IOException if the marker cannot be written (the next open then verifies everything)
   */
  @Override
  public void close() throws IOException {
    if (db == null) {
      return; // never had a file
    }
    if (failed) {
      // MapDB may hold locks from the failed operation; its file is set aside anyway.
      throw new IOException("disk tier " + dir + " was out of service; not closed cleanly");
    }
    db.close();
    Files.writeString(dir.resolve(CLEAN_MARKER), FINGERPRINT + "\n", StandardCharsets.UTF_8);
  }
}
