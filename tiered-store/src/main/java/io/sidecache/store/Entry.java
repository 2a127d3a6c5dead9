package io.sidecache.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One stored value with its metadata: the value bytes, 32-bit client flags (memcached), a
 * CAS version unique per write, an absolute expiry time, and an access state.
 *
 * <p>The access state is the per-item state memcached's meta protocol reports (protocol.txt,
 * "Meta Get"): whether the item was fetched since it was written ({@code h}), when it was last
 * accessed ({@code l}), whether it was marked stale ({@code X}), and whether a recache win token
 * was handed out for it ({@code W}/{@code Z}). It is one {@code int} packed as
 * {@code [stale:1][token:1][fetched:1][chunked:1][last access in seconds modulo 2^28:28]}, which
 * fits in the padding of the object (header 12 + value reference 4 + flags 4 + CAS 8 + expiry 8 +
 * access 4 = 40 bytes, the same as without it). The last-access seconds wrap after 2^28 s (8.5
 * years), so an elapsed time is right as long as it is shorter than that.
 *
 * <p>The {@code chunked} bit never changes for the life of an entry: it says that the value bytes
 * are not the value but a {@code Manifest} (package {@code io.sidecache.store.chunk}) naming the
 * chunks the value is stored in (DESIGN.md "Tiers and chunks"). Such an entry's {@link #length()}
 * is the value's, and its {@link #value()} must not be served: read it with {@link
 * CacheStore#read}. A store keeps the bit in every entry it derives from this one.
 *
 * <p>Thread-safe. Everything but the access state is immutable; the access state changes only
 * through {@link #recordAccess} and {@link #claimWinToken}, both atomic (compare-and-set), and is
 * meant to be changed by a store only. The value array is shared and must not be modified.
 */
public final class Entry {
  /** The {@link #expiresAt()} of an entry that never expires. */
  public static final long NO_EXPIRY = 0L;

  private static final int STALE = 1 << 31;
  private static final int TOKEN_SENT = 1 << 30;
  private static final int FETCHED = 1 << 29;
  private static final int CHUNKED = 1 << 28;
  private static final int SECONDS_MASK = CHUNKED - 1;
  private static final VarHandle ACCESS;

  static {
    try {
      ACCESS = MethodHandles.lookup().findVarHandle(Entry.class, "access", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final byte[] value;
  private final int flags;
  private final long cas;
  private final long expiresAt;
  /** The access state; read and written through {@link #ACCESS} only. */
  @SuppressWarnings("unused")
  private int access;

  /**
   * Creates an entry that is not fetched, not stale and has no win token; its last-access time is
   * unset (second 0 of the wrapping clock). Stores use {@link #Entry(byte[], int, long, long, int)}.
   *
   * @param value the value bytes, must not be {@code null}; not copied
   * @param flags the client flags, an opaque 32-bit value
   * @param cas the CAS version, positive and unique per write within a store
   * @param expiresAt absolute expiry in milliseconds since the epoch, or {@link #NO_EXPIRY}
   */
  public Entry(byte[] value, int flags, long cas, long expiresAt) {
    this(value, flags, cas, expiresAt, 0);
  }

  /**
   * Creates an entry with a given access state, as a store does when it writes one.
   *
   * @param value the value bytes, must not be {@code null}; not copied
   * @param flags the client flags, an opaque 32-bit value
   * @param cas the CAS version, positive and unique per write within a store
   * @param expiresAt absolute expiry in milliseconds since the epoch, or {@link #NO_EXPIRY}
   * @param accessState the access state: {@link #writtenAt} for a new write, or the {@link
   *     #accessState()} of the entry it replaces, possibly changed by {@link #staleState}
   */
  public Entry(byte[] value, int flags, long cas, long expiresAt, int accessState) {
    if (value == null) {
      throw new NullPointerException("value");
    }
    this.value = value;
    this.flags = flags;
    this.cas = cas;
    this.expiresAt = expiresAt;
    ACCESS.set(this, accessState);
  }

  /**
   * Returns the access state of an entry written at {@code nowMillis}: not fetched, not stale, no
   * token sent, last accessed now.
   *
   * @param nowMillis the time of the write in milliseconds since the epoch
   * @return the access state to give {@link #Entry(byte[], int, long, long, int)}
   */
  public static int writtenAt(long nowMillis) {
    return seconds(nowMillis);
  }

  /**
   * Returns an access state marked stale with no win token sent, so that the next reader wins
   * (memcached {@code md <key> I}); the fetched bit and last-access time are kept.
   *
   * @param accessState an access state
   * @return the stale state
   */
  public static int staleState(int accessState) {
    return (accessState | STALE) & ~TOKEN_SENT;
  }

  /**
   * Returns an access state for a stale write that replaces an entry (memcached {@code ms <key> I}
   * with an older CAS): stale, keeping the replaced entry's win token, written at {@code
   * nowMillis}.
   *
   * @param replaced the access state of the entry being replaced
   * @param nowMillis the time of the write in milliseconds since the epoch
   * @return the access state of the new entry
   */
  public static int staleWriteState(int replaced, long nowMillis) {
    return STALE | (replaced & TOKEN_SENT) | seconds(nowMillis);
  }

  /**
   * Returns an access state with the chunked bit set: the entry's value bytes are an encoded
   * manifest (see the class documentation).
   *
   * @param accessState an access state
   * @return the same state, chunked
   */
  public static int chunkedState(int accessState) {
    return accessState | CHUNKED;
  }

  /**
   * Returns whether the value is stored in chunks: {@link #value()} holds an encoded manifest,
   * not the value, and the value is read with {@link CacheStore#read}.
   */
  public boolean isChunked() {
    return isChunked(accessState());
  }

  /**
   * Returns whether an access state has the chunked bit.
   *
   * @param accessState an access state, e.g. one read back from a disk record
   * @return {@code true} when the entry's value bytes are a manifest
   */
  public static boolean isChunked(int accessState) {
    return (accessState & CHUNKED) != 0;
  }

  private static int seconds(long millis) {
    return (int) (Math.floorDiv(millis, 1000L) & SECONDS_MASK);
  }

  /** Returns the packed access state, for a store that copies it into a replacing entry. */
  public int accessState() {
    return (int) ACCESS.getVolatile(this);
  }

  /** Returns whether the entry is marked stale (memcached meta {@code X}). */
  public boolean isStale() {
    return (accessState() & STALE) != 0;
  }

  /** Returns whether a recache win token was handed out for this entry (memcached meta {@code Z}). */
  public boolean winTokenSent() {
    return (accessState() & TOKEN_SENT) != 0;
  }

  /** Returns whether the entry was read since it was written (memcached meta {@code h}). */
  public boolean fetched() {
    return isFetched(accessState());
  }

  /**
   * Returns whether an access state has the fetched bit.
   *
   * @param accessState an access state, e.g. the one {@link #recordAccess} returned
   * @return {@code true} when it was fetched
   */
  public static boolean isFetched(int accessState) {
    return (accessState & FETCHED) != 0;
  }

  /**
   * Returns the whole seconds between the last access of an access state and {@code nowMillis}
   * (memcached meta {@code l}).
   *
   * @param accessState an access state
   * @param nowMillis the current time in milliseconds since the epoch
   * @return the elapsed seconds, 0 to 2^28 - 1
   */
  public static long secondsSinceAccess(int accessState, long nowMillis) {
    return (seconds(nowMillis) - (accessState & SECONDS_MASK)) & SECONDS_MASK;
  }

  /**
   * Records a read: sets the fetched bit and the last-access time, keeping the stale and token
   * bits. Writes at most once per second per entry (a repeated read in the same second changes
   * nothing), so hot keys do not contend on the word. Lock-free.
   *
   * @param nowMillis the time of the read in milliseconds since the epoch
   * @return the access state before this read
   */
  public int recordAccess(long nowMillis) {
    int now = seconds(nowMillis);
    for (; ; ) {
      int before = accessState();
      int after = (before & (STALE | TOKEN_SENT | CHUNKED)) | FETCHED | now;
      if (before == after || ACCESS.compareAndSet(this, before, after)) {
        return before;
      }
    }
  }

  /**
   * Claims the recache win token: exactly one caller gets {@code true} until the entry is replaced
   * or marked stale again. Lock-free.
   *
   * @return {@code true} when this call set the token bit, {@code false} when it was already set
   */
  public boolean claimWinToken() {
    for (; ; ) {
      int before = accessState();
      if ((before & TOKEN_SENT) != 0) {
        return false;
      }
      if (ACCESS.compareAndSet(this, before, before | TOKEN_SENT)) {
        return true;
      }
    }
  }

  /**
   * Returns the value bytes, or the encoded manifest of a {@link #isChunked() chunked} value;
   * shared, must not be modified.
   */
  public byte[] value() {
    return value;
  }

  /**
   * Returns the value length in bytes; for a chunked value, the length of the value its chunks
   * make up (the manifest's first 8 bytes, big-endian), not of {@link #value()}.
   */
  public long length() {
    if (!isChunked()) {
      return value.length;
    }
    long n = 0;
    for (int i = 0; i < 8; i++) {
      n = (n << 8) | (value[i] & 0xFF);
    }
    return n;
  }

  /** Returns the bytes this entry holds in heap: {@link #value()}'s length, never the chunks'. */
  public int heldBytes() {
    return value.length;
  }

  /** Returns the client flags (memcached), 0 when written by RESP or HTTP. */
  public int flags() {
    return flags;
  }

  /** Returns the CAS version of the write that produced this entry. */
  public long cas() {
    return cas;
  }

  /** Returns the absolute expiry in milliseconds since the epoch, or {@link #NO_EXPIRY}. */
  public long expiresAt() {
    return expiresAt;
  }

  /**
   * Returns this entry with another expiry; value, flags, CAS version and access state are kept.
   *
   * @param expiresAt the new absolute expiry in milliseconds since the epoch, or {@link #NO_EXPIRY}
   * @return a new entry
   */
  public Entry withExpiry(long expiresAt) {
    return new Entry(value, flags, cas, expiresAt, accessState());
  }

  /** Returns whether this entry has an expiry time. */
  public boolean hasExpiry() {
    return expiresAt != NO_EXPIRY;
  }

  /**
   * Returns whether the entry is expired at {@code now}.
   *
   * @param now the current time in milliseconds since the epoch
   * @return {@code true} when the entry has an expiry at or before {@code now}
   */
  public boolean isExpiredAt(long now) {
    return expiresAt != NO_EXPIRY && expiresAt <= now;
  }

  @Override
  public String toString() {
    return "Entry{length=" + length() + (isChunked() ? " chunked" : "") + ", flags=" + flags + ", cas=" + cas
        + ", expiresAt=" + expiresAt + '}';
  }
}
