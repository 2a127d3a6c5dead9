package io.sidecache.memcached;

import java.nio.charset.StandardCharsets;

/**
 * The protocol errors the text decoder reports, each with the exact reply line memcached 1.6.18
 * writes for it ({@code proto_text.c}), pre-encoded with its {@code \r\n}.
 *
 * <p>Like every other reply, an error reply is suppressed when the request carried {@code
 * noreply} ({@link TextRequest#noreply()}), because memcached's {@code out_string} drops it too;
 * only errors found before the {@code noreply} word was looked at (an unknown command, a wrong
 * word count) always reach the client. Errors of meta commands always reach the client too
 * (memcached's {@code out_errstring}: {@code q} suppresses only nominal replies). Immutable and
 * thread-safe.
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
  /** {@code touch}, {@code flush_all}, {@code gat} or {@code gats} with an exptime that is not a signed 32-bit decimal. */
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
   * A command line longer than the limit ({@link MemcachedTextDecoder#MAX_LINE_LENGTH}) that is
   * not a multi-get (which has no limit); memcached closes the connection without a reply, and so
   * does Sidecache, after the replies to earlier requests.
   */
  LINE_TOO_LONG(null),
  /**
   * An unknown command whose last word starts with {@code HTTP/} (an HTTP request line sent to
   * the memcached port, e.g. {@code GET / HTTP/1.1}): memcached closes the connection at once
   * without a reply ({@code process_command_ascii}), and so does Sidecache, after the replies to
   * earlier requests.
   */
  HTTP_REQUEST_LINE(null),
  /** A meta command flag given twice (memcached checks the first character of each token). */
  META_DUPLICATE_FLAG("CLIENT_ERROR duplicate flag"),
  /** A meta command flag memcached 1.6.18 does not know. */
  META_INVALID_FLAG("CLIENT_ERROR invalid flag"),
  /** A meta {@code T}, {@code N}, {@code R} or {@code C} token that is not a number. */
  META_BAD_TOKEN("CLIENT_ERROR bad token in command line format"),
  /** A meta {@code M} token that is not exactly one mode character. */
  META_M_LENGTH("CLIENT_ERROR incorrect length for M token"),
  /** A meta {@code J} token that is not an unsigned 64-bit decimal. */
  META_INVALID_INITIAL("CLIENT_ERROR invalid numeric initial value"),
  /** A meta {@code D} token that is not an unsigned 64-bit decimal. */
  META_INVALID_DELTA("CLIENT_ERROR invalid numeric delta value"),
  /** A {@code b} key that is not valid base64 ({@code mg}, {@code ms}). */
  META_KEY_DECODING("CLIENT_ERROR error decoding key"),
  /** Any flag error of {@code md} and {@code ma}, which memcached reports with one line. */
  META_INVALID_OR_DUPLICATE_FLAG("CLIENT_ERROR invalid or duplicate flag"),
  /** An {@code mg} line of 20 words or more. */
  META_MG_TOO_MANY_FLAGS("CLIENT_ERROR options flags are too long"),
  /** An {@code ms}, {@code md} or {@code ma} line of 20 words or more. */
  META_TOO_MANY_FLAGS("CLIENT_ERROR options flags too long"),
  /** An {@code O} token longer than 32 bytes, the {@code O} included. */
  META_OPAQUE_TOO_LONG("CLIENT_ERROR opaque token too long"),
  /** An {@code ms} mode other than {@code E A P R S}. */
  META_MS_MODE("CLIENT_ERROR invalid mode for ms M token"),
  /** An {@code ma} mode other than {@code I + D -}. */
  META_MA_MODE("CLIENT_ERROR invalid mode for ma M token");

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
