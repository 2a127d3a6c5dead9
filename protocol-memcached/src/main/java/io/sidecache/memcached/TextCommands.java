package io.sidecache.memcached;

import io.netty.buffer.ByteBuf;
import io.sidecache.protocol.Stages;
import io.sidecache.store.ConcatOptions;
import io.sidecache.store.Entry;
import io.sidecache.store.ExpireCondition;
import io.sidecache.store.Key;
import io.sidecache.store.SetOptions;
import io.sidecache.store.SetResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The bodies of memcached's classic text commands (protocol.txt): retrieval ({@code get},
 * {@code gets}, {@code gat}, {@code gats}), storage ({@code set}, {@code add}, {@code replace},
 * {@code cas}, {@code append}, {@code prepend}), {@code delete}, {@code incr}/{@code decr},
 * {@code touch}, {@code flush_all} and {@code stats}. Each runs one decoded {@link TextRequest} on
 * the connection's {@link MemcachedServerHandler}, which dispatches to it, owns the reply buffer
 * and turns store failures into wire errors. Called on the connection's event loop only.
 */
final class TextCommands {
  private static final byte[] STAT = "STAT ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] RESET = TextReplies.line("RESET");
  private static final byte[] STATS_DETAIL_USAGE =
      TextReplies.line("CLIENT_ERROR usage: stats detail on|off|dump");

  private TextCommands() {}

  /** {@code gat}/{@code gats}: a retrieval that also sets each hit's exptime. */
  static void getAndTouch(MemcachedServerHandler h, TextRequest request) {
    long expiresAt = MemcachedServerHandler.expiresAt(request.exptime(), h.ticker().millis());
    retrieve(h, request, key -> h.store().getAndTouch(key, expiresAt));
  }

  /**
   * {@code get}/{@code gets}/{@code gat}/{@code gats}: every key's read combined into one stage,
   * answered in key order; a long line comes in parts, each answered in turn.
   */
  static void retrieve(MemcachedServerHandler h, TextRequest request,
      Function<Key, CompletionStage<Entry>> read) {
    boolean withCas = request.verb() == TextVerb.GETS || request.verb() == TextVerb.GATS;
    byte[][] keys = request.keys();
    // A part of a long line that more parts follow ends without END (MemcachedTextDecoder).
    Runnable end = request.continued() ? () -> { } : () -> h.reply(request, TextReplies.END);
    if (keys.length == 0) {
      end.run();
      return;
    }
    CompletionStage<List<Entry>> reads;
    if (keys.length == 1) {
      reads = read.apply(Key.of(keys[0])).thenApply(java.util.Collections::singletonList);
    } else {
      List<CompletionStage<Entry>> each = new ArrayList<>(keys.length);
      for (byte[] key : keys) {
        each.add(read.apply(Key.of(key)));
      }
      reads = Stages.all(each);
    }
    h.whenDone(
        reads,
        (entries, cause) -> {
          if (cause != null) {
            h.fail(request, cause);
            return;
          }
          writeValues(h, keys, entries, 0, withCas, end);
        });
  }

  /**
   * Writes the {@code VALUE} items of the entries found from key {@code from} on, in key order;
   * a chunked value is streamed and the next item follows when it is done; then runs {@code end}.
   */
  private static void writeValues(MemcachedServerHandler h, byte[][] keys, List<Entry> entries,
      int from, boolean withCas, Runnable end) {
    for (int i = from; i < keys.length; i++) {
      Entry entry = entries.get(i);
      h.stats().get(keys[i], entry != null);
      if (entry == null) {
        continue;
      }
      if (entry.isChunked()) {
        byte[] key = keys[i];
        int after = i + 1;
        Runnable next = () -> writeValues(h, keys, entries, after, withCas, end);
        h.streamValue(h.store(), Key.of(key), entry,
            e -> TextReplies.writeValueHeader(h.buffer(), key, e, withCas), next, () -> {
              h.buffer().writeBytes(TextReplies.CRLF);
              next.run();
            });
        return;
      }
      h.writeValue(keys[i], entry, withCas);
    }
    end.run();
  }

  /** {@code set}/{@code add}/{@code replace}/{@code cas}: one conditional write. */
  static void set(MemcachedServerHandler h, TextRequest request) {
    store(h, request,
        h.store().set(Key.of(request.key()), request.data(), storageOptions(h, request)));
  }

  /** The condition, flags and expiry of a storage command (protocol.txt, "Storage commands"). */
  static SetOptions storageOptions(MemcachedServerHandler h, TextRequest request) {
    SetOptions.Builder options =
        SetOptions.builder()
            .flags(request.flags())
            .expiresAt(MemcachedServerHandler.expiresAt(request.exptime(), h.ticker().millis()));
    switch (request.verb()) {
      case ADD:
        options.ifAbsent();
        break;
      case REPLACE:
        options.ifPresent();
        break;
      case CAS:
        options.ifCas(request.number());
        break;
      default:
        break;
    }
    return options.build();
  }

  /** Answers a storage command's write, in heap or streamed. */
  static void store(MemcachedServerHandler h, TextRequest request,
      CompletionStage<SetResult> written) {
    h.stats().set(request.key());
    boolean cas = request.verb() == TextVerb.CAS;
    h.replyLine(
        request,
        written,
        result -> {
          if (cas) {
            h.stats().cas(result.stored(), result.outcome() == SetResult.Outcome.EXISTS);
          }
          return outcomeLine(result.outcome());
        });
  }

