package io.sidecache.http;

import io.sidecache.protocol.CommandGate;
import io.sidecache.protocol.CommandMetrics;
import io.sidecache.store.CacheStore;
import io.sidecache.store.Ticker;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * Everything the HTTP connections of one node share: the store, the clock, the body limit, the
 * gate, the operations report, the bearer token and the command meters. Immutable and
 * thread-safe; build it with {@link #builder(CacheStore)}.
 */
public final class HttpServerContext {
  private final CacheStore store;
  private final Ticker ticker;
  private final long maxBodyBytes;
  private final CommandGate gate;
  private final HttpOperations operations;
  private final byte[] tokenDigest;
  private final boolean protectOperations;
  private final CommandMetrics metrics;

  private HttpServerContext(Builder b) {
    this.store = b.store;
    this.ticker = b.ticker;
    this.maxBodyBytes = b.maxBodyBytes;
    this.gate = b.gate;
    this.operations = b.operations;
    this.tokenDigest = b.token == null ? null : sha256(b.token);
    this.protectOperations = b.protectOperations;
    this.metrics = b.metrics;
  }

  /**
   * Returns a builder over {@code store}: system clock, no body limit, no gate, no operations
   * report ({@code /metrics} and {@code /stats} are 404, {@code /ready} is 200), no token, meters
   * in a private registry.
   *
   * @param store the keyspace, must not be {@code null}
   * @return the builder
   * @throws NullPointerException if {@code store} is {@code null}
   */
  public static Builder builder(CacheStore store) {
    return new Builder(Objects.requireNonNull(store, "store"));
  }

  CacheStore store() {
    return store;
  }

  Ticker ticker() {
    return ticker;
  }

  long maxBodyBytes() {
    return maxBodyBytes;
  }

  CommandGate gate() {
    return gate;
  }

  HttpOperations operations() {
    return operations;
  }

  CommandMetrics metrics() {
    return metrics;
  }

  /** Returns whether {@code /cache} requests need the bearer token. */
  boolean tokenRequired() {
    return tokenDigest != null;
  }

  /** Returns whether {@code /health}, {@code /ready}, {@code /metrics} and {@code /stats} do. */
  boolean operationsProtected() {
    return tokenDigest != null && protectOperations;
  }

  /**
   * Checks a presented token in time independent of where it differs, and of its length: both
   * sides are compared as SHA-256 digests with {@link MessageDigest#isEqual}.
   *
   * @param presented the token from {@code Authorization: Bearer}, or {@code null}
   * @return whether it is the configured token
   */
  boolean tokenMatches(String presented) {
    return presented != null && MessageDigest.isEqual(tokenDigest, sha256(presented));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Builds an {@link HttpServerContext}. Not thread-safe. */
  public static final class Builder {
    private final CacheStore store;
    private Ticker ticker = Ticker.system();
    private long maxBodyBytes = Long.MAX_VALUE;
    private CommandGate gate;
    private HttpOperations operations;
    private String token;
    private boolean protectOperations;
    private CommandMetrics metrics = CommandMetrics.unregistered("http");

    private Builder(CacheStore store) {
      this.store = store;
    }

    /**
     * Sets the clock that remaining TTLs and {@code ?ttl=} expiries are computed against; the
     * store's own clock.
     *
     * @param ticker the clock, must not be {@code null}
     * @return this builder
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Sets the longest request body accepted ({@code --max-http-body}); a longer one is {@code
     * 413}.
     *
     * @param bytes the limit in bytes, at least 0
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is negative
     */
    public Builder maxBodyBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("maxBodyBytes: " + bytes + " (expected: >= 0)");
      }
      this.maxBodyBytes = bytes;
      return this;
    }

    /**
     * Sets the node's gate for exclusive sections (Redis {@code EXEC}); requests wait while it is
     * closed.
     *
     * @param gate the gate, or {@code null} for none
     * @return this builder
     */
    public Builder gate(CommandGate gate) {
      this.gate = gate;
      return this;
    }

    /**
     * Sets what {@code /ready}, {@code /metrics} and {@code /stats} report.
     *
     * @param operations the report, or {@code null} for none
     * @return this builder
     */
    public Builder operations(HttpOperations operations) {
      this.operations = operations;
      return this;
    }

    /**
     * Requires {@code Authorization: Bearer <token>} on every {@code /cache} request ({@code
     * --http-token}), and on the operations endpoints too when {@code protectOperations} ({@code
     * --http-token-protect-ops}).
     *
     * @param token the token, or {@code null} for none; must not be empty
     * @param protectOperations whether the operations endpoints need it as well
     * @return this builder
     * @throws IllegalArgumentException if {@code token} is empty
     */
    public Builder token(String token, boolean protectOperations) {
      if (token != null && token.isEmpty()) {
        throw new IllegalArgumentException("token: empty");
      }
      this.token = token;
      this.protectOperations = protectOperations;
      return this;
    }

    /**
     * Sets the meters HTTP requests are counted and timed in ({@code protocol=http}).
     *
     * @param metrics the meters, must not be {@code null}
     * @return this builder
     */
    public Builder metrics(CommandMetrics metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    /** Returns the context. */
    public HttpServerContext build() {
      return new HttpServerContext(this);
    }
  }
}
