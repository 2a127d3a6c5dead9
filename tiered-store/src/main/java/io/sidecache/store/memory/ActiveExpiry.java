package io.sidecache.store.memory;

import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * The memory tier's active expiry: the keys whose entry carries an expiry time, and the sweep that
 * reclaims the ones that expired without being read or written again (Redis's active expiry
 * cycle, {@code activeExpireCycle} in expire.c; memcached's LRU crawler does the same job).
 * Reads and writes never serve an expired entry on their own ({@link Entry#isExpiredAt}), and
 * remove one they come across (a lookup, as Redis's {@code expireIfNeeded}; a write, by replacing
 * it); the sweep gives back the memory of those nobody touches, and with it the expiry's count and
 * notifications.
 *
 * <p>A write that installs an entry with an expiry time {@link #added adds} its key, after the
 * write. Keys leave the set only here: when the sweep finds their key absent, without an expiry
 * time or expired (the expired entry is then removed), and when the tier evicts their entry by
 * size ({@link #evicted}, inside the eviction). A key deleted or made persistent meanwhile stays
 * in the set until the sweep visits it; that costs a set entry, never a wrong answer. The sweep
 * decides about a key inside the set's atomic step for it, and a writer adds its key only after
 * its write, so a key whose current entry carries an expiry time is always in the set.
 *
 * <p>Each {@link #sweep} visits keys in the set's order from where the last one stopped, at least
 * {@link #VISITS} of them (when the set is smaller, all of it, wrapping around at most once),
 * then goes on in batches of {@link #BATCH} while a tenth or more of a batch was expired or gone,
 * for at most {@link #BUDGET_NANOS}: Redis's cycle samples 20 keys per loop and repeats while more
 * than 10 % of them were expired, for at most 25 % of the 100 ms between cycles ({@code hz 10}).
 * Redis samples at random from its {@code expires} dictionary; a cursor visits every key once per
 * pass instead.
 *
 * <p>Thread-safe: {@link #added} and {@link #evicted} from any thread, {@link #sweep} serialised
 * (the expiry thread, and {@link MemoryStore#cleanUp()}).
 */
final class ActiveExpiry {
  /** How often the store's scheduler runs a sweep, in milliseconds (Redis's {@code hz 10}). */
  static final long PERIOD_MILLIS = 100;

  /** Keys a sweep visits at least (fewer only when the set is smaller). */
  static final int VISITS = 1000;

  /**
   * Keys per batch once past {@link #VISITS} (Redis's {@code ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP}).
   */
  static final int BATCH = 20;

  /** The longest a sweep goes on past {@link #VISITS}, in nanoseconds: 25 % of the period. */
  static final long BUDGET_NANOS = PERIOD_MILLIS * 1_000_000 / 4;

  /** What the sweep reads and removes: the memory tier's own entries, none from below. */
  interface Tier {
    /**
     * Returns the tier's entry for {@code key}, expired or not, without telling the eviction
     * policy; {@code null} when it holds none.
     */
    Entry current(Key key);

    /**
     * Removes {@code key}'s entry if it is still {@code expired} (identity), counting and
     * reporting its expiry.
     *
     * @return whether it was removed
     */
    boolean reclaim(Key key, Entry expired);
  }

  private final ConcurrentHashMap<Key, Boolean> keys = new ConcurrentHashMap<>();
  private final Tier tier;
  private final BiFunction<Key, Boolean, Boolean> keep = this::keep;
  /** Where the last sweep stopped; the sweep's alone (it is serialised). */
  private Iterator<Key> cursor;
  /** The expired entry the current visit found; the sweep's alone. */
  private Entry found;
  private long sweepNow;

  ActiveExpiry(Tier tier) {
    this.tier = tier;
  }

  /**
   * A write installed an entry with an expiry time under {@code key}; call after the write. A
   * {@code put}, not {@code putIfAbsent}: that one may answer from the bin without its lock, and
   * so see the key still present while the sweep's step is dropping it.
   */
  void added(Key key) {
    keys.put(key, Boolean.TRUE);
  }

  /** The tier evicted {@code key}'s entry, which carried an expiry time; call inside eviction. */
  void evicted(Key key) {
    keys.remove(key);
  }

  /** Returns the number of keys in the set, expired, deleted and persisted ones included. */
  int size() {
    return keys.size();
  }

  /** Returns whether {@code key} is in the set; for tests. */
  boolean contains(Key key) {
    return keys.containsKey(key);
  }

  /**
   * Visits keys as the class documentation says and reclaims the expired ones.
   *
   * @param now the current time, in milliseconds since the epoch
   * @param everything whether to visit every key once from the start instead, with no bound
   *     (orderly shutdown, tests)
   * @return the number of entries reclaimed
   */
  synchronized int sweep(long now, boolean everything) {
    sweepNow = now;
    if (everything || cursor == null) {
      cursor = keys.keySet().iterator();
    }
    boolean restarted = everything;
    long deadline = System.nanoTime() + BUDGET_NANOS;
    int visited = 0;
    int reclaimed = 0;
    int goneInBatch = 0;
    while (true) {
      if (!cursor.hasNext()) {
        if (restarted) {
          break; // a whole pass in this sweep
        }
        restarted = true;
        cursor = keys.keySet().iterator();
        if (!cursor.hasNext()) {
          break;
        }
      }
      Key key = cursor.next();
      if (keys.computeIfPresent(key, keep) == null) {
        goneInBatch++;
        if (found != null) {
          reclaimed += tier.reclaim(key, found) ? 1 : 0;
          found = null;
        }
      }
      if (++visited % BATCH == 0) {
        if (!everything && visited >= VISITS
            && (goneInBatch * 10 < BATCH || System.nanoTime() - deadline > 0)) {
          break;
        }
        goneInBatch = 0;
      }
    }
    return reclaimed;
  }

  /**
   * The sweep's decision about one key, inside the set's atomic step for it: keep it while its
   * entry lives and carries an expiry time, else drop it (remembering an expired entry in {@link
   * #found} for removal after the step, outside the set's lock).
   */
  private Boolean keep(Key key, Boolean present) {
    Entry e = tier.current(key);
    if (e == null || !e.hasExpiry()) {
      return null;
    }
    if (e.isExpiredAt(sweepNow)) {
      found = e;
      return null;
    }
    return present;
  }
}
