package io.sidecache.store;

import java.util.List;
import java.util.Objects;

/**
 * The sub-operations of one Redis 7 {@code BITFIELD} (bitops.c), run by {@link
 * CacheStore#bitField} atomically on one key, in order. Integers of 1 to 64 bits (signed) or 1
 * to 63 bits (unsigned) at any bit offset, most significant bit first, bit 0 being the top bit of
 * the value's first byte, as Redis numbers them; {@code SETBIT} and {@code GETBIT} are the
 * one-bit unsigned case. Reading past the value's end reads zeros; a {@code SET} or {@code
 * INCRBY} grows the value with zero bytes to cover its field, whatever the overflow outcome, as
 * Redis's {@code lookupStringForBitCommand} does. Immutable and thread-safe.
 *
 * @param ops the sub-operations, in order
 */
public record BitField(List<Op> ops) {

  /** What a sub-operation does. */
  public enum Kind {
    /** Returns the field. */
    GET,
    /** Stores a value; returns the field's previous value. */
    SET,
    /** Adds to the field; returns the new value. */
    INCRBY
  }

  /** What a {@code SET} or {@code INCRBY} does with a value the field cannot hold. */
  public enum Overflow {
    /** Keeps the low bits (two's complement for signed fields); the default. */
    WRAP,
    /** Stores the field's minimum or maximum. */
    SAT,
    /** Stores nothing; the sub-operation's result is {@code null}. */
    FAIL
  }

  /**
   * One sub-operation.
   *
   * @param kind what it does
   * @param signed whether the field is signed ({@code i<bits>}) or unsigned ({@code u<bits>})
   * @param bits the field's width: 1..64 signed, 1..63 unsigned
   * @param offset the bit offset of the field's most significant bit, at least 0
   * @param value the value of a {@code SET}, the increment of an {@code INCRBY}, else 0
   * @param overflow the overflow behaviour of a {@code SET} or {@code INCRBY}
   */
  public record Op(Kind kind, boolean signed, int bits, long offset, long value,
      Overflow overflow) {
    /**
     * Checks the field.
     *
     * @throws IllegalArgumentException for a width or offset out of range
     */
    public Op {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(overflow, "overflow");
      if (bits < 1 || bits > (signed ? 64 : 63)) {
        throw new IllegalArgumentException("bits: " + bits);
      }
      if (offset < 0 || offset > Long.MAX_VALUE - 64) {
        throw new IllegalArgumentException("offset: " + offset);
      }
    }

    /** Whether it may change the value. */
    public boolean writes() {
      return kind != Kind.GET;
    }

    /** The index of the last byte the field touches. */
    public long lastByte() {
      return (offset + bits - 1) >>> 3;
    }
  }

  /**
   * Checks the list.
   *
   * @throws NullPointerException if {@code ops} or one of them is {@code null}
   */
  public BitField {
    ops = List.copyOf(ops);
  }

  /**
   * The one-bit {@code SET} of Redis {@code SETBIT key offset value}.
   *
   * @param offset the bit offset
   * @param bit 0 or 1
   * @return a field whose one result is the previous bit
   */
  public static BitField setBit(long offset, int bit) {
    return new BitField(List.of(new Op(Kind.SET, false, 1, offset, bit, Overflow.WRAP)));
  }

  /** Whether some sub-operation may change the value. */
  public boolean writes() {
    return ops.stream().anyMatch(Op::writes);
  }

  /** The length in bytes the value has at least after the writes, 0 if none writes. */
  public long lengthAfterWrites() {
    long length = 0;
    for (Op op : ops) {
      if (op.writes()) {
        length = Math.max(length, op.lastByte() + 1);
      }
    }
    return length;
  }

  /** The index of the first byte a sub-operation touches ({@code Long.MAX_VALUE} if none). */
  public long firstByte() {
    long first = Long.MAX_VALUE;
    for (Op op : ops) {
      first = Math.min(first, op.offset() >>> 3);
    }
    return first;
  }

  /** The index of the last byte a sub-operation touches (-1 if none). */
  public long lastByte() {
    long last = -1;
    for (Op op : ops) {
      last = Math.max(last, op.lastByte());
    }
    return last;
  }

  /**
   * Runs the sub-operations on the bytes {@code [base, base + window.length)} of a value, where
   * {@code base} is at most {@link #firstByte()}: bytes past the window read as zeros, and the
   * window must hold every field a sub-operation writes ({@link #lengthAfterWrites()}).
   *
   * @param window the bytes, changed in place
   * @param base the index in the value of {@code window[0]}
   * @return one result per sub-operation: the field's value, or {@code null} for a write that
   *     failed on overflow
   */
  public Long[] apply(byte[] window, long base) {
    Long[] results = new Long[ops.size()];
    for (int i = 0; i < results.length; i++) {
      results[i] = apply(i, window, base);
    }
    return results;
  }

