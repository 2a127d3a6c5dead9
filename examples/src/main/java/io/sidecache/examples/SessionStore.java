package io.sidecache.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.params.GetExParams;
import redis.clients.jedis.params.SetParams;

/**
 * Web sessions kept in Sidecache over RESP with Jedis, as an application keeps them in Redis:
 * one key per session, {@code session:<id>}, holding the session's attributes as a JSON object,
 * with an idle timeout that every read renews (a sliding expiry, as a servlet container's
 * {@code maxInactiveInterval}).
 *
 * <ul>
 *   <li>{@link #create} writes with {@code SET ... NX EX}, so two sessions never share an id;
 *   <li>{@link #load} reads with {@code GETEX ... EX}, which renews the timeout in the same command;
 *   <li>{@link #update} changes attributes with optimistic locking ({@code WATCH}, {@code MULTI},
 *       {@code SET ... XX EX}, {@code EXEC}, retried when another writer got there first), so
 *       concurrent requests of one session lose no change;
 *   <li>{@link #invalidate} is {@code DEL}.
 * </ul>
 *
 * <p>Nothing here knows it talks to Sidecache: the same class runs against redis-server. Thread-safe
 * (each call borrows a connection from the pool).
 */
public final class SessionStore implements AutoCloseable {
  private static final String PREFIX = "session:";
  private static final int MAX_ATTEMPTS = 64;
  private static final TypeReference<LinkedHashMap<String, String>> ATTRIBUTES =
      new TypeReference<>() {};

  private final JedisPool pool;
  private final long idleSeconds;
  private final ObjectMapper json = new ObjectMapper();
  private final SecureRandom random = new SecureRandom();

  /**
   * Connects a pool of RESP connections.
   *
   * @param host the Sidecache (or Redis) host
   * @param port its RESP port
   * @param idle how long an unread session lives, at least one second
   */
  public SessionStore(String host, int port, Duration idle) {
    this.pool = new JedisPool(host, port);
    this.idleSeconds = Math.max(1, idle.toSeconds());
  }

  /**
   * Starts a session.
   *
   * @param attributes its first attributes
   * @return its id: 128 random bits in hex
   */
  public String create(Map<String, String> attributes) {
    try (Jedis jedis = pool.getResource()) {
      // 128 random bits collide about never; a few attempts bound the loop all the same.
      for (int attempt = 0; attempt < 8; attempt++) {
        byte[] bits = new byte[16];
        random.nextBytes(bits);
        String id = HexFormat.of().formatHex(bits);
        if ("OK".equals(jedis.set(PREFIX + id, encode(attributes),
            SetParams.setParams().nx().ex(idleSeconds)))) {
          return id;
        }
      }
    }
    throw new IllegalStateException("no free session id in 8 attempts");
  }

  /**
   * Reads a session and renews its idle timeout.
   *
   * @param id the session id
   * @return its attributes, empty if it expired, was invalidated or never existed
   */
  public Optional<Map<String, String>> load(String id) {
    try (Jedis jedis = pool.getResource()) {
      String value = jedis.getEx(PREFIX + id, GetExParams.getExParams().ex(idleSeconds));
      return Optional.ofNullable(value).map(this::decode);
    }
  }

  /**
   * Changes a session's attributes atomically against concurrent changes to the same session,
   * and renews its idle timeout.
   *
   * @param id the session id
   * @param change from the current attributes to the new ones; may run more than once
   * @return false if there is no such session
   * @throws IllegalStateException if {@value #MAX_ATTEMPTS} attempts in a row lost to other writers
   * @throws redis.clients.jedis.exceptions.JedisDataException if the server refused the write
   */
  public boolean update(String id, UnaryOperator<Map<String, String>> change) {
    String key = PREFIX + id;
    try (Jedis jedis = pool.getResource()) {
      for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        jedis.watch(key);
        String value = jedis.get(key);
        if (value == null) {
          jedis.unwatch();
          return false;
        }
        String updated = encode(change.apply(decode(value)));
        Transaction tx = jedis.multi();
        tx.set(key, updated, SetParams.setParams().xx().ex(idleSeconds));
        List<Object> results = tx.exec();
        if (results != null) {
          // EXEC ran the SET; XX made it a no-op only if the session expired in between.
          if (results.get(0) instanceof RuntimeException error) {
            throw error; // e.g. a JedisDataException: the SET itself failed
          }
          return "OK".equals(results.get(0));
        }
      }
    }
    throw new IllegalStateException("session " + id + ": " + MAX_ATTEMPTS
        + " updates in a row lost to concurrent writers");
  }

  /**
   * Ends a session.
   *
   * @param id the session id
   * @return whether it existed
   */
  public boolean invalidate(String id) {
    try (Jedis jedis = pool.getResource()) {
      return jedis.del(PREFIX + id) == 1;
    }
  }

  /**
   * Returns the seconds a session has left before it expires unread, as Redis {@code TTL}: -2 if
   * there is no such session.
   *
   * @param id the session id
   */
  public long secondsLeft(String id) {
    try (Jedis jedis = pool.getResource()) {
      return jedis.ttl(PREFIX + id);
    }
  }

  private String encode(Map<String, String> attributes) {
    try {
      return json.writeValueAsString(attributes);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private Map<String, String> decode(String value) {
    try {
      return json.readValue(value, ATTRIBUTES);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("not a session: " + value, e);
    }
  }

  @Override
  public void close() {
    pool.close();
  }

  /**
   * Runs a session's life against a running sidecar: {@code [host [port]]}, default {@code
   * 127.0.0.1 6379}.
   *
   * @param args host and port
   */
  public static void main(String[] args) {
    String host = args.length > 0 ? args[0] : "127.0.0.1";
    int port = args.length > 1 ? Integer.parseInt(args[1]) : 6379;
    try (SessionStore sessions = new SessionStore(host, port, Duration.ofMinutes(30))) {
      String id = sessions.create(Map.of("user", "ada"));
      System.out.println("created " + id + ": " + sessions.load(id).orElseThrow());
      sessions.update(id, a -> {
        a.put("cart", "3 items");
        return a;
      });
      System.out.println("updated: " + sessions.load(id).orElseThrow()
          + ", expires in " + sessions.secondsLeft(id) + " s unless read");
      System.out.println("invalidated: " + sessions.invalidate(id) + ", now "
          + sessions.load(id));
    }
  }
}
