package io.sidecache.store.disk;

import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The bytes of one disk record: a fixed header, the value, and a CRC32C trailer.
 *
 * <pre>
 *   magic      u32  "SCD1"
 *   version    u8   {@value #VERSION}
 *   keyHash    i32  {@link Key#hashCode()} of the key the record is stored under
 *   seq        i64  the disk tier's write sequence: this record's generation, and its place in
 *                   eviction order
 *   cas        i64  the entry's CAS version
 *   flags      i32  memcached client flags
 *   expiresAt  i64  absolute expiry, ms since the epoch, 0 for none
 *   access     i32  memcached access state (fetched bit, last access)
 *   length     u32  value bytes that follow
 *   value      length bytes
 *   crc32c     u32  over everything above and the key bytes
 * </pre>
 *
 * <p>The key is the MapDB map key, not repeated in the record; it is covered by the checksum, so
 * a record that ends up under another key fails as surely as a torn one. Big-endian throughout.
 * Stateless and thread-safe.
 */
final class DiskRecord {
  /** {@code "SCD1"}: Sidecache disk record. */
  static final int MAGIC = 0x53434431;

  /** The record format version; a record of another version is not read. */
  static final byte VERSION = 1;

  /** Bytes before the value. */
  static final int HEADER_BYTES = 4 + 1 + 4 + 8 + 8 + 4 + 8 + 4 + 4;

  /** Bytes a record adds to its value: header and checksum. */
  static final int OVERHEAD_BYTES = HEADER_BYTES + 4;

  private DiskRecord() {}

  /** A record read back: the entry and the generation it was written with. */
  record Decoded(Entry entry, long seq) {}

  /**
   * Encodes an entry.
   *
   * @param key the key the record is stored under
   * @param entry the entry
   * @param seq the record's generation
   * @return the record bytes
   */
  static byte[] encode(Key key, Entry entry, long seq) {
    byte[] value = entry.value();
    byte[] record = new byte[OVERHEAD_BYTES + value.length];
    ByteBuffer b = ByteBuffer.wrap(record);
    b.putInt(MAGIC)
        .put(VERSION)
        .putInt(key.hashCode())
        .putLong(seq)
        .putLong(entry.cas())
        .putInt(entry.flags())
        .putLong(entry.expiresAt())
        .putInt(entry.accessState())
        .putInt(value.length)
        .put(value);
    b.putInt((int) checksum(key, record, record.length - 4));
    return record;
  }

  /**
   * Decodes and verifies a record.
   *
   * @param key the key it was read under
   * @param record the bytes MapDB returned
   * @return the entry and its generation
   * @throws CorruptRecordException if the magic, version, key hash, length or checksum is wrong
   */
  static Decoded decode(Key key, byte[] record) throws CorruptRecordException {
    if (record.length < OVERHEAD_BYTES) {
      throw new CorruptRecordException("record length: " + record.length
          + " (expected: >= " + OVERHEAD_BYTES + ")");
    }
    ByteBuffer b = ByteBuffer.wrap(record);
    int magic = b.getInt();
    byte version = b.get();
    int keyHash = b.getInt();
    long seq = b.getLong();
    long cas = b.getLong();
    int flags = b.getInt();
    long expiresAt = b.getLong();
    int access = b.getInt();
    int length = b.getInt();
    if (magic != MAGIC || version != VERSION) {
      throw new CorruptRecordException("magic/version: " + Integer.toHexString(magic) + "/"
          + version + " (expected: " + Integer.toHexString(MAGIC) + "/" + VERSION + ")");
    }
    if (length != record.length - OVERHEAD_BYTES) {
      throw new CorruptRecordException("value length: " + length + " (expected: "
          + (record.length - OVERHEAD_BYTES) + ")");
    }
    int stored = ByteBuffer.wrap(record, record.length - 4, 4).getInt();
    if (keyHash != key.hashCode() || stored != (int) checksum(key, record, record.length - 4)) {
      throw new CorruptRecordException("checksum mismatch");
    }
    byte[] value = new byte[length];
    b.get(value);
    return new Decoded(new Entry(value, flags, cas, expiresAt, access), seq);
  }

  /** Reads a record's expiry without verifying it (for the expiry sweep); 0 when too short. */
  static long expiresAt(byte[] record) {
    return record.length < HEADER_BYTES ? 0 : ByteBuffer.wrap(record, 29, 8).getLong();
  }

  /** Reads whether a record holds a chunked entry's manifest, without verifying it. */
  static boolean isChunked(byte[] record) {
    return record.length >= HEADER_BYTES
        && Entry.isChunked(ByteBuffer.wrap(record, 37, 4).getInt());
  }

  /** {@code "SCC1"}: Sidecache chunk record. */
  static final int CHUNK_MAGIC = 0x53434331;

  /** Bytes a chunk record adds to its chunk: magic, version, id, length, checksum. */
  static final int CHUNK_OVERHEAD_BYTES = 4 + 1 + 8 + 4 + 4;

  /**
   * Encodes a chunk of a chunked value:
   *
   * <pre>
   *   magic   u32  "SCC1"
   *   version u8   {@value #VERSION}
   *   id      i64  the chunk id (generation and index), as the map key
   *   length  u32  chunk bytes that follow
   *   bytes   length bytes
   *   crc32c  u32  over everything above
   * </pre>
   *
   * @param id the chunk id
   * @param bytes the chunk's bytes
   * @return the record bytes
   */
  static byte[] encodeChunk(long id, byte[] bytes) {
    byte[] record = new byte[CHUNK_OVERHEAD_BYTES + bytes.length];
    ByteBuffer b = ByteBuffer.wrap(record);
    b.putInt(CHUNK_MAGIC).put(VERSION).putLong(id).putInt(bytes.length).put(bytes);
    CRC32C crc = new CRC32C();
    crc.update(record, 0, record.length - 4);
    b.putInt((int) crc.getValue());
    return record;
  }

  /**
   * Decodes and verifies a chunk record.
   *
   * @param id the id it was read under
   * @param record the bytes MapDB returned
   * @return the chunk's bytes: a read-only view into {@code record}, not a copy
   * @throws CorruptRecordException if the magic, version, id, length or checksum is wrong
   */
  static ByteBuffer decodeChunk(long id, byte[] record) throws CorruptRecordException {
    if (record.length < CHUNK_OVERHEAD_BYTES) {
      throw new CorruptRecordException("chunk record length: " + record.length);
    }
    ByteBuffer b = ByteBuffer.wrap(record);
    int magic = b.getInt();
    byte version = b.get();
    long storedId = b.getLong();
    int length = b.getInt();
    CRC32C crc = new CRC32C();
    crc.update(record, 0, record.length - 4);
    if (magic != CHUNK_MAGIC || version != VERSION || storedId != id
        || length != record.length - CHUNK_OVERHEAD_BYTES
        || ByteBuffer.wrap(record, record.length - 4, 4).getInt() != (int) crc.getValue()) {
      throw new CorruptRecordException("chunk record " + Long.toHexString(id)
          + " failed verification");
    }
    return ByteBuffer.wrap(record, b.position(), length).slice().asReadOnlyBuffer();
  }

  /** Reads a record's generation without verifying it (for eviction bookkeeping). */
  static long seq(byte[] record) {
    return record.length < HEADER_BYTES ? -1 : ByteBuffer.wrap(record, 9, 8).getLong();
  }

  private static long checksum(Key key, byte[] record, int length) {
    CRC32C crc = new CRC32C();
    crc.update(record, 0, length);
    crc.update(key.bytes());
    return crc.getValue();
  }

  /** A record that failed verification: a miss, counted as a checksum failure. */
  static final class CorruptRecordException extends Exception {
    private static final long serialVersionUID = 1L;

    CorruptRecordException(String message) {
      super(message, null, false, false);
    }
  }
}
