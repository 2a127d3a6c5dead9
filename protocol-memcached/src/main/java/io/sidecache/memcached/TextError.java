package io.sidecache.memcached;

import java.nio.charset.StandardCharsets;

/**
 * The protocol errors the text decoder reports, each with the exact reply line memcached 1.6.18
 * writes for it ({@code proto_text.c}), pre-encoded with its {@code \r\n}.
 *
 * <p>Like every other reply, an error reply is suppressed when the request carried {@code
 * noreply} ({@link TextRequest#noreply()}), because memcached's {@code out_string} drops it too;
 * only errors found before the {@code noreply} word was looked at (an unknown command, a wrong
 * word count) always reach the client. Immutable and thread-safe.
 */
public enum TextError {
  /** An unknown command, an empty line or a wrong number of words. */
  UNKNOWN_COMMAND("ERROR"),
  /** A key longer than 250 bytes or a malformed number on the command line. */
  BAD_COMMAND_LINE_FORMAT("CLIENT_ERROR bad command line format"),
  /** {@code delete} with words other than {@code 0} and {@code noreply} after the key. */
  BAD_DELETE_FORMAT("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]"),
  /** {@code incr}/{@code decr} with a delta that is not an unsigned 64-bit decimal. */
  INVALID_DELTA("CLIENT_ERROR invalid numeric delta argument"),
  /** {@code touch} or {@code flush_all} with an exptime that is not a signed 32-bit decimal. */
  INVALID_EXPTIME("CLIENT_ERROR invalid exptime argument"),
  /**
   * A storage command whose data block is longer than the maximum item size; the block is
   * swallowed, and a {@code set} removes the key's current item (memcached does, so that a
   * failed {@code set} never leaves a stale value behind).
   */
  OBJECT_TOO_LARGE("SERVER_ERROR object too large for cache"),
  /** A data block not followed by {@code \r\n}; the block and the two bytes after it are read. */
  BAD_DATA_CHUNK("CLIENT_ERROR bad data chunk"),
  /**
   * A command line longer than the limit ({@link MemcachedTextDecoder#MAX_LINE_LENGTH}, or {@link
   * MemcachedTextDecoder#MAX_GET_LINE_LENGTH} for {@code get}/{@code gets}); memcached closes the
   * connection without a reply, and so does Sidecache, after the replies to earlier requests.
   */
  LINE_TOO_LONG(null);

  private final byte[] reply;

  TextError(String line) {
    this.reply = line == null ? null : (line + "\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Returns the reply line with its {@code \r\n}, or {@code null} when the error closes the
   * connection without a reply; shared, must not be modified.
   */
  byte[] reply() {
    return reply;
  }
}
