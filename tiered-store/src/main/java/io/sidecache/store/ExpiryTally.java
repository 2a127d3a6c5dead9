package io.sidecache.store;

import java.util.concurrent.atomic.LongAdder;

/**
 * A tier's running count of the entries it holds that carry an expiry time, with those times
 * added up, so that {@link ExpiringKeys} costs nothing to read: no walk over the tier. Every
 * change of the tier's contents tells it the expiry times involved ({@link #replaced}); an entry
 * without one ({@link Entry#NO_EXPIRY}) is not counted.
 *
 * <p>Times are added as their distance from the tally's origin, each capped at {@link #HORIZON}
 * (about 35 years), and the sum wraps as {@code long} arithmetic does, so it is exact whenever the
 * true sum fits in 63 bits: for up to 8 million keys at the cap and far more at everyday TTLs. A
 * time past the cap counts as the cap, so the mean of such keys is understated.
 *
 * <p>Keys that expired but are not reclaimed yet stay counted, as {@link StoreStats#keys()} counts
 * them, and pull the sum of remaining times down until the tier reclaims them (the disk tier's
 * sweep walks its file at a bounded pace).
 *
 * <p>Thread-safe; an update costs one or two {@link LongAdder} additions per changed count.
 */
public final class ExpiryTally {
  /** The farthest past the origin an expiry time counts, in milliseconds (2^40). */
  static final long HORIZON = 1L << 40;

  private final long origin;
  private final LongAdder count = new LongAdder();
  private final LongAdder total = new LongAdder();

  /**
   * Creates an empty tally.
   *
   * @param origin the time expiry times are measured from, in milliseconds since the epoch
   *     (the tier's start)
   */
  public ExpiryTally(long origin) {
    this.origin = origin;
  }

  /**
   * Records that an entry expiring at {@code before} was replaced by one expiring at {@code
   * after}; either may be {@link Entry#NO_EXPIRY}, for no entry or an entry that never expires.
   *
   * @param before the expiry time of what the key held, in milliseconds since the epoch
   * @param after the expiry time of what it holds now
   */
  public void replaced(long before, long after) {
    if (before == after) {
      return;
    }
    if (before != Entry.NO_EXPIRY) {
      count.decrement();
      total.add(-offset(before));
    }
    if (after != Entry.NO_EXPIRY) {
      count.increment();
      total.add(offset(after));
    }
  }

  /**
   * Records a replaced entry; {@code null} stands for no entry.
   *
   * @param before what the key held, or {@code null}
   * @param after what it holds now, or {@code null}
   */
  public void replaced(Entry before, Entry after) {
    replaced(expiresAt(before), expiresAt(after));
  }

  private static long expiresAt(Entry e) {
    return e == null ? Entry.NO_EXPIRY : e.expiresAt();
  }

  private long offset(long expiresAt) {
    return Math.min(Math.max(expiresAt - origin, 0), HORIZON);
  }

  /**
   * Empties the tally, for a tier that dropped every entry at once. Only where no update can run
   * at the same time (the disk tier's one thread): an update racing it could be half undone.
   */
  public void reset() {
    count.reset();
    total.reset();
  }

  /**
   * Returns the counted keys and their remaining times to live as of {@code now}.
   *
   * @param now the current time in milliseconds since the epoch
   * @return the keys with an expiry time; their remaining time is at least 0 in sum, keys already
   *     expired but not yet reclaimed counting as less than nothing
   */
  public ExpiringKeys at(long now) {
    long n = count.sum();
    if (n <= 0) {
      return ExpiringKeys.NONE;
    }
    long remaining = total.sum() - n * Math.max(now - origin, 0);
    return new ExpiringKeys(n, Math.max(remaining, 0));
  }
}
