package io.sidecache.memcached;

import io.netty.buffer.ByteBuf;
import io.sidecache.store.CacheStore;
import io.sidecache.store.ConcatOptions;
import io.sidecache.store.ConcatResult;
import io.sidecache.store.CounterOptions;
import io.sidecache.store.DeleteOptions;
import io.sidecache.store.Entry;
import io.sidecache.store.FetchOptions;
import io.sidecache.store.FetchResult;
import io.sidecache.store.Key;
import io.sidecache.store.SetOptions;
import io.sidecache.store.SetResult;
import java.util.concurrent.CompletionStage;

/**
 * The bodies of memcached's meta commands (protocol.txt, "Meta Commands"): {@code mg}, {@code
 * ms}, {@code md}, {@code ma} and {@code me}; {@code mn} is answered by the dispatcher. Return
 * flags are written by the connection's one {@link MetaReturn}. Each runs one decoded {@link
 * TextRequest} on the connection's {@link MemcachedServerHandler}. Called on the connection's
 * event loop only.
 */
final class MetaCommands {
  private MetaCommands() {}

  /** A meta exptime flag as an absolute time, or {@link CacheStore#NOT_SET} when not given. */
  private static long time(MetaFlags flags, char flag, long exptime, long now) {
    return flags.has(flag) ? MemcachedServerHandler.expiresAt(exptime, now) : CacheStore.NOT_SET;
  }

  /**
   * The remaining time to live in whole seconds, rounded up, or -1 without expiry (memcached meta
   * {@code t}).
   */
  private static long ttlSeconds(Entry entry, long now) {
    if (!entry.hasExpiry()) {
      return -1;
    }
    return Math.max(0, (entry.expiresAt() - now + 999) / 1000);
  }

  /**
   * {@code mg}: a hit answers {@code VA <size>} with the value ({@code v}) or {@code HD}, then the
   * return flags in request order and {@code Z}, {@code X}, {@code W} as memcached appends them;
   * a miss answers {@code EN} (suppressed by {@code q}) with only {@code O} and {@code k}.
   */
  static void get(MemcachedServerHandler h, TextRequest request) {
    MetaFlags f = request.meta();
    byte[] key = request.key();
    long now = h.ticker().millis();
    FetchOptions options =
        new FetchOptions(
            time(f, 'T', f.ttl(), now),
            time(f, 'N', f.vivifyTtl(), now),
            time(f, 'R', f.recacheTtl(), now),
            !f.has('u'));
    h.whenDone(
        h.store().fetch(Key.of(key), options),
        (result, cause) -> {
          if (cause != null) {
            h.fail(request, cause);
            return;
          }
          if (result == null) {
            status(h, request, TextReplies.META_EN, f.quiet());
            return;
          }
          Entry entry = result.entry();
          if (!f.has('v')) {
            hitHeader(h, f, key, result, entry, now);
            h.writeThroughIfLarge();
          } else if (!entry.isChunked()) {
            hitHeader(h, f, key, result, entry, now);
            h.writeData(entry.value());
          } else {
            h.streamValue(h.store(), Key.of(key), entry, e -> hitHeader(h, f, key, result, e, now),
                () -> status(h, request, TextReplies.META_EN, f.quiet()),
                () -> h.buffer().writeBytes(TextReplies.CRLF));
          }
        });
  }

  /** The {@code VA}/{@code HD} line of an {@code mg} hit, with its return flags. */
  private static void hitHeader(MemcachedServerHandler h, MetaFlags f, byte[] key,
      FetchResult result, Entry entry, long now) {
    ByteBuf buf = h.buffer();
    if (f.has('v')) {
      buf.writeBytes(TextReplies.META_VA);
      TextReplies.writeUnsignedDecimal(buf, entry.length());
    } else {
      buf.writeBytes(TextReplies.META_HD);
    }
    h.metaReturn().clear().size(entry.length()).ttl(ttlSeconds(entry, now)).cas(entry.cas())
        .clientFlags(entry.flags() & 0xFFFF_FFFFL)
        .lastAccess(Entry.secondsSinceAccess(result.accessBefore(), now))
        .hit(Entry.isFetched(result.accessBefore()))
        .write(buf, key, f);
    if (result.tokenAlreadySent()) {
      buf.writeBytes(TextReplies.META_Z);
    }
    if (entry.isStale()) {
      buf.writeBytes(TextReplies.META_X);
    }
    if (result.won()) {
      buf.writeBytes(TextReplies.META_W);
    }
    buf.writeBytes(TextReplies.CRLF);
  }

