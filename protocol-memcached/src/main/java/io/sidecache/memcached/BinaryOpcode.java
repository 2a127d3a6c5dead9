package io.sidecache.memcached;

/**
 * The opcodes of the memcached binary protocol that Sidecache serves, with the shape of request
 * each accepts (memcached {@code doc/protocol-binary.xml}; the shape checks are those of memcached
 * 1.6 {@code proto_bin.c}, {@code dispatch_bin_command}).
 *
 * <p>A quiet opcode ({@code GetQ}, {@code SetQ}, ...) names its loud counterpart in {@link
 * #base()}: it runs the same command and differs only in which replies it suppresses. {@link
 * #find} looks an opcode byte up in a 256-entry table built when the class loads; two constants
 * with the same code make the class fail to load. Immutable and thread-safe.
 */
public enum BinaryOpcode {
  /** Get: the item's flags (extras) and value. */
  GET(0x00, null, Shape.KEY_ONLY),
  /** Set: store unconditionally (CAS when the header's CAS is not 0). */
  SET(0x01, null, Shape.STORAGE),
  /** Add: store only when the key holds no item. */
  ADD(0x02, null, Shape.STORAGE),
  /** Replace: store only when the key holds an item. */
  REPLACE(0x03, null, Shape.STORAGE),
  /** Delete (CAS-checked when the header's CAS is not 0). */
  DELETE(0x04, null, Shape.KEY_ONLY),
  /** Increment: delta, initial value and expiration in 20 bytes of extras. */
  INCREMENT(0x05, null, Shape.ARITHMETIC),
  /** Decrement: as increment, stopping at 0. */
  DECREMENT(0x06, null, Shape.ARITHMETIC),
  /** Quit: answer, then close. */
  QUIT(0x07, null, Shape.EMPTY),
  /** Flush: optional 4-byte delay in exptime form. */
  FLUSH(0x08, null, Shape.FLUSH),
  /** GetQ: Get that answers only a hit. */
  GETQ(0x09, GET, Shape.KEY_ONLY),
  /** No-op: answers at once; clients send it after quiet commands to learn they are done. */
  NOOP(0x0a, null, Shape.EMPTY),
  /** Version. */
  VERSION(0x0b, null, Shape.EMPTY),
  /** GetK: Get whose reply carries the key. */
  GETK(0x0c, null, Shape.KEY_ONLY),
  /** GetKQ: GetK that answers only a hit. */
  GETKQ(0x0d, GETK, Shape.KEY_ONLY),
  /** Append: add the value after the item's. */
  APPEND(0x0e, null, Shape.CONCAT),
  /** Prepend: add the value before the item's. */
  PREPEND(0x0f, null, Shape.CONCAT),
  /** Stat: the key names a group; one reply per statistic, then an empty one. */
  STAT(0x10, null, Shape.STAT),
  /** SetQ. */
  SETQ(0x11, SET, Shape.STORAGE),
  /** AddQ. */
  ADDQ(0x12, ADD, Shape.STORAGE),
  /** ReplaceQ. */
  REPLACEQ(0x13, REPLACE, Shape.STORAGE),
  /** DeleteQ. */
  DELETEQ(0x14, DELETE, Shape.KEY_ONLY),
  /** IncrementQ. */
  INCREMENTQ(0x15, INCREMENT, Shape.ARITHMETIC),
  /** DecrementQ. */
  DECREMENTQ(0x16, DECREMENT, Shape.ARITHMETIC),
  /** QuitQ: close without an answer. */
  QUITQ(0x17, QUIT, Shape.EMPTY),
  /** FlushQ. */
  FLUSHQ(0x18, FLUSH, Shape.FLUSH),
  /** AppendQ. */
  APPENDQ(0x19, APPEND, Shape.CONCAT),
  /** PrependQ. */
  PREPENDQ(0x1a, PREPEND, Shape.CONCAT),
  /** Touch: set the expiration (4-byte extras); the reply carries the flags, not the value. */
  TOUCH(0x1c, null, Shape.TOUCH),
  /** Get and touch. */
  GAT(0x1d, null, Shape.TOUCH),
  /** GATQ: get and touch, answering only a hit. */
  GATQ(0x1e, GAT, Shape.TOUCH),
  /** SASL list mechanisms. */
  SASL_LIST_MECHS(0x20, null, Shape.EMPTY),
  /** SASL auth: the key is the mechanism, the value the client's first response. */
  SASL_AUTH(0x21, null, Shape.SASL),
  /** SASL step: the next round of a multi-step mechanism. */
  SASL_STEP(0x22, null, Shape.SASL),
  /** GATK: get and touch, the reply carrying the key. */
  GATK(0x23, null, Shape.TOUCH),
  /** GATKQ: GATK answering only a hit. */
  GATKQ(0x24, GATK, Shape.TOUCH);

