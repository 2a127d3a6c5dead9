package io.sidecache.examples;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import net.spy.memcached.BinaryConnectionFactory;
import net.spy.memcached.CASValue;
import net.spy.memcached.MemcachedClient;

/**
 * A read-through cache in front of a slow function, over memcached with spymemcached, as an
 * application puts one in front of a database (memcached binary protocol): a read that finds the key returns it; on a miss,
 * one caller computes the value and {@code set}s it with an exptime while the others wait for it,
 * so a popular key that expires costs one slow call, not one per waiting request (the stampede
 * lock of memcached's wiki: whoever's {@code add} of {@code lock:<key>} succeeds computes).
 *
 * <p>The lock has its own short exptime, so a caller that dies while computing holds it back at
 * most that long; it holds a random token, and its holder deletes it only while the token is
 * still there (a CAS delete), never a later caller's lock. Callers that wait longer than the
 * lock's life compute the value themselves.
 * Nothing here knows it talks to Sidecache: the same class runs against memcached. Thread-safe.
 */
public final class ReadThroughCache implements AutoCloseable {
  private static final long POLL_MILLIS = 5;

  private final MemcachedClient client;
  private final Function<String, String> loader;
  private final int ttlSeconds;
  private final int lockSeconds;

  /**
   * Connects to a memcached endpoint (binary protocol).
   *
   * @param address the Sidecache (or memcached) host and port
   * @param loader the slow function: the value of a key
   * @param ttl how long a computed value is served, whole seconds, at least one
   * @param lock how long one caller may compute before others stop waiting, at least one second
   * @throws IOException if the client cannot start
   */
  public ReadThroughCache(InetSocketAddress address, Function<String, String> loader,
      Duration ttl, Duration lock) throws IOException {
    // The binary protocol: the text protocol has no CAS delete, which releasing the lock needs.
    this.client = new MemcachedClient(new BinaryConnectionFactory(), List.of(address));
    this.loader = loader;
    this.ttlSeconds = (int) Math.max(1, ttl.toSeconds());
    this.lockSeconds = (int) Math.max(1, lock.toSeconds());
  }

  /**
   * Returns a key's value from the cache, computing and caching it on a miss.
   *
   * @param key a memcached key (at most 250 bytes, no spaces or control characters)
   * @return the value
   * @throws InterruptedException if interrupted while waiting for another caller's value
   * @throws ExecutionException if the cache fails to answer
   */
  public String get(String key) throws InterruptedException, ExecutionException {
    String lock = "lock:" + key;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(lockSeconds);
    do {
      Object cached = client.get(key);
      if (cached != null) {
        return (String) cached;
      }
      String token = UUID.randomUUID().toString();
      if (client.add(lock, lockSeconds, token).get()) {
        try {
          // The previous holder may have set the value between our miss and our lock.
          cached = client.get(key);
          if (cached != null) {
            return (String) cached;
          }
          String value = loader.apply(key);
          client.set(key, ttlSeconds, value).get();
          return value;
        } finally {
          release(lock, token);
        }
      }
      Thread.sleep(POLL_MILLIS);
    } while (System.nanoTime() < deadline);
    return loader.apply(key);
  }

  /**
   * Deletes the lock only if it is still ours: if we held it past its exptime, another caller's
   * lock now stands there, and a CAS delete ({@code gets}, then {@code delete} with its CAS)
   * leaves that one alone.
   */
  private void release(String lock, String token) throws InterruptedException,
      ExecutionException {
    CASValue<Object> held = client.gets(lock);
    if (held != null && token.equals(held.getValue())) {
      client.delete(lock, held.getCas()).get();
    }
  }

  /**
   * Drops a key's cached value, so the next read computes it again (after the source changed).
   *
   * @param key the key
   * @throws InterruptedException if interrupted
   * @throws ExecutionException if the cache fails to answer
   */
  public void invalidate(String key) throws InterruptedException, ExecutionException {
    client.delete(key).get();
  }

  @Override
  public void close() {
    client.shutdown(5, TimeUnit.SECONDS);
  }

  /**
   * Reads one key twice through the cache against a running sidecar: {@code [host [port]]},
   * default {@code 127.0.0.1 11211}; the first read takes the slow function's second.
   *
   * @param args host and port
   * @throws Exception if the cache fails
   */
  public static void main(String[] args) throws Exception {
    String host = args.length > 0 ? args[0] : "127.0.0.1";
    int port = args.length > 1 ? Integer.parseInt(args[1]) : 11211;
    Function<String, String> slow = key -> {
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "report for " + key;
    };
    try (ReadThroughCache cache = new ReadThroughCache(new InetSocketAddress(host, port), slow,
        Duration.ofMinutes(5), Duration.ofSeconds(10))) {
      cache.invalidate("report:2026");
      for (int i = 0; i < 2; i++) {
        long start = System.nanoTime();
        String value = cache.get("report:2026");
        System.out.printf("%s in %d ms%n", value,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
      }
    }
  }
}
