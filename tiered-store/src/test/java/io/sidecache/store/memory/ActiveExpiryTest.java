package io.sidecache.store.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sweep's rules, over a plain map standing in for the memory tier. */
class ActiveExpiryTest {
  private static final long NOW = 1_700_000_000_000L;

  private final Map<Key, Entry> entries = new HashMap<>();
  private boolean refuseReclaims;
  private final ActiveExpiry active = new ActiveExpiry(new ActiveExpiry.Tier() {
    @Override
    public Entry current(Key key) {
      return entries.get(key);
    }

    @Override
    public boolean reclaim(Key key, Entry expired) {
      return !refuseReclaims && entries.remove(key, expired);
    }
  });

  private static Entry expiringAt(long at) {
    return new Entry(new byte[1], 0, 1, at, Entry.writtenAt(NOW));
  }

  private Key put(String name, Entry e) {
    Key key = Key.of(name);
    entries.put(key, e);
    if (e.hasExpiry()) {
      active.added(key);
    }
    return key;
  }

  @Test
  void aFullSweepReclaimsTheExpiredKeepsTheLiveAndForgetsTheRest() {
    Key expired = put("expired", expiringAt(NOW - 1));
    Key live = put("live", expiringAt(NOW + 1_000));
    Key persisted = put("persisted", expiringAt(NOW + 1_000));
    entries.put(persisted, expiringAt(Entry.NO_EXPIRY)); // PERSIST: still in the set
    Key deleted = put("deleted", expiringAt(NOW + 1_000));
    entries.remove(deleted);
    assertEquals(4, active.size());

    assertEquals(1, active.sweep(NOW, true));
    assertNull(entries.get(expired));
    assertEquals(1, active.size(), "only the live key stays");
    assertEquals(0, active.sweep(NOW, true));
    assertEquals(1, active.sweep(NOW + 1_000, true), "the live key, once its time is reached");
    assertFalse(entries.containsKey(live));
    assertEquals(0, active.size());
  }

  @Test
  void boundedSweepsGoOnWhereTheLastStoppedUntilEveryKeyWasVisited() {
    int keys = 3 * ActiveExpiry.VISITS;
    int expired = 0;
    for (int i = 0; i < keys; i++) {
      boolean dead = i % 10 == 3; // one in ten: each batch may stop the sweep at VISITS
      expired += dead ? 1 : 0;
      put("k" + i, expiringAt(dead ? NOW - 1 : NOW + 60_000));
    }
    int reclaimed = 0;
    // Each sweep visits at least VISITS keys from where the last one stopped.
    for (int run = 0; run < 4; run++) {
      reclaimed += active.sweep(NOW, false);
    }
    assertEquals(expired, reclaimed);
    assertEquals(keys - expired, active.size());
    assertEquals(keys - expired, entries.size());
  }

  @Test
  void anEntryReplacedBeforeItsReclaimIsNotCounted() {
    Key key = put("k", expiringAt(NOW - 1));
    refuseReclaims = true; // a writer replaced it between the sweep's look and its removal
    assertEquals(0, active.sweep(NOW, true));
    assertEquals(0, active.size(), "the writer adds the key again if its entry expires");
    refuseReclaims = false;
    active.added(key);
    assertEquals(1, active.sweep(NOW, true));
  }

  @Test
  void anEvictedKeyLeavesTheSet() {
    Key key = put("k", expiringAt(NOW + 1_000));
    entries.remove(key);
    active.evicted(key);
    assertEquals(0, active.size());
  }
}
