package io.sidecache.resp;

import io.sidecache.protocol.Stages;
import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Transactions with Redis 7.0 semantics and error texts ({@code multi.c}): MULTI queues commands,
 * EXEC runs them with no other client's command in between on this node (an exclusive section of
 * the {@link io.sidecache.protocol.CommandGate}), and WATCH makes EXEC answer a null array when a
 * watched key's CAS version changed in the meantime.
 */
final class TransactionCommands {
  private TransactionCommands() {}

  static List<RespCommand> commands() {
    return List.of(
        RespCommand.named("multi", 1)
            .flags("noscript", "loading", "stale", "fast", "allow_busy")
            .acl("@fast", "@transaction")
            .doc("transactions", "1.2.0", "Starts a transaction.")
            .controlsTransaction()
            .body(TransactionCommands::multi).build(),
        RespCommand.named("exec", 1)
            .flags("noscript", "loading", "stale", "skip_slowlog")
            .acl("@slow", "@transaction")
            .doc("transactions", "1.2.0", "Executes all commands in a transaction.")
            .controlsTransaction()
            .body(TransactionCommands::exec).build(),
        RespCommand.named("discard", 1)
            .flags("noscript", "loading", "stale", "fast", "allow_busy")
            .acl("@fast", "@transaction")
            .doc("transactions", "2.0.0", "Discards a transaction.")
            .controlsTransaction()
            .body(TransactionCommands::discard).build(),
        RespCommand.named("watch", -2)
            .flags("noscript", "loading", "stale", "fast", "allow_busy")
            
            .acl("@fast", "@transaction")
            .key(KeySpec.range(1, -1, 1, "RO"))
            .doc("transactions", "2.2.0",
                "Monitors changes to keys to determine the execution of a transaction.")
            .controlsTransaction()
            .body(TransactionCommands::watch).build(),
        RespCommand.named("unwatch", 1)
            .flags("noscript", "loading", "stale", "fast", "allow_busy")
            .acl("@fast", "@transaction")
            .doc("transactions", "2.2.0", "Forgets about watched keys of a transaction.")
            .body(TransactionCommands::unwatch).build());
  }

  /** Redis 7.0 {@code MULTI}: OK, or an error when a transaction is already open. */
  static void multi(RespSession s, byte[][] args) {
    if (s.transaction() != null) {
      throw new RespException("ERR MULTI calls can not be nested");
    }
    s.beginTransaction();
    s.reply().ok();
  }

  /**
   * Redis 7.0 {@code EXEC}: EXECABORT when a command failed to queue, a null array when a watched
   * key changed, else the array of the queued commands' replies. The watches end either way.
   */
  static void exec(RespSession s, byte[][] args) {
    Transaction transaction = s.endTransaction();
    if (transaction == null) {
      throw new RespException("ERR EXEC without MULTI");
    }
    Map<Key, Transaction.Watched> watched = s.unwatchAll();
    if (transaction.doomed()) {
      throw new RespException(
          "EXECABORT Transaction discarded because of previous errors.");
    }
    java.util.List<Key> keys = transaction.keys();
    keys.addAll(watched.keySet());
    if (!s.store().colocated(keys)) {
      throw RespException.CROSSSLOT; // in a cluster: its keys live on more than one node
    }
    s.reply(s.exclusive(keys, () -> transaction.execute(s, watched)), (r, done) -> { });
  }

  /** Redis 7.0 {@code DISCARD}: drops the queue and the watches. */
  static void discard(RespSession s, byte[][] args) {
    if (s.endTransaction() == null) {
      throw new RespException("ERR DISCARD without MULTI");
    }
    s.unwatchAll();
    s.reply().ok();
  }

  /** Redis 7.0 {@code WATCH key [key ...]}: records each key's CAS version and expiry. */
  static void watch(RespSession s, byte[][] args) {
    if (s.transaction() != null) {
      throw new RespException("ERR WATCH inside MULTI is not allowed");
    }
    List<Key> keys = new ArrayList<>(args.length - 1);
    List<CompletionStage<Entry>> reads = new ArrayList<>(args.length - 1);
    for (int i = 1; i < args.length; i++) {
      Key key = Key.of(args[i]);
      keys.add(key);
      reads.add(s.store().get(key));
    }
    s.reply(Stages.all(reads), (r, entries) -> {
      for (int i = 0; i < keys.size(); i++) {
        s.watch(keys.get(i), Transaction.Watched.of(entries.get(i)));
      }
      r.ok();
    });
  }

  /** Redis 7.0 {@code UNWATCH}: OK. */
  static void unwatch(RespSession s, byte[][] args) {
    s.unwatchAll();
    s.reply().ok();
  }
}