  /** The request layouts memcached 1.6 accepts, as extras length, key length and value length. */
  enum Shape {
    /** No extras, key or value (NoOp, Version, Quit, List Mechs). */
    EMPTY,
    /** A key and nothing else (Get*, Delete). */
    KEY_ONLY,
    /** 8 bytes of extras (flags, expiration), a key and a value of any length (Set, Add, ...). */
    STORAGE,
    /** A key and a value of any length, no extras (Append, Prepend). */
    CONCAT,
    /** 20 bytes of extras (delta, initial, expiration) and a key (Increment, Decrement). */
    ARITHMETIC,
    /** No key or value; extras empty or a 4-byte delay (Flush). */
    FLUSH,
    /** 4 bytes of extras (expiration) and a key (Touch, GAT*). */
    TOUCH,
    /** An optional key naming a group, no extras or value (Stat). */
    STAT,
    /** A key (the mechanism) and a value of any length, no extras (SASL Auth/Step). */
    SASL;

    /**
     * Tells whether a request has this shape.
     *
     * @param extras the extras length in bytes
     * @param key the key length in bytes
     * @param value the value length in bytes (body minus extras and key)
     * @return whether memcached 1.6 would run the command rather than answer "Invalid arguments"
     */
    boolean accepts(int extras, int key, long value) {
      switch (this) {
        case EMPTY:
          return extras == 0 && key == 0 && value == 0;
        case KEY_ONLY:
          return extras == 0 && key > 0 && value == 0;
        case STORAGE:
          return extras == 8 && key > 0;
        case CONCAT:
        case SASL:
          return extras == 0 && key > 0;
        case ARITHMETIC:
          return extras == 20 && key > 0 && value == 0;
        case FLUSH:
          return (extras == 0 || extras == 4) && key == 0 && value == 0;
        case TOUCH:
          return extras == 4 && key > 0 && value == 0;
        case STAT:
          return extras == 0 && value == 0;
        default:
          throw new IllegalStateException("shape: " + this);
      }
    }

    /** Returns whether requests of this shape carry a value to read. */
    boolean carriesValue() {
      return this == STORAGE || this == CONCAT || this == SASL;
    }
  }

  private static final BinaryOpcode[] BY_CODE = new BinaryOpcode[256];

  static {
    for (BinaryOpcode op : values()) {
      BinaryOpcode previous = BY_CODE[op.code];
      if (previous != null) {
        throw new IllegalStateException(
            "opcode 0x" + Integer.toHexString(op.code) + " of " + op + " is taken by " + previous);
      }
      BY_CODE[op.code] = op;
    }
  }

  private final int code;
  private final BinaryOpcode loud;
  private final Shape shape;
  private final String label;

  BinaryOpcode(int code, BinaryOpcode loud, Shape shape) {
    this.code = code;
    this.loud = loud;
    this.shape = shape;
    this.label = name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Returns the opcode's name in lower case, e.g. {@code getkq}, the tag of its timer. */
  String label() {
    return label;
  }

  /**
   * Finds an opcode.
   *
   * @param code the opcode byte of a request header, 0 to 255
   * @return the opcode, or {@code null} when Sidecache does not serve it
   */
  static BinaryOpcode find(int code) {
    return BY_CODE[code & 0xFF];
  }

  /** Returns the opcode byte. */
  public int code() {
    return code;
  }

  /** Returns the command this opcode runs: itself, or the loud opcode of a quiet one. */
  public BinaryOpcode base() {
    return loud == null ? this : loud;
  }

  /** Returns whether this is a quiet opcode (replies suppressed as memcached suppresses them). */
  public boolean isQuiet() {
    return loud != null;
  }

  /** Returns the request layout this opcode accepts. */
  Shape shape() {
    return shape;
  }
}
