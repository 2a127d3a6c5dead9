package io.sidecache.resp;

/**
 * Input limits of the RESP decoder; exceeding one is a protocol error that closes the connection.
 *
 * @param maxBulkLength the longest bulk string accepted, in bytes (Redis {@code
 *     proto-max-bulk-len}, default 512 MiB)
 * @param maxArrayLength the most elements in one request array (Redis 7 accepts up to
 *     {@code INT_MAX}; the default here is 1,048,576, Redis 6's limit)
 * @param maxInlineLength the longest inline command line and the longest {@code *}/{@code $}
 *     header line, in bytes (Redis {@code PROTO_INLINE_MAX_SIZE}, 64 KiB)
 */
public record RespLimits(long maxBulkLength, int maxArrayLength, int maxInlineLength) {

  /** Redis 7 defaults (array length: Redis 6's 1,048,576). */
  public static final RespLimits DEFAULT = new RespLimits(512L * 1024 * 1024, 1024 * 1024, 64 * 1024);

  /** Validates the limits. */
  public RespLimits {
    if (maxBulkLength < 1 || maxBulkLength > Integer.MAX_VALUE - 2) {
      throw new IllegalArgumentException(
          "maxBulkLength: " + maxBulkLength + " (expected: 1.." + (Integer.MAX_VALUE - 2) + ")");
    }
    if (maxArrayLength < 1) {
      throw new IllegalArgumentException("maxArrayLength: " + maxArrayLength + " (expected: >= 1)");
    }
    if (maxInlineLength < 16) {
      throw new IllegalArgumentException(
          "maxInlineLength: " + maxInlineLength + " (expected: >= 16)");
    }
  }
}
