package io.sidecache.store;

import io.sidecache.store.memory.MemoryStore;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.math3.distribution.ZipfDistribution;
import org.apache.commons.math3.random.Well19937c;

/**
 * The memory tier's hit ratio on a read-through load whose keys follow a Zipf law: a {@code GET}
 * of a key drawn from {@code KEYS} keys, and a {@code SET} of it on a miss, as a cache-aside client
 * does, with the tier bounded to hold about a tenth of the keys (Caffeine evicts). Time is
 * simulated: the store's ticker advances by one operation's share of a second at the given rate,
 * so "once per second" in the store means once per {@code rate} operations, whatever the speed of
 * this machine. Deterministic for a seed.
 *
 * <p>Run as {@code java -cp bench/jmh/target/benchmarks.jar io.sidecache.store.HitRateSimulation};
 * put another build's tiered-store jar first on the class path to compare two versions of the
 * memory tier on the same load (docs/benchmarks.md). Prints one line per (exponent, rate): the hit
 * ratio of the measured operations.
 */
public final class HitRateSimulation {
  private static final int KEYS = 1_000_000;
  private static final int WARM_UP = 3_000_000;
  private static final int MEASURED = 10_000_000;
  /** About 100,000 of the keys: 16 B key, 100 B value and the tier's estimated overhead each. */
  private static final long MEMORY_BYTES = 100_000L * (16 + 100 + MemoryStore.ENTRY_OVERHEAD);

  private HitRateSimulation() {}

  /**
   * Prints the hit ratios.
   *
   * @param args none
   */
  public static void main(String[] args) {
    Key[] keys = new Key[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = Key.of(String.format("key:%012d", i));
    }
    byte[] value = new byte[100];
    for (double exponent : new double[] {0.8, 0.99}) {
      for (long rate : new long[] {10_000, 100_000, 1_000_000}) {
        double ratio = hitRatio(keys, value, exponent, rate);
        System.out.printf("zipf %.2f, %,d ops/s: hit ratio %.4f%n", exponent, rate, ratio);
      }
    }
  }

  private static double hitRatio(Key[] keys, byte[] value, double exponent, long rate) {
    AtomicLong operations = new AtomicLong();
    long start = 1_700_000_000_000L;
    MemoryStore store = MemoryStore.builder()
        .maximumBytes(MEMORY_BYTES)
        .executor(Runnable::run)
        .ticker(() -> start + operations.get() * 1000 / rate)
        .build();
    ZipfDistribution zipf = new ZipfDistribution(new Well19937c(42), KEYS, exponent);
    long hits = 0;
    for (int i = 0; i < WARM_UP + MEASURED; i++) {
      Key key = keys[zipf.sample() - 1];
      boolean hit = store.get(key).toCompletableFuture().join() != null;
      if (!hit) {
        store.set(key, value, SetOptions.DEFAULT).toCompletableFuture().join();
      }
      if (hit && i >= WARM_UP) {
        hits++;
      }
      operations.incrementAndGet();
    }
    return (double) hits / MEASURED;
  }
}