  private static byte[] outcomeLine(SetResult.Outcome outcome) {
    switch (outcome) {
      case STORED:
        return TextReplies.STORED;
      case NOT_STORED:
        return TextReplies.NOT_STORED;
      case EXISTS:
        return TextReplies.EXISTS;
      case NOT_FOUND:
        return TextReplies.NOT_FOUND;
      default:
        throw new IllegalStateException("outcome: " + outcome);
    }
  }

  /**
   * {@code append}/{@code prepend}: the item's flags and expiry are kept (the request's are
   * ignored, as in memcached); a result over the item size limit is not stored. One store step.
   */
  static void concat(MemcachedServerHandler h, TextRequest request) {
    h.stats().set(request.key());
    h.replyLine(
        request,
        h.store().concat(Key.of(request.key()), request.data(),
            ConcatOptions.memcached(request.verb() == TextVerb.PREPEND, 0, h.maxItemSize())),
        result -> result.stored() ? TextReplies.STORED : TextReplies.NOT_STORED);
  }

  static void delete(MemcachedServerHandler h, TextRequest request) {
    h.replyLine(
        request,
        h.store().delete(Key.of(request.key())),
        deleted -> {
          h.stats().delete(request.key(), deleted);
          return deleted ? TextReplies.DELETED : TextReplies.NOT_FOUND;
        });
  }

  /** {@code incr}/{@code decr}: unsigned 64-bit, wrapping on incr, stopping at 0 on decr. */
  static void arithmetic(MemcachedServerHandler h, TextRequest request) {
    boolean decrement = request.verb() == TextVerb.DECR;
    h.whenDone(
        h.store().incrementUnsigned(Key.of(request.key()), request.number(), decrement),
        (value, cause) -> {
          if (cause == null) {
            h.stats().arithmetic(decrement, value != null);
          }
          if (cause != null) {
            h.fail(request, cause);
          } else if (value == null) {
            h.reply(request, TextReplies.NOT_FOUND);
          } else if (!request.noreply()) {
            TextReplies.writeNumberLine(h.buffer(), value);
            h.writeThroughIfLarge();
          }
        });
  }

  static void touch(MemcachedServerHandler h, TextRequest request) {
    long expiresAt = MemcachedServerHandler.expiresAt(request.exptime(), h.ticker().millis());
    h.replyLine(
        request,
        h.store().expire(Key.of(request.key()), expiresAt, ExpireCondition.ALWAYS),
        existed -> {
          h.stats().touch(existed);
          return existed ? TextReplies.TOUCHED : TextReplies.NOT_FOUND;
        });
  }

  /** {@code flush_all [delay]}: a delay in exptime form schedules the flush, 0 or less runs it. */
  static void flushAll(MemcachedServerHandler h, TextRequest request) {
    h.stats().flush();
    h.replyLine(
        request,
        h.delayedFlush().flushAll(request.number(), h.ticker().millis(), h.executor()),
        ignored -> TextReplies.OK);
  }

  /**
   * {@code stats [group]}: {@code STAT <name> <value>} lines then {@code END}; {@code reset}
   * answers {@code RESET}; an unknown group {@code ERROR} (memcached {@code process_stat}).
   */
  static void stats(MemcachedServerHandler h, TextRequest request) {
    String group = request.keys().length == 0
        ? "" : new String(request.key(), StandardCharsets.US_ASCII);
    if (group.equals("reset")) {
      h.stats().reset();
      h.report().commands().reset();
      h.reply(request, RESET);
      return;
    }
    if (group.equals("detail")) {
      statsDetail(h, request);
      return;
    }
    int port = h.localPort();
    ByteBuf buf = h.buffer();
    int mark = buf.writerIndex();
    boolean known = h.report().write(group, port, (name, value) -> h.buffer().writeBytes(STAT)
        .writeCharSequence(name + ' ' + value + "\r\n", StandardCharsets.US_ASCII));
    if (!known) {
      buf.writerIndex(mark);
      h.reply(request, TextError.UNKNOWN_COMMAND.reply());
      return;
    }
    h.reply(request, TextReplies.END);
  }

  /**
   * {@code stats detail on|off|dump} (memcached {@code process_stat_detail}): {@code OK}, or the
   * {@code PREFIX} lines and {@code END}; anything else the usage error.
   */
  private static void statsDetail(MemcachedServerHandler h, TextRequest request) {
    // Words after the subcommand are ignored, as memcached does.
    String arg = request.keys().length >= 2
        ? new String(request.keys()[1], StandardCharsets.US_ASCII) : "";
    switch (arg) {
      case "on" -> {
        h.stats().prefixes().enabled(true);
        h.reply(request, TextReplies.OK);
      }
      case "off" -> {
        h.stats().prefixes().enabled(false);
        h.reply(request, TextReplies.OK);
      }
      case "dump" -> h.buffer().writeCharSequence(h.stats().prefixes().dump(),
          StandardCharsets.ISO_8859_1);
      default -> h.reply(request, STATS_DETAIL_USAGE);
    }
  }
}
