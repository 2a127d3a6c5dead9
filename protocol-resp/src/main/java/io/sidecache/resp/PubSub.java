package io.sidecache.resp;

import io.sidecache.store.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Pub/Sub channels and patterns of one node, as Redis 7.0's {@code pubsub.c}: who is
 * subscribed to what, and the delivery of a published message to every subscriber of its channel
 * and of each pattern matching it. Messages go to a subscriber's connection on its own event loop
 * ({@link RespSession#deliver}), after the reply of the request it is running. A message reaches
 * the subscribers connected to this node only.
 *
 * <p>Thread-safe: each channel's subscriber set changes inside one map operation. A connection's
 * own subscriptions change on its event loop ({@code SUBSCRIBE}, or its close).
 */
final class PubSub {
  private final Map<Key, Set<RespSession>> channels = new ConcurrentHashMap<>();
  private final Map<Key, Subscribers> patterns = new ConcurrentHashMap<>();

  /** A pattern's glob and its subscribers. */
  private record Subscribers(GlobPattern glob, Set<RespSession> sessions) {}

  /** Subscribes {@code s} to a channel; returns whether it was not already (or is closed). */
  boolean subscribe(RespSession s, Key channel) {
    if (s.isClosed() || !s.channels().add(channel)) {
      return false;
    }
    s.subscriptionsChanged(1);
    channels.compute(channel, (c, set) -> {
      Set<RespSession> subs = set != null ? set : ConcurrentHashMap.newKeySet();
      subs.add(s);
      return subs;
    });
    return true;
  }

  /** Unsubscribes {@code s} from a channel; returns whether it was subscribed. */
  boolean unsubscribe(RespSession s, Key channel) {
    if (!s.channels().remove(channel)) {
      return false;
    }
    s.subscriptionsChanged(-1);
    channels.computeIfPresent(channel, (c, set) -> {
      set.remove(s);
      return set.isEmpty() ? null : set;
    });
    return true;
  }

  /** Subscribes {@code s} to a glob pattern; returns whether it was not already. */
  boolean psubscribe(RespSession s, Key pattern) {
    if (s.isClosed() || !s.patterns().add(pattern)) {
      return false;
    }
    s.subscriptionsChanged(1);
    patterns.compute(pattern, (p, subs) -> {
      Subscribers to = subs != null ? subs
          : new Subscribers(GlobPattern.compile(p.bytes()), ConcurrentHashMap.newKeySet());
      to.sessions().add(s);
      return to;
    });
    return true;
  }

  /** Unsubscribes {@code s} from a pattern; returns whether it was subscribed. */
  boolean punsubscribe(RespSession s, Key pattern) {
    if (!s.patterns().remove(pattern)) {
      return false;
    }
    s.subscriptionsChanged(-1);
    patterns.computeIfPresent(pattern, (p, subs) -> {
      subs.sessions().remove(s);
      return subs.sessions().isEmpty() ? null : subs;
    });
    return true;
  }

  /** Drops every subscription of a connection that closed. */
  void leave(RespSession s) {
    for (Key c : List.copyOf(s.channels())) {
      unsubscribe(s, c);
    }
    for (Key p : List.copyOf(s.patterns())) {
      punsubscribe(s, p);
    }
  }

  /**
   * Publishes a message: {@code message channel payload} to the channel's subscribers, {@code
   * pmessage pattern channel payload} to those of each matching pattern.
   *
   * @return the number of deliveries, as {@code PUBLISH} answers
   */
  long publish(Key channel, byte[] message) {
    long n = 0;
    Set<RespSession> direct = channels.get(channel);
    if (direct != null) {
      for (RespSession s : direct) {
        s.deliver(size(channel, message), r -> {
          if (!s.channels().contains(channel)) {
            return; // unsubscribed meanwhile: Redis never sends after the confirmation
          }
          r.push(3);
          r.bulk("message");
          r.bulk(channel.bytes());
          r.bulk(message);
        });
        n++;
      }
    }
    for (Map.Entry<Key, Subscribers> p : patterns.entrySet()) {
      if (!p.getValue().glob().matches(channel.bytes())) {
        continue;
      }
      byte[] pattern = p.getKey().bytes();
      Key patternKey = p.getKey();
      for (RespSession s : p.getValue().sessions()) {
        s.deliver(size(channel, message) + pattern.length, r -> {
          if (!s.patterns().contains(patternKey)) {
            return;
          }
          r.push(4);
          r.bulk("pmessage");
          r.bulk(pattern);
          r.bulk(channel.bytes());
          r.bulk(message);
        });
        n++;
      }
    }
    return n;
  }

  /** About the bytes a message takes on the wire, for the subscriber's output bound. */
  private static long size(Key channel, byte[] message) {
    return 40L + channel.length() + message.length;
  }

  /** {@code PUBSUB CHANNELS [pattern]}: the channels with a subscriber, matching the glob. */
  List<Key> channels(GlobPattern glob) {
    List<Key> out = new ArrayList<>();
    for (Key c : channels.keySet()) {
      if (glob == null || glob.matches(c.bytes())) {
        out.add(c);
      }
    }
    return out;
  }

  /** {@code PUBSUB NUMSUB}: the subscribers of one channel (patterns not counted). */
  int subscribers(Key channel) {
    Set<RespSession> s = channels.get(channel);
    return s == null ? 0 : s.size();
  }

  /** {@code INFO} {@code pubsub_channels}. */
  int channelCount() {
    return channels.size();
  }

  /** {@code PUBSUB NUMPAT}, {@code INFO} {@code pubsub_patterns}: patterns with a subscriber. */
  int patternCount() {
    return patterns.size();
  }
}