  /**
   * Runs sub-operation {@code i} alone on a window of the value, as {@link #apply(byte[], long)}
   * does for each in turn; the caller keeps the order where fields overlap.
   *
   * @param i the index of the sub-operation
   * @param window bytes of the value from {@code base}, changed in place by a write
   * @param base the index in the value of {@code window[0]}, at most the field's first byte
   * @return its result: the field's value, or {@code null} for a write failed on overflow
   */
  public Long apply(int i, byte[] window, long base) {
    Op op = ops.get(i);
    long bit = op.offset() - base * 8;
    long old = read(window, bit, op.bits(), op.signed());
    if (op.kind() == Kind.GET) {
      return old;
    }
    boolean set = op.kind() == Kind.SET;
    long[] limit = new long[1];
    boolean overflow = op.signed()
        ? signedOverflow(set ? op.value() : old, set ? 0 : op.value(), op.bits(),
            op.overflow(), limit)
        : unsignedOverflow(set ? op.value() : old, set ? 0 : op.value(), op.bits(),
            op.overflow(), limit);
    if (overflow && op.overflow() == Overflow.FAIL) {
      return null;
    }
    long next = overflow ? limit[0] : set ? op.value() : old + op.value();
    write(window, bit, op.bits(), next);
    return set ? old : next;
  }

  /** Redis's {@code getUnsignedBitfield}/{@code getSignedBitfield} at a bit of the window. */
  private static long read(byte[] window, long bit, int bits, boolean signed) {
    long v = 0;
    for (int j = 0; j < bits; j++) {
      long b = bit + j;
      long index = b >>> 3;
      int octet = index < window.length ? window[(int) index] : 0;
      v = (v << 1) | ((octet >> (7 - (int) (b & 7))) & 1);
    }
    if (signed && bits < 64 && (v & (1L << (bits - 1))) != 0) {
      v |= -1L << bits;
    }
    return v;
  }

  /** Redis's {@code setUnsignedBitfield}: the low {@code bits} of {@code value}. */
  private static void write(byte[] window, long bit, int bits, long value) {
    for (int j = 0; j < bits; j++) {
      long b = bit + j;
      int index = (int) (b >>> 3);
      int mask = 1 << (7 - (int) (b & 7));
      if (((value >>> (bits - 1 - j)) & 1) != 0) {
        window[index] |= (byte) mask;
      } else {
        window[index] &= (byte) ~mask;
      }
    }
  }

  /**
   * Redis's {@code checkSignedBitfieldOverflow}: whether {@code value + incr} leaves the field,
   * and then in {@code limit[0]} what WRAP or SAT stores.
   */
  static boolean signedOverflow(long value, long incr, int bits, Overflow owtype, long[] limit) {
    long max = bits == 64 ? Long.MAX_VALUE : (1L << (bits - 1)) - 1;
    long min = -max - 1;
    long maxIncr = max - value;
    long minIncr = min - value;
    boolean up = value > max || (bits != 64 && incr > maxIncr)
        || (value >= 0 && incr > 0 && incr > maxIncr);
    boolean down = !up && (value < min || (bits != 64 && incr < minIncr)
        || (value < 0 && incr < 0 && incr < minIncr));
    if (!up && !down) {
      return false;
    }
    if (owtype == Overflow.SAT) {
      limit[0] = up ? max : min;
    } else {
      long c = value + incr; // two's complement, as Redis's unsigned addition
      if (bits < 64) {
        long mask = -1L << bits;
        c = (c & (1L << (bits - 1))) != 0 ? c | mask : c & ~mask;
      }
      limit[0] = c;
    }
    return true;
  }

  /**
   * Redis's {@code checkUnsignedBitfieldOverflow} for fields of at most 63 bits: {@code value}
   * is read as unsigned, {@code incr} as signed.
   */
  static boolean unsignedOverflow(long value, long incr, int bits, Overflow owtype,
      long[] limit) {
    long max = (1L << bits) - 1;
    boolean up = Long.compareUnsigned(value, max) > 0 || (incr > 0 && incr > max - value);
    boolean down = !up && incr < 0 && incr < -value;
    if (!up && !down) {
      return false;
    }
    if (owtype == Overflow.SAT) {
      limit[0] = up ? max : 0;
    } else {
      limit[0] = (value + incr) & max;
    }
    return true;
  }
}
