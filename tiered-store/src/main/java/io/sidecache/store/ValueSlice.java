package io.sidecache.store;

import java.util.Arrays;

/**
 * The result of a ranged read: the bytes of the resolved range and where it lies in the value.
 *
 * @param bytes the bytes of the range, possibly empty; shared, must not be modified
 * @param offset the offset of the first returned byte in the value, in bytes
 * @param totalLength the length of the whole value, in bytes
 * @param flags the entry's client flags
 */
public record ValueSlice(byte[] bytes, long offset, long totalLength, int flags) {

  /** Returns whether the range was empty (nothing of the value lies in it). */
  public boolean isEmpty() {
    return bytes.length == 0;
  }

  private static final byte[] EMPTY = new byte[0];

  /**
   * Resolves a Redis 7 {@code GETRANGE} range on an entry's value: inclusive offsets, a negative
   * one counts from the end, both clamped, an inverted range is empty.
   *
   * @param e the entry, must not be {@code null}
   * @param start the first byte offset, inclusive
   * @param end the last byte offset, inclusive
   * @return the slice, with the value's total length and the entry's flags
   */
  public static ValueSlice of(Entry e, long start, long end) {
    long[] range = resolve(e.length(), start, end);
    if (range[1] == 0) {
      return new ValueSlice(EMPTY, range[0], e.length(), e.flags());
    }
    byte[] bytes =
        Arrays.copyOfRange(e.value(), (int) range[0], (int) (range[0] + range[1]));
    return new ValueSlice(bytes, range[0], e.length(), e.flags());
  }

  /**
   * Resolves a Redis 7 {@code GETRANGE} range on a value of {@code length} bytes: inclusive
   * offsets, a negative one counts from the end, both clamped, an inverted range is empty.
   *
   * @param length the value's length in bytes
   * @param start the first byte offset, inclusive
   * @param end the last byte offset, inclusive
   * @return {@code {offset, count}}: the first byte and the number of bytes, 0 for an empty range
   */
  public static long[] resolve(long length, long start, long end) {
    if ((start < 0 && end < 0 && start > end) || length == 0) {
      return new long[] {0, 0};
    }
    if (start < 0) {
      start = Math.max(0, length + start);
    }
    if (end < 0) {
      end = Math.max(0, length + end);
    }
    if (end >= length) {
      end = length - 1;
    }
    if (start > end) {
      return new long[] {Math.min(start, length), 0};
    }
    return new long[] {start, end - start + 1};
  }
}
