package io.sidecache.store;

/**
 * The outcome of a conditional write.
 *
 * @param outcome what happened, never {@code null}
 * @param previous the live entry before the write, or {@code null} when there was none; only
 *     reported when {@link SetOptions#returnPrevious()} was requested or the write was refused
 * @param current the entry after the write, or {@code null} when nothing was stored or the new
 *     value was already expired
 */
public record SetResult(Outcome outcome, Entry previous, Entry current) {

  /** What a conditional write did; named after the memcached replies it maps to. */
  public enum Outcome {
    /** The value was written. */
    STORED,
    /** The condition (absent / present) did not hold; nothing changed. */
    NOT_STORED,
    /** Compare-and-swap on a key that does not exist; nothing changed. */
    NOT_FOUND,
    /** Compare-and-swap with a CAS version that is no longer current; nothing changed. */
    EXISTS
  }

  /** Returns whether the value was written. */
  public boolean stored() {
    return outcome == Outcome.STORED;
  }
}
