package io.sidecache.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ExpiryTallyTest {
  private static final long T0 = 1_700_000_000_000L;

  @Test
  void countsOnlyEntriesWithAnExpiry() {
    ExpiryTally tally = new ExpiryTally(T0);
    tally.replaced(Entry.NO_EXPIRY, Entry.NO_EXPIRY);
    assertEquals(ExpiringKeys.NONE, tally.at(T0));
    tally.replaced(Entry.NO_EXPIRY, T0 + 3_000);
    tally.replaced(Entry.NO_EXPIRY, T0 + 5_000);
    assertEquals(new ExpiringKeys(2, 8_000), tally.at(T0));
    assertEquals(new ExpiringKeys(2, 4_000), tally.at(T0 + 2_000));
    assertEquals(2_000, tally.at(T0 + 2_000).averageTtlMillis());
    tally.replaced(T0 + 5_000, Entry.NO_EXPIRY);
    tally.replaced(T0 + 3_000, T0 + 3_000); // kept: no change
    assertEquals(new ExpiringKeys(1, 3_000), tally.at(T0));
    tally.reset();
    assertEquals(ExpiringKeys.NONE, tally.at(T0));
  }

  @Test
  void expiredButNotReclaimedKeysNeverMakeTheSumNegative() {
    ExpiryTally tally = new ExpiryTally(T0);
    tally.replaced(Entry.NO_EXPIRY, T0 + 1_000);
    assertEquals(new ExpiringKeys(1, 0), tally.at(T0 + 10_000));
  }

  @Test
  void farTimesCountAtTheHorizon() {
    ExpiryTally tally = new ExpiryTally(T0);
    long far = T0 + 100L * 365 * 86_400_000; // EXPIREAT a century from now
    for (int i = 0; i < 8_192; i++) {
      tally.replaced(Entry.NO_EXPIRY, far);
    }
    assertEquals(ExpiryTally.HORIZON, tally.at(T0).averageTtlMillis());
  }
}
