package io.sidecache.store;

/**
 * How {@link CacheStore#set} writes: the condition, the client flags, the expiry and whether the
 * previous entry is returned.
 *
 * <p>Covers Redis 7 {@code SET} (NX, XX, EX/PX/EXAT/PXAT, KEEPTTL, GET) and memcached
 * {@code set}/{@code add}/{@code replace}/{@code cas} (protocol.txt, "Storage commands").
 * Instances are immutable and thread-safe; build them with {@link #builder()}.
 */
public final class SetOptions {

  /** The condition under which a write happens. */
  public enum Condition {
    /** Write unconditionally (Redis {@code SET}, memcached {@code set}). */
    ALWAYS,
    /** Write only if no live entry exists (Redis {@code NX}, memcached {@code add}). */
    IF_ABSENT,
    /** Write only if a live entry exists (Redis {@code XX}, memcached {@code replace}). */
    IF_PRESENT,
    /** Write only if the live entry's CAS version equals the expected one (memcached {@code cas}). */
    IF_CAS
  }

  /** Unconditional write, flags 0, no expiry: a plain Redis {@code SET} or HTTP {@code PUT}. */
  public static final SetOptions DEFAULT = builder().build();

  private final Condition condition;
  private final long expectedCas;
  private final int flags;
  private final long expiresAt;
  private final boolean keepTtl;
  private final boolean returnPrevious;
  private final boolean staleIfCasOlder;
  private final boolean chunked;
  private final long version;

  private SetOptions(Builder b) {
    this.condition = b.condition;
    this.expectedCas = b.expectedCas;
    this.flags = b.flags;
    this.expiresAt = b.expiresAt;
    this.keepTtl = b.keepTtl;
    this.returnPrevious = b.returnPrevious;
    this.staleIfCasOlder = b.staleIfCasOlder;
    this.chunked = false;
    this.version = b.version;
  }

  private SetOptions(SetOptions o, boolean chunked) {
    this.condition = o.condition;
    this.expectedCas = o.expectedCas;
    this.flags = o.flags;
    this.expiresAt = o.expiresAt;
    this.keepTtl = o.keepTtl;
    this.returnPrevious = o.returnPrevious;
    this.staleIfCasOlder = o.staleIfCasOlder;
    this.chunked = chunked;
    this.version = o.version;
  }

  /** Returns a new builder for an unconditional write with flags 0 and no expiry. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the write condition. */
  public Condition condition() {
    return condition;
  }

  /** Returns the expected CAS version; meaningful only for {@link Condition#IF_CAS}. */
  public long expectedCas() {
    return expectedCas;
  }

  /** Returns the client flags to store. */
  public int flags() {
    return flags;
  }

  /**
   * Returns the absolute expiry in milliseconds since the epoch, or {@link Entry#NO_EXPIRY}. A
   * time at or before now stores nothing visible: the write succeeds and the key is gone.
   */
  public long expiresAt() {
    return expiresAt;
  }

  /** Returns whether the previous entry's expiry is kept (Redis {@code KEEPTTL}). */
  public boolean keepTtl() {
    return keepTtl;
  }

  /** Returns whether {@link SetResult#previous()} is filled in (Redis {@code SET ... GET}). */
  public boolean returnPrevious() {
    return returnPrevious;
  }

  /**
   * Returns whether a {@link Condition#IF_CAS} write whose expected CAS version is lower than the
   * entry's still stores, as a stale entry that keeps the old expiry and win token (memcached
   * {@code ms <key> ... C<cas> I}).
   */
  public boolean staleIfCasOlder() {
    return staleIfCasOlder;
  }

  /**
   * Returns the CAS version the entry written gets, or 0 for the store's next one ({@link
   * Builder#version}).
   */
  public long version() {
    return version;
  }

  /**
   * Returns whether the value written is an encoded manifest, so the entry is {@link
   * Entry#isChunked() chunked}; only the chunk layer writes such values (it commits a streamed
   * value this way), protocols never do.
   */
  public boolean chunked() {
    return chunked;
  }

  /**
   * Returns these options for the commit of a chunked value: the same condition, flags and expiry,
   * with {@link #chunked()} set.
   *
   * @return the options, {@code this} when already chunked
   */
  public SetOptions asChunked() {
    return chunked ? this : new SetOptions(this, true);
  }

