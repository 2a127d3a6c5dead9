package io.sidecache.resp;

import io.sidecache.store.Key;
import java.util.List;

/**
 * Pub/Sub, as Redis 7.0 on one node ({@link PubSub}): {@code SUBSCRIBE}, {@code UNSUBSCRIBE},
 * {@code PSUBSCRIBE}, {@code PUNSUBSCRIBE}, {@code PUBLISH} and {@code PUBSUB CHANNELS|NUMSUB|
 * NUMPAT}. A (un)subscription is confirmed per channel with its kind, the channel and the count of
 * the connection's subscriptions, as a push in RESP3 and an array in RESP2.
 */
final class PubSubCommands {
  private PubSubCommands() {}

  static List<RespCommand> commands() {
    return List.of(
        RespCommand.named("subscribe", -2).flags("pubsub", "noscript", "loading", "stale")
            .acl("@pubsub", "@slow")
            .doc("pubsub", "2.0.0", "Listens for messages published to channels.")
            .body((s, a) -> subscribe(s, a, false)).build(),
        RespCommand.named("unsubscribe", -1).flags("pubsub", "noscript", "loading", "stale")
            .acl("@pubsub", "@slow")
            .doc("pubsub", "2.0.0", "Stops listening to messages posted to channels.")
            .body((s, a) -> unsubscribe(s, a, false)).build(),
        RespCommand.named("psubscribe", -2).flags("pubsub", "noscript", "loading", "stale")
            .acl("@pubsub", "@slow")
            .doc("pubsub", "2.0.0", "Listens for messages published to channels that match one"
                + " or more patterns.")
            .body((s, a) -> subscribe(s, a, true)).build(),
        RespCommand.named("punsubscribe", -1).flags("pubsub", "noscript", "loading", "stale")
            .acl("@pubsub", "@slow")
            .doc("pubsub", "2.0.0", "Stops listening to messages published to channels that"
                + " match one or more patterns.")
            .body((s, a) -> unsubscribe(s, a, true)).build(),
        RespCommand.named("publish", 3).flags("pubsub", "loading", "stale", "fast")
            .acl("@pubsub", "@fast")
            .doc("pubsub", "2.0.0", "Posts a message to a channel.")
            .body((s, a) -> s.reply().integer(
                s.context().pubSub().publish(Key.of(a[1]), a[2]))).build(),
        RespCommand.named("pubsub", -2).acl("@slow")
            .doc("pubsub", "2.8.0", "A container for Pub/Sub commands.")
            .subcommand(RespCommand.named("channels", -2).flags("pubsub", "loading", "stale")
                .acl("@pubsub", "@slow")
                .doc("pubsub", "2.8.0", "Returns the active channels.")
                .body(PubSubCommands::channels))
            .subcommand(RespCommand.named("numsub", -2).flags("pubsub", "loading", "stale")
                .acl("@pubsub", "@slow")
                .doc("pubsub", "2.8.0", "Returns a count of subscribers to channels.")
                .body(PubSubCommands::numsub))
            .subcommand(RespCommand.named("numpat", 2).flags("pubsub", "loading", "stale")
                .acl("@pubsub", "@slow")
                .doc("pubsub", "2.8.0", "Returns a count of unique pattern subscriptions.")
                .body((s, a) -> s.reply().integer(s.context().pubSub().patternCount())))
            .build());
  }

  private static void confirm(RespSession s, String kind, byte[] name) {
    RespReply r = s.reply();
    r.push(3);
    r.bulk(kind);
    if (name == null) {
      r.nullBulk();
    } else {
      r.bulk(name);
    }
    r.integer(s.subscriptions());
  }

  /** {@code SUBSCRIBE}/{@code PSUBSCRIBE}: one confirmation per name, even one already held. */
  private static void subscribe(RespSession s, byte[][] args, boolean pattern) {
    PubSub pubSub = s.context().pubSub();
    for (int i = 1; i < args.length; i++) {
      Key name = Key.of(args[i]);
      if (pattern) {
        pubSub.psubscribe(s, name);
      } else {
        pubSub.subscribe(s, name);
      }
      confirm(s, pattern ? "psubscribe" : "subscribe", args[i]);
    }
  }

  /**
   * {@code UNSUBSCRIBE}/{@code PUNSUBSCRIBE}: one confirmation per name given, or per name held
   * when none is given, or one with a null name when none is held, as Redis 7.0.
   */
  private static void unsubscribe(RespSession s, byte[][] args, boolean pattern) {
    PubSub pubSub = s.context().pubSub();
    String kind = pattern ? "punsubscribe" : "unsubscribe";
    List<Key> names;
    if (args.length > 1) {
      names = new java.util.ArrayList<>();
      for (int i = 1; i < args.length; i++) {
        names.add(Key.of(args[i]));
      }
    } else {
      names = List.copyOf(pattern ? s.patterns() : s.channels());
      if (names.isEmpty()) {
        confirm(s, kind, null);
        return;
      }
    }
    for (Key name : names) {
      if (pattern) {
        pubSub.punsubscribe(s, name);
      } else {
        pubSub.unsubscribe(s, name);
      }
      confirm(s, kind, name.bytes());
    }
  }

  /** {@code PUBSUB CHANNELS [pattern]}. */
  private static void channels(RespSession s, byte[][] args) {
    if (args.length > 3) {
      throw new RespException("ERR wrong number of arguments for 'pubsub|channels' command");
    }
    List<Key> channels = s.context().pubSub().channels(
        args.length == 3 ? GlobPattern.compile(args[2]) : null);
    s.reply().array(channels.size());
    for (Key c : channels) {
      s.reply().bulk(c.bytes());
    }
  }

  /** {@code PUBSUB NUMSUB [channel ...]}: channel and count pairs, flat, as Redis 7.0. */
  private static void numsub(RespSession s, byte[][] args) {
    s.reply().array(2 * (args.length - 2));
    for (int i = 2; i < args.length; i++) {
      s.reply().bulk(args[i]);
      s.reply().integer(s.context().pubSub().subscribers(Key.of(args[i])));
    }
  }
}
