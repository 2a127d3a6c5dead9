package io.sidecache.store.disk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskTierTest {
  private static final long NOW = 1_700_000_000_000L;
  private final AtomicLong now = new AtomicLong(NOW);
  @TempDir Path dir;

  private DiskTier open(long maximumBytes) throws IOException {
    return DiskTier.open(dir, maximumBytes, now::get);
  }

  private static Entry entry(String value, long cas) {
    return new Entry(value.getBytes(StandardCharsets.UTF_8), 7, cas, Entry.NO_EXPIRY, 0);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void writeRead_roundTripsEveryField() throws IOException {
    try (DiskTier tier = open(1 << 20)) {
      Entry e = new Entry(bytes("hello"), 0xdeadbeef, 42, NOW + 5000, 0x2000_0001);
      assertTrue(tier.write(Key.of("k"), e));
      Entry read = tier.read(Key.of("k"));
      assertArrayEquals(bytes("hello"), read.value());
      assertEquals(0xdeadbeef, read.flags());
      assertEquals(42, read.cas());
      assertEquals(NOW + 5000, read.expiresAt());
      assertEquals(0x2000_0001, read.accessState());
      assertEquals(1, tier.entries());
      assertTrue(tier.mayContain(Key.of("k")));
      assertFalse(tier.mayContain(Key.of("other")));
      assertNull(tier.read(Key.of("other")));
    }
  }

  @Test
  void write_replacesAndRemoveForgets() throws Exception {
    try (DiskTier tier = open(1 << 20)) {
      tier.write(Key.of("k"), entry("one", 1));
      long afterOne = tier.bytes();
      tier.write(Key.of("k"), entry("two", 2));
      assertEquals(1, tier.entries());
      assertEquals(afterOne, tier.bytes());
      assertArrayEquals(bytes("two"), tier.read(Key.of("k")).value());
      assertTrue(tier.remove(Key.of("k")));
      assertFalse(tier.remove(Key.of("k")));
      assertNull(tier.read(Key.of("k")));
      assertFalse(tier.mayContain(Key.of("k")));
      assertEquals(0, tier.entries());
      assertEquals(0, tier.bytes());
    }
  }

  @Test
  void read_expiredIsAMissAndReclaimed() throws IOException {
    try (DiskTier tier = open(1 << 20)) {
      tier.write(Key.of("k"), new Entry(bytes("v"), 0, 1, NOW + 1000, 0));
      now.addAndGet(1000);
      assertNull(tier.read(Key.of("k")));
      assertEquals(0, tier.entries());
      assertEquals(1, tier.expirations());
    }
  }

  @Test
  void sweepExpired_reclaimsExpiredRecordsWithoutReads() throws IOException {
    try (DiskTier tier = open(1 << 20)) {
      for (int i = 0; i < 10; i++) {
        tier.write(Key.of("e" + i), new Entry(bytes("v"), 0, i + 1, NOW + 1000, 0));
        tier.write(Key.of("p" + i), entry("v", 100 + i));
      }
      assertEquals(0, tier.sweepExpired(100), "nothing has expired yet");
      now.addAndGet(1000);
      assertTrue(tier.sweepExpired(1) <= 1, "looks at one record only");
      int removed = 0;
      for (int round = 0; round < 3; round++) {
        removed += tier.sweepExpired(100);
      }
      assertEquals(10, tier.entries());
      assertEquals(10, tier.expirations());
      for (int i = 0; i < 10; i++) {
        assertNotNull(tier.read(Key.of("p" + i)));
      }
      assertTrue(removed >= 9, "removed " + removed);
    }
  }

  @Test
  void write_overTheBoundEvictsOlderRecordsFirst() throws IOException {
    String value = "x".repeat(1000);
    long perRecord = 2 * 3 + DiskRecord.OVERHEAD_BYTES + 1000 + DiskTier.RECORD_BOOKKEEPING_BYTES;
    try (DiskTier tier = open(perRecord * 20)) {
      for (int i = 0; i < 100; i++) {
        assertTrue(tier.write(Key.of(String.format("k%02d", i)), entry(value, i + 1)));
        assertTrue(tier.bytes() <= tier.maximumBytes());
      }
      assertEquals(20, tier.entries());
      assertEquals(80, tier.evictions());
      int oldSurvivors = 0;
      for (int i = 0; i < 50; i++) {
        oldSurvivors += tier.read(Key.of(String.format("k%02d", i))) == null ? 0 : 1;
      }
      assertTrue(oldSurvivors <= 2, "records of the older half kept: " + oldSurvivors);
      assertNotNull(tier.read(Key.of("k99")), "the newest record is kept");
      assertFalse(tier.write(Key.of("huge"), entry("y".repeat((int) perRecord * 21), 999)));
    }
  }

  @Test
  void open_afterCleanCloseServesEverythingAndKnowsTheHighestCas() throws IOException {
    try (DiskTier tier = open(1 << 20)) {
      tier.write(Key.of("a"), entry("1", 10));
      tier.write(Key.of("b"), entry("2", 30));
      tier.write(Key.of("c"), entry("3", 20));
    }
    assertTrue(Files.exists(dir.resolve(DiskTier.CLEAN_MARKER)));
    try (DiskTier tier = open(1 << 20)) {
      assertFalse(tier.recovered());
      assertFalse(Files.exists(dir.resolve(DiskTier.CLEAN_MARKER)), "marker kept while open");
      assertEquals(3, tier.entries());
      assertEquals(30, tier.maxCas());
      assertArrayEquals(bytes("2"), tier.read(Key.of("b")).value());
    }
  }

  @Test
  void open_withoutMarkerVerifiesEveryRecord() throws IOException {
    try (DiskTier tier = open(1 << 20)) {
      tier.write(Key.of("a"), entry("1", 1));
    }
    Files.delete(dir.resolve(DiskTier.CLEAN_MARKER));
    try (DiskTier tier = open(1 << 20)) {
      assertTrue(tier.recovered());
      assertArrayEquals(bytes("1"), tier.read(Key.of("a")).value());
    }
  }

  @Test
  void open_corruptRecordIsDroppedAndCounted() throws IOException {
    String marked = "Q".repeat(5000);
    try (DiskTier tier = open(1 << 20)) {
      tier.write(Key.of("good"), entry("fine", 1));
      tier.write(Key.of("bad"), entry(marked, 2));
    }
    byte[] file = Files.readAllBytes(dir.resolve(DiskTier.FILE_NAME));
    int at = indexOf(file, bytes(marked));
    assertTrue(at >= 0, "value bytes not found in the file");
    file[at + 2500] ^= 0x01;
    Files.write(dir.resolve(DiskTier.FILE_NAME), file);
    try (DiskTier tier = open(1 << 20)) {
      assertNull(tier.read(Key.of("bad")));
      assertEquals(1, tier.checksumFailures());
      assertArrayEquals(bytes("fine"), tier.read(Key.of("good")).value());
      assertEquals(1, tier.entries());
    }
  }

  @Test
  void open_unreadableFileIsSetAsideAndTheTierStartsEmpty() throws IOException {
    Files.write(dir.resolve(DiskTier.FILE_NAME), bytes("this is not a MapDB file at all........"));
    try (DiskTier tier = open(1 << 20)) {
      assertEquals(0, tier.entries());
      assertTrue(tier.write(Key.of("k"), entry("v", 1)));
      assertArrayEquals(bytes("v"), tier.read(Key.of("k")).value());
    }
    try (var files = Files.list(dir)) {
      assertTrue(files.anyMatch(p -> p.getFileName().toString().contains(".unreadable-")));
    }
  }

  @Test
  void open_dataDirectoryInUseIsRefused() throws IOException {
    try (DiskTier tier = open(1 << 20)) {
      IOException e = assertThrows(IOException.class, () -> open(1 << 20));
      assertTrue(e.getMessage().contains("in use"), e.getMessage());
      assertTrue(tier.write(Key.of("k"), entry("v", 1)));
    }
    try (DiskTier again = open(1 << 20)) {
      assertArrayEquals(bytes("v"), again.read(Key.of("k")).value());
    }
  }

  @Test
  void decode_rejectsRecordUnderAnotherKey() {
    byte[] record = DiskRecord.encode(Key.of("a"), entry("v", 1), 1);
    assertThrows(DiskRecord.CorruptRecordException.class,
        () -> DiskRecord.decode(Key.of("b"), record));
    byte[] torn = Arrays.copyOf(record, record.length - 1);
    assertThrows(DiskRecord.CorruptRecordException.class,
        () -> DiskRecord.decode(Key.of("a"), torn));
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /**
   * Chunks whose value's manifest is not on disk (it is in the memory tier) cannot be freed by
   * evicting records: when they fill the tier, a further chunk or record is refused and the small
   * records stay, instead of the tier evicting everything for nothing.
   */
  @Test
  void chunksOfValuesNotOnDiskDoNotEvictEveryRecordForNothing() throws IOException {
    try (DiskTier tier = open(1 << 20)) {
      for (int i = 0; i < 10; i++) {
        assertTrue(tier.write(Key.of("small" + i), entry("v" + i, i + 1)));
      }
      byte[] chunk = new byte[60_000];
      int stored = 0;
      while (tier.writeChunk(io.sidecache.store.chunk.Manifest.chunkId(1, stored), chunk)) {
        stored++;
      }
      assertTrue(stored >= 15, "chunks stored: " + stored);
      assertEquals(10, tier.entries(), "no record evicted to make room it could not make");
      assertFalse(tier.write(Key.of("big"), entry("x".repeat(200_000), 99)));
      for (int i = 0; i < 10; i++) {
        assertEquals("v" + i, new String(tier.read(Key.of("small" + i)).value(),
            java.nio.charset.StandardCharsets.UTF_8));
      }
    }
  }
}