  /**
   * Writes a status line made of {@code status} and the echoed {@code O}/{@code k} flags, unless
   * {@code suppress} (the request's {@code q} applied to a nominal status).
   */
  private static void status(MemcachedServerHandler h, TextRequest request, byte[] status,
      boolean suppress) {
    if (suppress) {
      return;
    }
    ByteBuf buf = h.buffer();
    buf.writeBytes(status);
    h.metaReturn().clear().write(buf, request.key(), request.meta());
    buf.writeBytes(TextReplies.CRLF);
    h.writeThroughIfLarge();
  }

  /**
   * {@code ms}: mode {@code S} (set, default), {@code E} (add), {@code R} (replace), {@code A}
   * (append), {@code P} (prepend); {@code C} turns set and replace into compare-and-swap, with
   * {@code I} a compare against an older CAS stores the value as stale. Answers {@code HD}
   * (suppressed by {@code q}), {@code NS}, {@code EX} or {@code NF}, with {@code O}, {@code k} and
   * {@code c} (the new CAS, 0 when nothing was stored) in request order.
   */
  static void set(MemcachedServerHandler h, TextRequest request) {
    MetaFlags f = request.meta();
    Key key = Key.of(request.key());
    byte mode = f.mode();
    CompletionStage<ConcatResult> write;
    if (mode == 'A' || mode == 'P') {
      // The item's flags and expiry are kept; with C its CAS must match (one store operation).
      write = h.store().concat(key, request.data(),
          ConcatOptions.memcached(mode == 'P', f.has('C') ? f.compareCas() : 0, h.maxItemSize()));
    } else {
      write = h.store().set(key, request.data(), setOptions(h, f))
          .thenApply(MetaCommands::concatResult);
    }
    replySet(h, request, write);
  }

  /** The write an {@code ms} in mode set, add or replace makes (protocol.txt, "Meta Set"). */
  static SetOptions setOptions(MemcachedServerHandler h, MetaFlags f) {
    SetOptions.Builder options =
        SetOptions.builder()
            .flags(f.clientFlags())
            .expiresAt(f.has('T')
                ? MemcachedServerHandler.expiresAt(f.ttl(), h.ticker().millis())
                : Entry.NO_EXPIRY);
    byte mode = f.mode();
    if (mode == 'E') {
      options.ifAbsent();
    } else if (f.has('C')) {
      options.ifCas(f.compareCas());
      if (f.has('I')) {
        options.staleIfCasOlder();
      }
    } else if (mode == 'R') {
      options.ifPresent();
    }
    return options.build();
  }

  /** A set's outcome with the new CAS, in the shape an append's has. */
  static ConcatResult concatResult(SetResult r) {
    return new ConcatResult(r.outcome(), 0, r.current() == null ? 0 : r.current().cas());
  }

  /** Answers an {@code ms}: the status and its return flags. */
  static void replySet(MemcachedServerHandler h, TextRequest request,
      CompletionStage<ConcatResult> write) {
    MetaFlags f = request.meta();
    h.whenDone(
        write,
        (result, cause) -> {
          if (cause != null) {
            h.fail(request, cause);
            return;
          }
          SetResult.Outcome outcome = result.outcome();
          if (outcome == SetResult.Outcome.STORED && f.quiet()) {
            return;
          }
          ByteBuf buf = h.buffer();
          buf.writeBytes(outcome(outcome));
          h.metaReturn().clear().cas(result.cas()).write(buf, request.key(), f);
          buf.writeBytes(TextReplies.CRLF);
          h.writeThroughIfLarge();
        });
  }

  private static byte[] outcome(SetResult.Outcome outcome) {
    switch (outcome) {
      case STORED:
        return TextReplies.META_HD;
      case NOT_STORED:
        return TextReplies.META_NS;
      case EXISTS:
        return TextReplies.META_EX;
      case NOT_FOUND:
        return TextReplies.META_NF;
      default:
        throw new IllegalStateException("outcome: " + outcome);
    }
  }

