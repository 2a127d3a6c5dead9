package io.sidecache.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A binary-safe cache key: immutable bytes with a cached hash.
 *
 * <p>Keys compare by content; {@link #hashCode()} is {@link Arrays#hashCode(byte[])} of the bytes
 * (the disk tier stores it in its records). Keys are {@link Comparable} (unsigned lexicographic
 * order) so that hash maps which fall back to trees on collisions stay logarithmic under hash
 * flooding; that needs one final class for every key, as {@code HashMap} and {@code
 * ConcurrentHashMap} order a bin only by a class that is {@code Comparable} with itself.
 *
 * <p>The first {@value #INLINE_BYTES} bytes are held in the key object itself, packed into two
 * longs, and only the bytes after them in an array of their own: a key of at most {@value
 * #INLINE_BYTES} bytes is one object of 40 bytes (a wrapper and its array took 24 + 32), and
 * comparing it with a stored key loads that one object; a longer key takes as many bytes as a
 * wrapper and the whole array did (40 + 16 + the rest, aligned to 8), and two keys that differ in
 * their first {@value #INLINE_BYTES} bytes are told apart without loading the rest.
 *
 * <p>Instances are immutable and thread-safe. {@link #of(byte[])} copies what it keeps, so the
 * caller may reuse the array.
 */
public final class Key implements Comparable<Key> {
  /** How many leading bytes of a key are held in the key object rather than in an array. */
  public static final int INLINE_BYTES = 16;

  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final byte[] NO_REST = new byte[0];

  private final int hash;
  private final int length;
  /** Bytes 0-7, big-endian, zero past the end of a shorter key. */
  private final long w0;
  /** Bytes 8-15, big-endian, zero past the end of a shorter key. */
  private final long w1;
  /** Bytes 16 to the end; empty for a key of at most {@value #INLINE_BYTES} bytes. */
  private final byte[] rest;

  private Key(byte[] b) {
    hash = Arrays.hashCode(b);
    length = b.length;
    w0 = word(b, 0);
    w1 = word(b, Long.BYTES);
    rest = b.length > INLINE_BYTES ? Arrays.copyOfRange(b, INLINE_BYTES, b.length) : NO_REST;
  }

  /** Bytes {@code from} to {@code from + 7} of {@code b}, big-endian, zero past its end. */
  private static long word(byte[] b, int from) {
    if (b.length - from >= Long.BYTES) {
      return (long) LONG.get(b, from);
    }
    long w = 0;
    for (int i = from; i < from + Long.BYTES; i++) {
      w = (w << 8) | (i < b.length ? b[i] & 0xFF : 0);
    }
    return w;
  }

  /**
   * Returns the key with the given bytes.
   *
   * @param bytes the key bytes, must not be {@code null}; not kept (what the key needs is copied)
   * @return the key
   */
  public static Key of(byte[] bytes) {
    if (bytes == null) {
      throw new NullPointerException("bytes");
    }
    return new Key(bytes);
  }

  /**
   * Returns the key for the UTF-8 encoding of {@code s}.
   *
   * @param s the key text, must not be {@code null}
   * @return the key
   */
  public static Key of(String s) {
    return new Key(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Returns the key bytes in a new array on every call (the key keeps no array of them all). */
  public byte[] bytes() {
    byte[] b = new byte[length];
    for (int i = 0; i < Math.min(length, INLINE_BYTES); i++) {
      b[i] = (byte) ((i < Long.BYTES ? w0 : w1) >>> (56 - 8 * (i & 7)));
    }
    if (rest.length > 0) {
      System.arraycopy(rest, 0, b, INLINE_BYTES, rest.length);
    }
    return b;
  }

  /** Returns the key length in bytes. */
  public int length() {
    return length;
  }

  @Override
  public boolean equals(Object o) {
    return o == this
        || (o instanceof Key k && k.hash == hash && k.w0 == w0 && k.w1 == w1
            && k.length == length && Arrays.equals(k.rest, rest));
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /**
   * Unsigned lexicographic order of the bytes: the two words compare as the first {@value
   * #INLINE_BYTES} bytes zero-padded; when they are equal, a key of at most that length is a
   * prefix of the other key, so the rest, then the length, decide.
   */
  @Override
  public int compareTo(Key o) {
    int c = Long.compareUnsigned(w0, o.w0);
    if (c == 0) {
      c = Long.compareUnsigned(w1, o.w1);
    }
    if (c == 0) {
      c = Arrays.compareUnsigned(rest, o.rest);
    }
    return c != 0 ? c : Integer.compare(length, o.length);
  }

  /** Returns the key decoded as UTF-8, for logs and tests only. */
  @Override
  public String toString() {
    return new String(bytes(), StandardCharsets.UTF_8);
  }
}
