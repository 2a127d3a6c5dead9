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
  private final Map<Key, Subscribers> channels = new ConcurrentHashMap<>();
  private final Map<Key, Subscribers> patterns = new ConcurrentHashMap<>();

  /** The subscribers of a channel ({@code glob} null) or of a pattern (its compiled glob). */
  private record Subscribers(GlobPattern glob, Set<RespSession> sessions) {}

  /** Subscribes {@code s} to a channel; returns whether it was not already (or is closed). */
  boolean subscribe(RespSession s, Key channel) {
    return join(channels, s.channels(), s, channel, false);
  }

  /** Unsubscribes {@code s} from a channel; returns whether it was subscribed. */
  boolean unsubscribe(RespSession s, Key channel) {
    return part(channels, s.channels(), s, channel);
  }

  /** Subscribes {@code s} to a glob pattern; returns whether it was not already. */
  boolean psubscribe(RespSession s, Key pattern) {
    return join(patterns, s.patterns(), s, pattern, true);
  }

  /** Unsubscribes {@code s} from a pattern; returns whether it was subscribed. */
  boolean punsubscribe(RespSession s, Key pattern) {
    return part(patterns, s.patterns(), s, pattern);
  }

  /**
   * Adds {@code s} under {@code name} in {@code map} (and {@code name} to {@code own}, the
   * session's set): inside one map operation, so a concurrent last unsubscription cannot drop it.
   */
  private static boolean join(Map<Key, Subscribers> map, Set<Key> own, RespSession s, Key name,
      boolean pattern) {
    if (s.isClosed() || !own.add(name)) {
      return false;
    }
    s.subscriptionsChanged(1);
    map.compute(name, (n, subs) -> {
      Subscribers to = subs != null ? subs : new Subscribers(
          pattern ? GlobPattern.compile(n.bytes()) : null, ConcurrentHashMap.newKeySet());
      to.sessions().add(s);
      return to;
    });
    return true;
  }

  /** Removes {@code s} from under {@code name}; the last one removes the name. */
  private static boolean part(Map<Key, Subscribers> map, Set<Key> own, RespSession s, Key name) {
    if (!own.remove(name)) {
      return false;
    }
    s.subscriptionsChanged(-1);
    map.computeIfPresent(name, (n, subs) -> {
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
    byte[] name = channel.bytes(); // a new array per call: taken once, shared by every delivery
    Subscribers direct = channels.get(channel);
    if (direct != null) {
      for (RespSession s : direct.sessions()) {
        s.deliver(size(channel, message), r -> {
          if (!s.channels().contains(channel)) {
            return; // unsubscribed meanwhile: Redis never sends after the confirmation
          }
          r.push(3);
          r.bulk("message");
          r.bulk(name);
          r.bulk(message);
        });
        n++;
      }
    }
    for (Map.Entry<Key, Subscribers> p : patterns.entrySet()) {
      if (!p.getValue().glob().matches(name)) {
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
          r.bulk(name);
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
    Subscribers s = channels.get(channel);
    return s == null ? 0 : s.sessions().size();
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
