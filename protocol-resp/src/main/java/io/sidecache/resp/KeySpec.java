package io.sidecache.resp;

import java.util.List;
import java.util.Set;

/**
 * One key specification of a command, as Redis 7 {@code COMMAND INFO} reports it (Redis
 * documentation, "Command key specifications"): where the keys start (an {@code index} begin
 * search), how they run on from there (a {@code range} find-keys with {@code limit} 0) and what
 * the command does with them. Only this index/range form exists here: every implemented command's
 * keys take it; Redis's {@code keyword} and {@code keynum} forms would be new factories.
 *
 * <p>The flags are Redis's names, in its order: one of {@code RO}, {@code RW}, {@code OW}, {@code
 * RM}, then any of {@code access}, {@code update}, {@code insert}, {@code delete}, {@code
 * not_key}, {@code incomplete}, {@code variable_flags}. Immutable and thread-safe.
 *
 * @param index the argument the keys start at, 1 right after the command name
 * @param lastKey the last key relative to {@code index} (0: just that one), or negative counting
 *     from the end of the arguments (-1: the last)
 * @param keyStep the distance between keys, at least 1
 * @param flags the key flags
 * @param notes Redis's note on the flags, or {@code null}
 */
public record KeySpec(int index, int lastKey, int keyStep, List<String> flags, String notes) {
  private static final Set<String> FLAGS = Set.of("RO", "RW", "OW", "RM", "access", "update",
      "insert", "delete", "not_key", "incomplete", "variable_flags");

  /**
   * Checks the spec.
   *
   * @throws IllegalArgumentException for an index or step below 1 or an unknown flag
   */
  public KeySpec {
    if (index < 1 || keyStep < 1) {
      throw new IllegalArgumentException("index " + index + ", keyStep " + keyStep
          + " (expected: at least 1)");
    }
    flags = List.copyOf(flags);
    for (String f : flags) {
      if (!FLAGS.contains(f)) {
        throw new IllegalArgumentException("key spec flag: " + f + " (expected one of " + FLAGS
            + ")");
      }
    }
  }

  /**
   * Returns an index/range spec without notes.
   *
   * @param index the argument the keys start at
   * @param lastKey the last key relative to {@code index}, or negative from the end
   * @param keyStep the distance between keys
   * @param flags the key flags
   * @return the spec
   */
  public static KeySpec range(int index, int lastKey, int keyStep, String... flags) {
    return new KeySpec(index, lastKey, keyStep, List.of(flags), null);
  }

  /**
   * Returns this spec with Redis's note on it.
   *
   * @param text the note
   * @return the spec with the note
   */
  public KeySpec notes(String text) {
    return new KeySpec(index, lastKey, keyStep, flags, text);
  }

  /** Returns the absolute position of the last key, or the negative {@link #lastKey()} as is. */
  int lastKeyPosition() {
    return lastKey < 0 ? lastKey : index + lastKey;
  }
}
