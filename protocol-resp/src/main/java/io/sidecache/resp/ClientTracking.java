package io.sidecache.resp;

import io.sidecache.store.Key;
import io.sidecache.store.KeyChanges;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Client-side caching, as Redis 7.0's {@code tracking.c}: which clients may hold a copy of which
 * key, and the invalidation messages they are sent when the key changes through any protocol,
 * expires or is evicted ({@link KeyChanges}, fed by the store).
 *
 * <p>Default mode: a read-only command run by a tracking client records its keys for that client
 * ({@link #remember}); the first change of such a key sends the client one invalidation and
 * forgets the record, so the next read records it again. The record is a small table of keys to
 * client ids, bounded by {@code tracking-table-max-keys}: past it, keys are dropped from the table
 * with an invalidation, as Redis's {@code trackingLimitUsedSlots}. Broadcast mode ({@code BCAST}):
 * every change of a key under one of the client's prefixes (all keys without one) is sent, with no
 * table. A client that disconnects or turns tracking off leaves stale records that are skipped when
 * their key changes, as Redis's.
 *
 * <p>Invalidations go to the client's connection, or to the one it redirects to, on that
 * connection's event loop, after the reply of the request it is running (so a client never sees
 * an invalidation before the reply that carried the value it invalidates). Thread-safe: {@link
 * #changed} may be called from any thread and does not block.
 */
public final class ClientTracking implements KeyChanges {
  /** Redis 7's default {@code tracking-table-max-keys}. */
  public static final long DEFAULT_MAX_KEYS = 1_000_000;
  /** The most keys one read (or one CONFIG SET) drops from a full table. */
  private static final int EVICTIONS_PER_CALL = 1_000;

  /** Default mode's table: the ids of the clients that read each key since it last changed. */
  private final ConcurrentHashMap<Key, long[]> table = new ConcurrentHashMap<>();
  private final AtomicLong items = new AtomicLong();
  /** Every client with tracking on, by id. */
  private final Map<Long, Tracker> trackers = new ConcurrentHashMap<>();
  /** The clients in broadcast mode, each with its prefixes. */
  private final List<Tracker> broadcasting = new CopyOnWriteArrayList<>();
  private volatile long maxKeys;
  /** Where the walk of {@link #evictOver} goes on; guarded by this. */
  private Iterator<Key> evictionHand;
  private volatile java.util.function.LongFunction<RespSession> clients = id -> null;

  /**
   * Creates the tracking state of one server.
   *
   * @param maxKeys the most keys default mode's table holds ({@code tracking-table-max-keys}); 0
   *     for no bound
   */
  public ClientTracking(long maxKeys) {
    if (maxKeys < 0) {
      throw new IllegalArgumentException("maxKeys: " + maxKeys + " (expected: >= 0)");
    }
    this.maxKeys = maxKeys;
  }

  /** Sets how a client id is found, for redirection; called once by the server's context. */
  void clients(java.util.function.LongFunction<RespSession> clients) {
    this.clients = clients;
  }

  /**
   * What one client asked for with {@code CLIENT TRACKING ON}: immutable but for {@link
   * #redirectBroken}, which delivery sets.
   */
  static final class Tracker {
    final RespSession session;
    final boolean bcast;
    final boolean optIn;
    final boolean optOut;
    final boolean noLoop;
    /** The client id invalidations go to, or 0 for the tracking client itself. */
    final long redirect;
    final List<byte[]> prefixes;
    /** Set once the redirect target was found gone; read and written by any thread. */
    volatile boolean redirectBroken;

    Tracker(RespSession session, boolean bcast, boolean optIn, boolean optOut, boolean noLoop,
        long redirect, List<byte[]> prefixes) {
      this.session = session;
      this.bcast = bcast;
      this.optIn = optIn;
      this.optOut = optOut;
      this.noLoop = noLoop;
      this.redirect = redirect;
      this.prefixes = List.copyOf(prefixes);
    }

    /** Returns the broadcast prefix key {@code k} starts with, or {@code null} (no two overlap). */
    byte[] prefixOf(byte[] k) {
      for (byte[] p : prefixes) {
        if (p.length <= k.length && Arrays.equals(k, 0, p.length, p, 0, p.length)) {
          return p;
        }
      }
      return null;
    }
  }

  /** Turns tracking on (or changes it) for {@code t.session}. */
  void enable(Tracker t) {
    Tracker before = trackers.put(t.session.clientId(), t);
    if (t.bcast) {
      broadcasting.add(t); // before the old one goes: a change in between is sent, maybe twice
    }
    if (before != null && before.bcast) {
      broadcasting.remove(before);
    }
  }

  /** Turns tracking off for a client (also when it disconnects); its records are left stale. */
  void disable(RespSession session) {
    Tracker before = trackers.remove(session.clientId());
    if (before != null && before.bcast) {
      broadcasting.remove(before);
    }
  }

  /** Records that {@code session} may now cache {@code key} (default mode). */
  void remember(RespSession session, Key key) {
    long id = session.clientId();
    boolean[] added = new boolean[1];
    table.compute(key, (k, ids) -> {
      if (ids == null) {
        added[0] = true;
        return new long[] {id};
      }
      for (long i : ids) {
        if (i == id) {
          return ids;
        }
      }
      added[0] = true;
      long[] more = Arrays.copyOf(ids, ids.length + 1);
      more[ids.length] = id;
      return more;
    });
    if (added[0]) {
      items.incrementAndGet();
    }
    long max = maxKeys;
    if (max > 0 && table.size() > max) {
      evictOver(max);
    }
  }

  /**
   * Drops keys from the table, each with its invalidation to the clients that read it (not to
   * broadcast clients: the key did not change), until it holds {@code max}. The walk goes on
   * where the previous one stopped, so it does not rescan the bins it emptied.
   */
  private synchronized void evictOver(long max) {
    // Bounded work per call, as Redis's trackingLimitUsedSlots: a lowered bound is reached over
    // the reads that follow, not in one stall of the loop that lowered it.
    for (int n = 0; n < EVICTIONS_PER_CALL && table.size() > max; n++) {
      if (evictionHand == null || !evictionHand.hasNext()) {
        evictionHand = table.keySet().iterator();
        if (!evictionHand.hasNext()) {
          return;
        }
      }
      invalidateReaders(evictionHand.next(), NO_ORIGIN);
    }
  }

  /** Sets {@code tracking-table-max-keys}; 0 for no bound. A lower bound applies at once. */
  void maxKeys(long max) {
    maxKeys = max;
    if (max > 0) {
      evictOver(max);
    }
  }

  long maxKeys() {
    return maxKeys;
  }

  @Override
  public void changed(Key key, long origin) {
    if (trackers.isEmpty() && table.isEmpty()) {
      return; // nobody tracks: the cost of every write when client-side caching is not used
    }
    invalidateReaders(key, origin);
    byte[] bytes = broadcasting.isEmpty() ? null : key.bytes(); // a new array: taken once
    for (Tracker t : broadcasting) {
      byte[] prefix = t.prefixOf(bytes);
      if (prefix != null && !(t.noLoop && t.session.clientId() == origin)) {
        deliver(t, key, prefix);
      }
    }
  }

  /**
   * Default mode: removes the key's record and invalidates it for each client that read it and
   * still tracks. A tracker found here was enabled before its record was made, so a record made
   * while this runs is either removed and sent here, or made after and kept.
   */
  private void invalidateReaders(Key key, long origin) {
    long[] ids = table.remove(key);
    if (ids == null) {
      return;
    }
    items.addAndGet(-ids.length);
    for (long id : ids) {
      Tracker t = trackers.get(id);
      if (t != null && !t.bcast && !(t.noLoop && id == origin)) {
        deliver(t, key, null);
      }
    }
  }

  @Override
  public void flushed(long origin) {
    table.clear();
    items.set(0);
    for (Tracker t : trackers.values()) {
      deliver(t, null, null);
    }
  }

  /**
   * Sends one invalidation of {@code key} ({@code null}: every key) for {@code t}, to its
   * connection or the one it redirects to; a redirect to a client gone tells {@code t} instead
   * (on RESP3), each time, as Redis's {@code sendTrackingMessage}.
   */
  private void deliver(Tracker t, Key key, byte[] prefix) {
    if (t.redirect == 0) {
      if (t.session.reply().protocol() == 3) { // RESP2 without a redirect hears nothing, as Redis
        t.session.invalidated(key, prefix);
      }
      return;
    }
    RespSession target = clients.apply(t.redirect);
    if (target != null) {
      target.invalidated(key, prefix);
    } else {
      t.redirectBroken = true;
      t.session.redirectBroken(t.redirect);
    }
  }

  /** Returns whether a client id is connected, for {@code REDIRECT}. */
  boolean connected(long id) {
    return clients.apply(id) != null;
  }

  /** {@code INFO clients} {@code tracking_clients}. */
  int clientCount() {
    return trackers.size();
  }

  /** {@code INFO stats} {@code tracking_total_keys}. */
  long keyCount() {
    return table.size();
  }

  /** {@code INFO stats} {@code tracking_total_items}: the client records over all keys. */
  long itemCount() {
    return Math.max(0, items.get());
  }

  /** {@code INFO stats} {@code tracking_total_prefixes}: distinct prefixes of BCAST clients. */
  long prefixCount() {
    java.util.Set<byte[]> all = new java.util.TreeSet<>(Arrays::compareUnsigned);
    for (Tracker t : broadcasting) {
      all.addAll(t.prefixes);
    }
    return all.size();
  }
}