  /**
   * Builds {@link SetOptions}. Each option may be set once; a second call or a conflicting
   * combination throws {@link IllegalStateException} at once. Not thread-safe.
   */
  public static final class Builder {
    private Condition condition = Condition.ALWAYS;
    private boolean conditionSet;
    private long expectedCas;
    private int flags;
    private boolean flagsSet;
    private long expiresAt = Entry.NO_EXPIRY;
    private boolean expirySet;
    private boolean keepTtl;
    private boolean returnPrevious;
    private boolean staleIfCasOlder;
    private long version;

    private Builder() {}

    /** Writes only when no live entry exists. */
    public Builder ifAbsent() {
      return condition(Condition.IF_ABSENT);
    }

    /** Writes only when a live entry exists. */
    public Builder ifPresent() {
      return condition(Condition.IF_PRESENT);
    }

    /**
     * Writes only when the live entry's CAS version is {@code cas}.
     *
     * @param cas the CAS version the client last read
     */
    public Builder ifCas(long cas) {
      condition(Condition.IF_CAS);
      this.expectedCas = cas;
      return this;
    }

    /**
     * Gives the entry written CAS version {@code cas} instead of the store's next one: a cluster
     * replica storing the state its owner sent, or a new owner taking a key over
     * (docs/cluster.md, "Replication"), so a client's CAS token stays good on every copy. The
     * store's own sequence moves past {@code cas}, so a later local write gets a greater version
     * (a Lamport clock). Never for a client's write.
     *
     * @param cas the version the owner gave the entry, positive
     * @throws IllegalArgumentException if {@code cas} is not positive
     */
    public Builder version(long cas) {
      if (cas <= 0) {
        throw new IllegalArgumentException("cas: " + cas + " (expected: > 0)");
      }
      this.version = cas;
      return this;
    }

    private Builder condition(Condition c) {
      if (conditionSet) {
        throw new IllegalStateException("condition was already set to " + condition);
      }
      conditionSet = true;
      condition = c;
      return this;
    }

    /**
     * Sets the client flags to store.
     *
     * @param flags an opaque 32-bit value
     */
    public Builder flags(int flags) {
      if (flagsSet) {
        throw new IllegalStateException("flags were already set to " + this.flags);
      }
      flagsSet = true;
      this.flags = flags;
      return this;
    }

    /**
     * Sets the absolute expiry.
     *
     * @param expiresAt milliseconds since the epoch, or {@link Entry#NO_EXPIRY}
     */
    public Builder expiresAt(long expiresAt) {
      if (expirySet || keepTtl) {
        throw new IllegalStateException("expiry was already set");
      }
      if (expiresAt < 0) {
        throw new IllegalArgumentException("expiresAt: " + expiresAt + " (expected: >= 0)");
      }
      expirySet = true;
      this.expiresAt = expiresAt;
      return this;
    }

    /** Keeps the expiry of the entry being replaced (Redis {@code KEEPTTL}). */
    public Builder keepTtl() {
      if (expirySet || keepTtl) {
        throw new IllegalStateException("expiry was already set");
      }
      keepTtl = true;
      return this;
    }

    /** Asks for the previous live entry in {@link SetResult#previous()}. */
    public Builder returnPrevious() {
      returnPrevious = true;
      return this;
    }

    /**
     * With {@link #ifCas}: when the expected CAS version is lower than the entry's (an older
     * write), store anyway but mark the entry stale, keeping the old entry's expiry and win token
     * (memcached meta set {@code I}, "invalidate"). The result is {@code STORED}.
     */
    public Builder staleIfCasOlder() {
      staleIfCasOlder = true;
      return this;
    }

    /**
     * Returns the options.
     *
     * @throws IllegalStateException if {@link #staleIfCasOlder} was set without {@link #ifCas}
     */
    public SetOptions build() {
      if (staleIfCasOlder && condition != Condition.IF_CAS) {
        throw new IllegalStateException("staleIfCasOlder requires ifCas, not " + condition);
      }
      return new SetOptions(this);
    }
  }
}
