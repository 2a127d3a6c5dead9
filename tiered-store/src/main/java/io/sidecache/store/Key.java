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
 * (the disk tier stores it in its records). A key of at most {@value #INLINE_MAX} bytes holds its
 * bytes in the key object itself, packed into three fields: 40 bytes of heap, against 24 for a
 * wrapper plus 16 + length (aligned to 8) for its array, and no second object to load when a map
 * compares it. A longer key wraps the array it was made from. Each of the two forms is {@link
 * Comparable} with itself (unsigned lexicographic order), so that {@link
 * java.util.concurrent.ConcurrentHashMap}'s tree bins stay logarithmic when many keys collide
 * (hash flooding); keys of the two forms never collide as equal, since a key's form follows from
 * its length.
 *
 * <p>Instances are immutable and thread-safe provided the caller does not modify the array
 * passed to {@link #of(byte[])} afterwards (a long key does not copy it).
 */
public abstract sealed class Key {
  /** The longest key, in bytes, that is held inline rather than in an array of its own. */
  public static final int INLINE_MAX = 20;

  private final int hash;

  private Key(int hash) {
    this.hash = hash;
  }

  /**
   * Returns the key with the given bytes: packed inline when at most {@value #INLINE_MAX} bytes
   * long (the array is then not kept), else wrapping the array without copying it.
   *
   * @param bytes the key bytes, must not be {@code null}; a long key takes ownership of them
   * @return the key
   */
  public static Key of(byte[] bytes) {
    if (bytes == null) {
      throw new NullPointerException("bytes");
    }
    return bytes.length <= INLINE_MAX ? new Inline(bytes) : new Wrapped(bytes);
  }

  /**
   * Returns the key for the UTF-8 encoding of {@code s}.
   *
   * @param s the key text, must not be {@code null}
   * @return the key
   */
  public static Key of(String s) {
    return of(s.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Returns the key bytes. For an inline key (at most {@value #INLINE_MAX} bytes) this is a new
   * array on every call; for a longer key it is the array the key wraps. Either way it must not
   * be modified.
   */
  public abstract byte[] bytes();

  /** Returns the key length in bytes. */
  public abstract int length();

  /** Returns whether {@code o} is a key with the same bytes. */
  @Override
  public abstract boolean equals(Object o);

  @Override
  public final int hashCode() {
    return hash;
  }

  /** Returns the key decoded as UTF-8, for logs and tests only. */
  @Override
  public final String toString() {
    return new String(bytes(), StandardCharsets.UTF_8);
  }

  /**
   * A key of at most {@value #INLINE_MAX} bytes, packed big-endian and zero-padded into {@code
   * w0} (bytes 0-7), {@code w1} (8-15) and {@code w2} (16-19), so that comparing the words in
   * order, unsigned, then the lengths, is lexicographic order. Header 12 + hash 4 + 8 + 8 + 4 +
   * length 1 = 37 bytes, 40 aligned.
   */
  private static final class Inline extends Key implements Comparable<Inline> {
    private static final VarHandle LONG =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final long w0;
    private final long w1;
    private final int w2;
    private final byte length;

    Inline(byte[] b) {
      super(Arrays.hashCode(b));
      w0 = word(b, 0);
      w1 = word(b, 8);
      w2 = (int) (word(b, 16) >>> 32);
      length = (byte) b.length;
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

    @Override
    public byte[] bytes() {
      byte[] b = new byte[length];
      for (int i = 0; i < b.length; i++) {
        long word = i < 8 ? w0 : i < 16 ? w1 : (long) w2 << 32;
        b[i] = (byte) (word >>> (56 - 8 * (i & 7)));
      }
      return b;
    }

    @Override
    public int length() {
      return length;
    }

    @Override
    public boolean equals(Object o) {
      return o == this
          || (o instanceof Inline k && k.hashCode() == hashCode() && k.w0 == w0 && k.w1 == w1
              && k.w2 == w2 && k.length == length);
    }

    @Override
    public int compareTo(Inline o) {
      int c = Long.compareUnsigned(w0, o.w0);
      if (c == 0) {
        c = Long.compareUnsigned(w1, o.w1);
      }
      if (c == 0) {
        c = Integer.compareUnsigned(w2, o.w2);
      }
      return c != 0 ? c : Integer.compare(length, o.length);
    }
  }

  /** A key longer than {@value #INLINE_MAX} bytes: the array it was made from. */
  private static final class Wrapped extends Key implements Comparable<Wrapped> {
    private final byte[] bytes;

    Wrapped(byte[] bytes) {
      super(Arrays.hashCode(bytes));
      this.bytes = bytes;
    }

    @Override
    public byte[] bytes() {
      return bytes;
    }

    @Override
    public int length() {
      return bytes.length;
    }

    @Override
    public boolean equals(Object o) {
      return o == this
          || (o instanceof Wrapped k && k.hashCode() == hashCode()
              && Arrays.equals(k.bytes, bytes));
    }

    @Override
    public int compareTo(Wrapped o) {
      return Arrays.compareUnsigned(bytes, o.bytes);
    }
  }
}
