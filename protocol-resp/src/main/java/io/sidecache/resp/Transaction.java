package io.sidecache.resp;

import io.sidecache.store.CacheStore;
import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The commands a connection queued between {@code MULTI} and {@code EXEC}, and whether a
 * queue-time error dooms them (Redis 7.0 {@code multi.c}: {@code CLIENT_DIRTY_EXEC}).
 *
 * <p>Not thread-safe: owned by one {@link RespSession}.
 */
final class Transaction {
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  private final List<RespCommand> commands = new ArrayList<>();
  private final List<byte[][]> arguments = new ArrayList<>();
  private boolean doomed;

  /** Queues a command whose arity was checked; its arguments are owned by the caller. */
  void queue(RespCommand command, byte[][] args) {
    commands.add(command);
    arguments.add(args);
  }

  /** Marks the transaction as failed at queue time: {@code EXEC} answers EXECABORT. */
  void doom() {
    doomed = true;
  }

  boolean doomed() {
    return doomed;
  }

  /**
   * Returns the keys the queued commands name, by each command's key positions ({@code COMMAND
   * INFO}'s first key, last key and step).
   */
  List<Key> keys() {
    List<Key> keys = new ArrayList<>();
    for (int i = 0; i < commands.size(); i++) {
      commands.get(i).forEachKey(arguments.get(i), k -> keys.add(Key.of(k)));
    }
    return keys;
  }

  /** Returns the number of queued commands. */
  int size() {
    return commands.size();
  }

  /**
   * Runs the queued commands and writes {@code EXEC}'s reply: the array of their replies, or a
   * null array when a watched key changed since {@code WATCH} ({@link Watched}). Meant to run as
   * an exclusive section; never fails, as each command's error is written into the array.
   *
   * @param session the connection, in exclusive mode
   * @param watched the watched keys and what {@code WATCH} saw of each
   * @return a stage completed when the reply is written
   */
  CompletionStage<Void> execute(RespSession session, Map<Key, Watched> watched) {
    return session.onLoop(unchanged(session.store(), watched))
        .thenCompose(
            unchanged -> {
              if (!unchanged) {
                session.reply().nullArray();
                return DONE;
              }
              session.reply().array(commands.size());
              return runFrom(session, 0);
            });
  }

  private static CompletionStage<Boolean> unchanged(CacheStore store, Map<Key, Watched> watched) {
    CompletionStage<Boolean> all = CompletableFuture.completedFuture(true);
    for (Map.Entry<Key, Watched> w : watched.entrySet()) {
      Watched seen = w.getValue();
      all = all.thenCombine(store.get(w.getKey()), (ok, e) -> ok && Watched.of(e).equals(seen));
    }
    return all;
  }

  /**
   * What {@code WATCH} records of a key: its CAS version and its expiry. A write changes the
   * CAS version; a change of expiry alone ({@code EXPIRE}, {@code PERSIST}, {@code GETEX} with an
   * option, memcached {@code touch}) keeps it, as memcached's CAS must stay, but Redis counts it
   * as a modification of the key ({@code signalModifiedKey}), so the expiry is compared too.
   *
   * @param cas the CAS version, 0 when the key was absent
   * @param expiresAt the absolute expiry in milliseconds, {@link Entry#NO_EXPIRY} for none
   */
  record Watched(long cas, long expiresAt) {
    private static final Watched ABSENT = new Watched(0, Entry.NO_EXPIRY);

    /** Returns what {@code WATCH} records of an entry, or of an absent key. */
    static Watched of(Entry e) {
      return e == null ? ABSENT : new Watched(e.cas(), e.expiresAt());
    }
  }

  private CompletionStage<Void> runFrom(RespSession session, int first) {
    for (int i = first; i < commands.size(); i++) {
      CompletionStage<Void> pending = session.runQueued(commands.get(i), arguments.get(i));
      if (pending != null) {
        int next = i + 1;
        return pending.thenCompose(v -> runFrom(session, next));
      }
    }
    return DONE;
  }
}
