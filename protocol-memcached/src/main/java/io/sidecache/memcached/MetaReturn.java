package io.sidecache.memcached;

import io.netty.buffer.ByteBuf;

/**
 * The return flags of one meta reply, written in the request's flag order as memcached's
 * proto_text.c writes them: the echoed {@code O} (opaque) and {@code k} (key, base64 with {@code
 * b}) always, and each of {@code s} (size), {@code t} (TTL), {@code c} (CAS), {@code f} (client
 * flags), {@code l} (seconds since last access) and {@code h} (fetched before) that the command
 * has a value for; a flag it has none for is left out, as memcached leaves it out. The one writer
 * of return flags for {@code mg}, {@code ms}, {@code md}, {@code ma} and {@code mn}.
 *
 * <p>One per connection, reused for each reply on its event loop ({@link #clear} starts a reply);
 * not thread-safe.
 */
final class MetaReturn {
  private static final String FLAGS = "stcflh";

  private int present;
  private final long[] values = new long[FLAGS.length()];

  /** Forgets the values of the previous reply. */
  MetaReturn clear() {
    present = 0;
    return this;
  }

  private MetaReturn value(char flag, long v) {
    int i = FLAGS.indexOf(flag);
    values[i] = v;
    present |= 1 << i;
    return this;
  }

  /** The value's length in bytes ({@code s}). */
  MetaReturn size(long bytes) {
    return value('s', bytes);
  }

  /** The remaining TTL in seconds, -1 without expiry ({@code t}). */
  MetaReturn ttl(long seconds) {
    return value('t', seconds);
  }

  /** The CAS value, unsigned ({@code c}). */
  MetaReturn cas(long cas) {
    return value('c', cas);
  }

  /** The client flags, unsigned 32 bits ({@code f}). */
  MetaReturn clientFlags(long flags) {
    return value('f', flags);
  }

  /** Seconds since the last access ({@code l}). */
  MetaReturn lastAccess(long seconds) {
    return value('l', seconds);
  }

  /** Whether the item was fetched before, 0 or 1 ({@code h}). */
  MetaReturn hit(boolean fetched) {
    return value('h', fetched ? 1 : 0);
  }

  /**
   * Writes the return flags the request asked for.
   *
   * @param out where to write
   * @param key the request's decoded key, for {@code k}
   * @param flags the request's flags
   */
  void write(ByteBuf out, byte[] key, MetaFlags flags) {
    for (int i = 0; i < flags.count(); i++) {
      byte flag = flags.flagAt(i);
      if (flag == 'O') {
        out.writeByte(' ').writeBytes(flags.opaque());
      } else if (flag == 'k') {
        TextReplies.writeMetaKey(out, key, flags.base64Key());
      } else {
        int index = FLAGS.indexOf(flag);
        if (index < 0 || (present & (1 << index)) == 0) {
          continue;
        }
        if (flag == 'c') {
          out.writeByte(' ').writeByte('c');
          TextReplies.writeUnsignedDecimal(out, values[index]);
        } else {
          TextReplies.writeMetaNumber(out, (char) flag, values[index]);
        }
      }
    }
  }
}
