package io.sidecache.memcached;

/**
 * One decoded memcached binary request (a header with its extras, key and value), or a protocol
 * error to be answered in its place, in order.
 *
 * <p>The extras are unpacked by the decoder according to the opcode's shape: {@link #flags()} and
 * {@link #expiration()} for storage commands, {@link #delta()}, {@link #initial()} and {@link
 * #expiration()} for increment/decrement, {@link #expiration()} for touch and the flush delay.
 * Numbers keep their wire meaning: the expiration holds the 32 bits of an unsigned value in
 * exptime form (seconds; up to 30 days relative, beyond that a Unix time).
 *
 * <p>Not reference-counted: key and value are copied out of the network buffer. Immutable once
 * built; the arrays it returns are shared and must not be modified.
 */
public final class BinaryRequest {
  static final byte[] NO_KEY = new byte[0];

  /** The protocol errors the decoder reports, each with the status memcached 1.6 answers. */
  enum Error {
    /** The first byte is not 0x80: memcached closes the connection without an answer. */
    BAD_MAGIC(null, true, true),
    /** Extras and key longer than the body: "Unknown command", then close. */
    BODY_TOO_SHORT(BinaryStatus.UNKNOWN_COMMAND, true, true),
    /** A key longer than 250 bytes: "Invalid arguments", then close. */
    KEY_TOO_LONG(BinaryStatus.INVALID_ARGUMENTS, true, false),
    /** Extras, key or value lengths the opcode does not accept: "Invalid arguments", close. */
    BAD_SHAPE(BinaryStatus.INVALID_ARGUMENTS, true, false),
    /** An opcode Sidecache does not serve: "Unknown command"; the body is skipped. */
    UNKNOWN_OPCODE(BinaryStatus.UNKNOWN_COMMAND, false, false),
    /** A value larger than the maximum item size: "Too large."; the value is skipped. */
    TOO_LARGE(BinaryStatus.TOO_LARGE, false, false);

    private final BinaryStatus status;
    private final boolean closes;
    private final boolean beforeAuth;

    Error(BinaryStatus status, boolean closes, boolean beforeAuth) {
      this.status = status;
      this.closes = closes;
      this.beforeAuth = beforeAuth;
    }

    /** Returns the status to answer, or {@code null} to close without an answer. */
    BinaryStatus status() {
      return status;
    }

    /** Returns whether the connection closes after the answer. */
    boolean closes() {
      return closes;
    }

    /** Returns whether memcached reports this error before it checks authentication. */
    boolean beforeAuth() {
      return beforeAuth;
    }
  }

  private final int rawOpcode;
  private final BinaryOpcode opcode;
  private final Error error;
  private final int opaque;
  private final long cas;
  private final int flags;
  private final int expiration;
  private final long delta;
  private final long initial;
  private final boolean hasExtras;
  private final byte[] key;
  private final byte[] value;

  BinaryRequest(
      int rawOpcode,
      BinaryOpcode opcode,
      Error error,
      int opaque,
      long cas,
      int flags,
      int expiration,
      long delta,
      long initial,
      boolean hasExtras,
      byte[] key,
      byte[] value) {
    this.rawOpcode = rawOpcode;
    this.opcode = opcode;
    this.error = error;
    this.opaque = opaque;
    this.cas = cas;
    this.flags = flags;
    this.expiration = expiration;
    this.delta = delta;
    this.initial = initial;
    this.hasExtras = hasExtras;
    this.key = key;
    this.value = value;
  }

  /** An error answered in place of a request; {@code key} is kept for a refused Set. */
  static BinaryRequest error(int rawOpcode, int opaque, Error error, byte[] key) {
    return new BinaryRequest(
        rawOpcode, BinaryOpcode.find(rawOpcode), error, opaque, 0, 0, 0, 0, 0, false, key, null);
  }

  /** Returns the opcode byte as sent, 0 to 255 (echoed in the reply). */
  public int rawOpcode() {
    return rawOpcode;
  }

  /** Returns the opcode, or {@code null} when Sidecache does not serve it. */
  public BinaryOpcode opcode() {
    return opcode;
  }

  /** Returns the protocol error to answer instead of running the command, or {@code null}. */
  Error error() {
    return error;
  }

  /** Returns the opaque value, echoed in every reply. */
  public int opaque() {
    return opaque;
  }

  /** Returns the header's CAS: 0 for none, else the version the item must have. */
  public long cas() {
    return cas;
  }

  /** Returns the client flags of a storage command. */
  public int flags() {
    return flags;
  }

  /**
   * Returns the expiration of a storage, arithmetic, touch or flush command: the bits of an
   * unsigned 32-bit exptime in seconds.
   */
  public int expiration() {
    return expiration;
  }

  /** Returns the unsigned 64-bit delta of increment/decrement. */
  public long delta() {
    return delta;
  }

  /** Returns the unsigned 64-bit initial value of increment/decrement. */
  public long initial() {
    return initial;
  }

  /** Returns whether the request carried extras (Flush: whether a delay was sent). */
  public boolean hasExtras() {
    return hasExtras;
  }

  /** Returns the key, empty when none was sent. */
  public byte[] key() {
    return key;
  }

  /** Returns the value, or {@code null} for an opcode that carries none. */
  public byte[] value() {
    return value;
  }

  @Override
  public String toString() {
    return "BinaryRequest{opcode=0x" + Integer.toHexString(rawOpcode)
        + (opcode == null ? "" : " " + opcode)
        + (error == null ? "" : ", error=" + error)
        + ", keyLength=" + key.length
        + (value == null ? "" : ", valueLength=" + value.length)
        + ", opaque=" + opaque + ", cas=" + Long.toUnsignedString(cas) + '}';
  }
}
