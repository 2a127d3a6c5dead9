package io.sidecache.memcached;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The commands of the memcached text protocol that Sidecache serves, with their names pre-encoded
 * as ASCII and the number of words each accepts.
 *
 * <p>A word is a space-separated token of the command line, the command name included. The word
 * counts are those memcached 1.6 checks before it runs a command ({@code WANT_TOKENS} in {@code
 * proto_text.c}); a line with another count is answered {@code ERROR}. Immutable and thread-safe.
 */
public enum TextVerb {
  /** {@code get <key>*} (protocol.txt, "Retrieval command"). */
  GET("get", 2, Integer.MAX_VALUE, false),
  /** {@code gets <key>*}: like {@code get}, with the CAS unique of each item. */
  GETS("gets", 2, Integer.MAX_VALUE, false),
  /**
   * {@code gat <exptime> <key>*}: get and touch (protocol.txt, "Get And Touch"); with no key the
   * reply is a bare {@code END}, as memcached's.
   */
  GAT("gat", 2, Integer.MAX_VALUE, false),
  /** {@code gats <exptime> <key>*}: like {@code gat}, with the CAS unique of each item. */
  GATS("gats", 2, Integer.MAX_VALUE, false),
  /** {@code mg <key> <flag>*}: meta get (protocol.txt, "Meta Get"). */
  MG("mg", 2, Integer.MAX_VALUE, false),
  /** {@code ms <key> <datalen> <flag>*}: meta set, followed by a data block ("Meta Set"). */
  MS("ms", 2, Integer.MAX_VALUE, true),
  /** {@code md <key> <flag>*}: meta delete ("Meta Delete"). */
  MD("md", 2, Integer.MAX_VALUE, false),
  /** {@code ma <key> <flag>*}: meta arithmetic ("Meta Arithmetic"). */
  MA("ma", 2, Integer.MAX_VALUE, false),
  /** {@code mn}: meta no-op, answered {@code MN} ("Meta No-Op"); extra words are ignored. */
  MN("mn", 1, Integer.MAX_VALUE, false),
  /**
   * {@code me <key> [b]}: meta debug ("Meta Debug"); without a key memcached answers {@code
   * CLIENT_ERROR bad command line format}, so one word is accepted here and checked later.
   */
  ME("me", 1, Integer.MAX_VALUE, false),
  /** {@code set <key> <flags> <exptime> <bytes> [noreply]} (protocol.txt, "Storage commands"). */
  SET("set", 5, 6, true),
  /** {@code add}: store only when the key holds no item. */
  ADD("add", 5, 6, true),
  /** {@code replace}: store only when the key holds an item. */
  REPLACE("replace", 5, 6, true),
  /** {@code append}: add the data after an existing item's data; flags and exptime are ignored. */
  APPEND("append", 5, 6, true),
  /** {@code prepend}: add the data before an existing item's data; flags and exptime ignored. */
  PREPEND("prepend", 5, 6, true),
  /** {@code cas <key> <flags> <exptime> <bytes> <cas unique> [noreply]}: compare and swap. */
  CAS("cas", 6, 7, true),
  /** {@code delete <key> [0] [noreply]} (protocol.txt, "Deletion"). */
  DELETE("delete", 2, 4, false),
  /** {@code incr <key> <value> [noreply]} (protocol.txt, "Increment/Decrement"). */
  INCR("incr", 3, 4, false),
  /** {@code decr <key> <value> [noreply]}. */
  DECR("decr", 3, 4, false),
  /** {@code touch <key> <exptime> [noreply]} (protocol.txt, "Touch"). */
  TOUCH("touch", 3, 4, false),
  /** {@code flush_all [delay] [noreply]} (protocol.txt, "Other commands"). */
  FLUSH_ALL("flush_all", 1, 3, false),
  /** {@code version}; extra words are ignored, as memcached does. */
  VERSION("version", 1, Integer.MAX_VALUE, false),
  /** {@code verbosity <level> [noreply]}; accepted and ignored. */
  VERBOSITY("verbosity", 2, 3, false),
  /** {@code quit}: close the connection; extra words are ignored, as memcached does. */
  QUIT("quit", 1, Integer.MAX_VALUE, false),
  /** {@code stats [group]} (protocol.txt, "Statistics"); words after the group are ignored. */
  STATS("stats", 1, Integer.MAX_VALUE, false);

  /** Verbs by the length of their name, for matching a command word without decoding it. */
  private static final TextVerb[][] BY_LENGTH;

  static {
    int longest = 0;
    for (TextVerb v : values()) {
      longest = Math.max(longest, v.name.length);
    }
    BY_LENGTH = new TextVerb[longest + 1][];
    for (int len = 0; len <= longest; len++) {
      int n = 0;
      for (TextVerb v : values()) {
        if (v.name.length == len) {
          n++;
        }
      }
      TextVerb[] same = new TextVerb[n];
      int i = 0;
      for (TextVerb v : values()) {
        if (v.name.length == len) {
          same[i++] = v;
        }
      }
      BY_LENGTH[len] = same;
    }
  }

  private final byte[] name;
  private final String label;
  private final int minWords;
  private final int maxWords;
  private final boolean storage;

  TextVerb(String name, int minWords, int maxWords, boolean storage) {
    this.name = name.getBytes(StandardCharsets.US_ASCII);
    this.label = name;
    this.minWords = minWords;
    this.maxWords = maxWords;
    this.storage = storage;
  }

  /** Returns the command word as sent, e.g. {@code gets}, the {@code command} tag of its timer. */
  String label() {
    return label;
  }

  /**
   * Finds the verb spelled by some bytes; matching is case-sensitive, as in memcached.
   *
   * @param buf the buffer holding the command word, must not be {@code null}
   * @param index the absolute index of the word's first byte
   * @param length the length of the word in bytes
   * @return the verb, or {@code null} when the word names no command served here
   */
  static TextVerb find(ByteBuf buf, int index, int length) {
    if (length >= BY_LENGTH.length) {
      return null;
    }
    for (TextVerb v : BY_LENGTH[length]) {
      if (AsciiNumbers.equalsAscii(buf, index, length, v.name)) {
        return v;
      }
    }
    return null;
  }

  /** Returns the command name as ASCII bytes; shared, must not be modified. */
  byte[] nameBytes() {
    return name;
  }

  /** Returns whether {@code words} words (the name included) is a count this command accepts. */
  boolean acceptsWords(int words) {
    return words >= minWords && words <= maxWords;
  }

  /** Returns whether the command is a meta command, whose errors {@code q} never suppresses. */
  boolean isMeta() {
    return this == MG || this == MS || this == MD || this == MA || this == MN || this == ME;
  }

  /** Returns whether the command is followed by a data block (a storage command). */
  public boolean isStorage() {
    return storage;
  }
}
