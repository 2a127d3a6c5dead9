package io.sidecache.store.chunk;

import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import io.sidecache.store.SetOptions;
import io.sidecache.store.Ticker;
import io.sidecache.store.ValueReader;
import io.sidecache.store.ValueWriter;
import io.sidecache.store.memory.MemoryStore;
import io.sidecache.store.tiered.TieredStore;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;

/**
 * The measurement behind {@link ChunkedStore#DEFAULT_CHUNK_SIZE} (docs/benchmarks.md): writes a
 * value through the chunk layer over a tiered store with a chunk cache of 0 bytes (every chunk
 * read comes from the disk tier), reads it back whole, then reads 2,000 ranges of 100 bytes at
 * random offsets, for each chunk size given. A main program, not a test; run as
 * {@code java -cp <test classpath> io.sidecache.store.chunk.ChunkSizeBench 16384,65472 268435456 2}
 * (chunk sizes, value bytes, rounds).
 */
public final class ChunkSizeBench {
  private ChunkSizeBench() {}

  /**
   * Runs the benchmark.
   *
   * @param a chunk sizes (comma-separated), value length in bytes, rounds
   * @throws Exception on any failure
   */
  public static void main(String[] a) throws Exception {
    int[] sizes = Arrays.stream(a[0].split(",")).mapToInt(Integer::parseInt).toArray();
    long total = Long.parseLong(a[1]);
    int rounds = Integer.parseInt(a[2]);
    byte[] piece = new byte[1 << 20];
    new Random(1).nextBytes(piece);
    System.out.println(
        "# chunk  write_MBps  read_MBps  range100_us_p50  range100_us_p99  file_MB");
    for (int round = 0; round < rounds; round++) {
      for (int cs : sizes) {
        Path dir = Files.createTempDirectory("cb");
        TieredStore t = TieredStore.open(MemoryStore.builder().maximumBytes(1 << 20)
            .executor(Runnable::run), dir, 4L << 30, TieredStore.PENDING_BYTES_DEFAULT, 0,
            Ticker.system());
        ChunkedStore s = new ChunkedStore(t, t.chunkReclaimer(), cs);
        Key k = Key.of("v");
        long t0 = System.nanoTime();
        ValueWriter w = s.writer(k, total);
        for (long done = 0; done < total; done += piece.length) {
          w.write(ByteBuffer.wrap(piece)).toCompletableFuture().get();
        }
        w.commit(SetOptions.DEFAULT).toCompletableFuture().get();
        long t1 = System.nanoTime();
        Entry e = s.get(k).toCompletableFuture().get();
        ValueReader r = s.read(k, e, 0, -1).toCompletableFuture().get();
        long n = 0;
        for (ByteBuffer b; (b = r.next().toCompletableFuture().get()) != null; ) {
          n += b.remaining();
        }
        r.close();
        long t2 = System.nanoTime();
        long[] lat = new long[2000];
        Random rnd = new Random(2);
        for (int i = 0; i < lat.length; i++) {
          long off = (long) (rnd.nextDouble() * (total - 100));
          long q = System.nanoTime();
          s.getRange(k, off, off + 99).toCompletableFuture().get();
          lat[i] = System.nanoTime() - q;
        }
        Arrays.sort(lat);
        long file = Files.size(dir.resolve("disk-tier.db"));
        System.out.printf("%7d  %10.0f  %9.0f  %15.0f  %15.0f  %7d%n", cs,
            total / 1e6 / ((t1 - t0) / 1e9), n / 1e6 / ((t2 - t1) / 1e9),
            lat[lat.length / 2] / 1e3, lat[lat.length * 99 / 100] / 1e3, file >> 20);
        t.close();
        try (var f = Files.walk(dir)) {
          f.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }
}
