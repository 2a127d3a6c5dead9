package io.sidecache.memcached;

import java.nio.charset.StandardCharsets;

/**
 * The response statuses of the memcached binary protocol that Sidecache sends, each with the
 * message memcached 1.6 puts in the body of an error reply ({@code proto_bin.c}, {@code
 * write_bin_error}). Immutable and thread-safe.
 */
public enum BinaryStatus {
  /** No error. */
  SUCCESS(0x0000, ""),
  /** Key not found. */
  KEY_NOT_FOUND(0x0001, "Not found"),
  /** Key exists (add), or CAS mismatch. */
  KEY_EXISTS(0x0002, "Data exists for key."),
  /** Value too large. */
  TOO_LARGE(0x0003, "Too large."),
  /** Invalid arguments: a request of the wrong shape. */
  INVALID_ARGUMENTS(0x0004, "Invalid arguments"),
  /** Item not stored (append/prepend to a missing key, a full cache). */
  NOT_STORED(0x0005, "Not stored."),
  /** Incr/decr on a value that is not an unsigned 64-bit decimal. */
  NON_NUMERIC(0x0006, "Non-numeric server-side value for incr or decr"),
  /** Authentication required or failed. */
  AUTH_ERROR(0x0020, "Auth failure."),
  /** Unknown command. */
  UNKNOWN_COMMAND(0x0081, "Unknown command"),
  /** Out of memory, or an internal failure of the store. */
  OUT_OF_MEMORY(0x0082, "Out of memory");

  private final int code;
  private final byte[] message;

  BinaryStatus(int code, String message) {
    this.code = code;
    this.message = message.getBytes(StandardCharsets.US_ASCII);
  }

  /** Returns the 16-bit status code. */
  public int code() {
    return code;
  }

  /** Returns the body memcached writes with this status; shared, must not be modified. */
  byte[] message() {
    return message;
  }
}