  /**
   * {@code md}: delete, only if {@code C} matches; with {@code I} mark the item stale (and give it
   * the {@code T} exptime) instead. {@code HD} (suppressed by {@code q}), {@code NF}, {@code EX}.
   */
  static void delete(MemcachedServerHandler h, TextRequest request) {
    MetaFlags f = request.meta();
    DeleteOptions options =
        new DeleteOptions(
            f.has('C'),
            f.compareCas(),
            f.has('I'),
            f.has('I') ? time(f, 'T', f.ttl(), h.ticker().millis()) : CacheStore.NOT_SET);
    h.whenDone(
        h.store().delete(Key.of(request.key()), options),
        (outcome, cause) -> {
          if (cause != null) {
            h.fail(request, cause);
          } else {
            status(h, 
                request,
                outcome(outcome),
                outcome == SetResult.Outcome.STORED && f.quiet());
          }
        });
  }

  /**
   * {@code ma}: incr (mode {@code I}/{@code +}, default) or decr ({@code D}/{@code -}) by {@code D}
   * (default 1); {@code N} creates a missing counter at {@code J}; {@code C} compares the CAS;
   * {@code T} sets a new exptime on success. Answers {@code HD} or, with {@code v}, {@code VA} and
   * the value (both suppressed by {@code q}), with {@code c}, {@code t}, {@code O}, {@code k} in
   * request order; {@code NF} or {@code EX} with {@code O} and {@code k}.
   */
  static void arithmetic(MemcachedServerHandler h, TextRequest request) {
    MetaFlags f = request.meta();
    long now = h.ticker().millis();
    CounterOptions options =
        new CounterOptions(
            f.has('C'),
            f.compareCas(),
            time(f, 'N', f.vivifyTtl(), now),
            f.initial(),
            time(f, 'T', f.ttl(), now));
    boolean decrement = f.mode() == 'D' || f.mode() == '-';
    h.whenDone(
        h.store().incrementUnsigned(Key.of(request.key()), f.delta(), decrement, options),
        (result, cause) -> {
          if (cause != null) {
            h.fail(request, cause);
            return;
          }
          if (result.outcome() != SetResult.Outcome.STORED) {
            status(h, request, outcome(result.outcome()), false);
            return;
          }
          if (f.quiet()) {
            return;
          }
          byte[] value = result.entry().value();
          ByteBuf buf = h.buffer();
          if (f.has('v')) {
            buf.writeBytes(TextReplies.META_VA);
            TextReplies.writeUnsignedDecimal(buf, value.length);
          } else {
            buf.writeBytes(TextReplies.META_HD);
          }
          h.metaReturn().clear().cas(result.entry().cas()).ttl(ttlSeconds(result.entry(), now))
              .write(buf, request.key(), f);
          buf.writeBytes(TextReplies.CRLF);
          if (f.has('v')) {
            buf.writeBytes(value).writeBytes(TextReplies.CRLF);
          }
          h.writeThroughIfLarge();
        });
  }

  /**
   * {@code me}: {@code ME <key> exp=<e> la=<s> cas=<cas> fetch=<yes|no>} for a live item, without
   * recording an access; {@code EN} otherwise. {@code exp} is memcached's: -1 without expiry,
   * otherwise now minus the expiry time (negative while the item lives). memcached also prints its
   * slab class and item size in its own memory layout ({@code cls=}, {@code size=}), which have
   * no counterpart here and are left out.
   */
  static void debug(MemcachedServerHandler h, TextRequest request) {
    long now = h.ticker().millis();
    h.whenDone(
        h.store().fetch(Key.of(request.key()), FetchOptions.PEEK),
        (result, cause) -> {
          if (cause != null) {
            h.fail(request, cause);
            return;
          }
          if (result == null) {
            h.reply(request, TextReplies.META_EN_LINE);
            return;
          }
          Entry entry = result.entry();
          ByteBuf buf = h.buffer();
          buf.writeBytes(TextReplies.META_ME);
          buf.writeBytes(
              request.meta().base64Key()
                  ? java.util.Base64.getEncoder().encode(request.key())
                  : request.key());
          buf.writeBytes(TextReplies.META_EXP);
          if (entry.hasExpiry()) {
            buf.writeByte('-');
            TextReplies.writeUnsignedDecimal(buf, ttlSeconds(entry, now));
          } else {
            buf.writeByte('-').writeByte('1');
          }
          buf.writeBytes(TextReplies.META_LA);
          TextReplies.writeUnsignedDecimal(
              buf, Entry.secondsSinceAccess(result.accessBefore(), now));
          buf.writeBytes(TextReplies.META_CAS);
          TextReplies.writeUnsignedDecimal(buf, entry.cas());
          buf.writeBytes(
              Entry.isFetched(result.accessBefore())
                  ? TextReplies.META_FETCH_YES
                  : TextReplies.META_FETCH_NO);
          h.writeThroughIfLarge();
        });
  }
}
