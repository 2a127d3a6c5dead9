package io.sidecache.store;

import io.sidecache.store.memory.MemoryStore;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The memory tier's hit and write paths as the RESP and memcached handlers call them (completed
 * stages, Caffeine maintenance on the calling thread, as {@code Sidecache} builds it): a {@code GET}
 * hit, an overwrite of a 100 B value, an {@code INCR}, a memcached-style fetch, over 100,000 keys
 * of 16 B. As a handler does, every operation makes its key anew from request bytes, so the map
 * compares it with the stored key rather than finding the same object; keys are visited in a
 * stride through the key space, not in the order they were written (and allocated), so that the
 * entries' objects are not in cache or prefetched. Nanoseconds per operation, one thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MemoryStoreBench {
  private static final int KEYS = 100_000;
  /** Coprime with {@link #KEYS}: every key is visited once per {@code KEYS} operations. */
  private static final int STRIDE = 38_873;

  private CacheStore store;
  private byte[][] keys;
  private byte[] value;
  private Key counter;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    store = MemoryStore.builder().maximumBytes(256L << 20).executor(Runnable::run).build();
    value = new byte[100];
    keys = new byte[KEYS][];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = String.format("key:%012d", i).getBytes(StandardCharsets.US_ASCII);
      store.set(Key.of(keys[i].clone()), value, SetOptions.DEFAULT);
    }
    counter = Key.of("counter");
  }

  /** The next key, made from a copy of its bytes as a decoder hands them over. */
  private Key nextKey() {
    next = (next + STRIDE) % KEYS;
    return Key.of(keys[next].clone());
  }

  /** {@code GET} of a present key. */
  @Benchmark
  public Object getHit() {
    return store.get(nextKey()).toCompletableFuture().join();
  }

  /** {@code SET} over a present key, 100 B. */
  @Benchmark
  public Object setOverwrite() {
    return store.set(nextKey(), value, SetOptions.DEFAULT).toCompletableFuture().join();
  }

  /** {@code INCR} of one key. */
  @Benchmark
  public Object incr() {
    return store.incrementBy(counter, 1).toCompletableFuture().join();
  }

  /** memcached {@code mg k v} : a fetch that records the access. */
  @Benchmark
  public Object fetch() {
    return store.fetch(nextKey(), FetchOptions.READ).toCompletableFuture().join();
  }
}
