package io.sidecache.memcached;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.sidecache.protocol.CommandGate;
import io.sidecache.store.CacheStore;
import io.sidecache.store.ConcatOptions;
import io.sidecache.store.CounterOptions;
import io.sidecache.store.DeleteOptions;
import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import io.sidecache.store.NotAnIntegerException;
import io.sidecache.store.SetOptions;
import io.sidecache.store.SetResult;
import io.sidecache.store.StoreException;
import io.sidecache.store.Ticker;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;

/**
 * Runs decoded memcached binary requests ({@link BinaryRequest}) against a {@link CacheStore} and
 * writes memcached 1.6's responses ({@code doc/protocol-binary.xml}, {@code proto_bin.c}).
 *
 * <p>Every response echoes the request's opcode and opaque, and carries the item's CAS where
 * memcached sends one (Get*, GAT*, Touch, Set/Add/Replace, Append/Prepend, Incr/Decr); errors,
 * Delete, Flush, NoOp, Version, Stat and SASL carry CAS 0. An error body is memcached's message
 * ({@link BinaryStatus}). Quiet opcodes suppress their success response; errors are always sent,
 * except a miss of GetQ/GetKQ/GATQ/GATKQ, which is silent. Responses of a read batch are flushed
 * together at its end, so a NoOp or any loud command after quiet ones is flushed with them.
 *
 * <p>Wire rules applied here:
 *
 * <ul>
 *   <li>expirations are exptimes ({@link MemcachedServerHandler#expiresAt}); on the binary wire
 *       they are unsigned, so never "already expired" by sign;
 *   <li>a non-zero CAS in a Set/Add/Replace header makes it a compare-and-swap, whatever the
 *       opcode; in a Delete, Append, Prepend, Incr or Decr header the item must have that CAS;
 *   <li>Incr/Decr on a missing key stores the initial value with the given expiration, unless the
 *       expiration is 0xffffffff (then "Not found"); incr wraps at 2^64, decr stops at 0;
 *   <li>Touch/GAT answer with the item after the touch; an expiration already past removes the
 *       item and answers it as it was (memcached's {@code item_touch} returns it too);
 *   <li>Incr/Decr and Append/Prepend read the item and write it back under its CAS, retrying when
 *       another write lands in between, so that the reply carries the CAS of the very write it
 *       made;
 *   <li>with SASL credentials, every command but SASL List Mechs/Auth/Step and Version needs an
 *       authenticated connection; otherwise "Auth failure." is answered and the connection closed,
 *       as memcached does.
 * </ul>
 *
 * <p>Not sharable: one instance per channel, used from its event loop only.
 */
public final class MemcachedBinaryHandler extends MemcachedRequestHandler<BinaryRequest> {
  /** The response magic byte. */
  static final int RESPONSE_MAGIC = 0x81;

  /** The Incr/Decr expiration that means "do not create a missing key". */
  static final int NO_CREATE = 0xFFFF_FFFF;

  private static final InternalLogger logger =
      InternalLoggerFactory.getInstance(MemcachedBinaryHandler.class);
  private static final byte[] VERSION = MemcachedServerHandler.VERSION.getBytes(
      StandardCharsets.US_ASCII);
  private static final byte[] AUTHENTICATED = "Authenticated".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] MECHANISMS = MemcachedSasl.MECHANISM.getBytes(
      StandardCharsets.US_ASCII);

  private final CacheStore store;
  private final Ticker ticker;
  private final int maxItemSize;
  private final DelayedFlush delayedFlush;
  private final StatsReport report;
  private final MemcachedStats stats;
  private final MemcachedSasl sasl;

  private ChannelHandlerContext ctx;
  private boolean authenticated;

  /**
   * Creates the handler of one connection.
   *
   * @param store the keyspace, must not be {@code null}
   * @param ticker the clock relative exptimes are measured from, must not be {@code null}
   * @param maxItemSizeBytes the largest value in bytes, as given to the decoder
   * @param delayedFlush the listener's pending delayed flush, must not be {@code null}
   * @param report the listener's statistics, must not be {@code null}
   * @param sasl the credentials clients must present, or {@code null} for no authentication
   * @param gate the node's gate for exclusive sections (Redis {@code EXEC}), or {@code null}
   */
  MemcachedBinaryHandler(
      CacheStore store,
      Ticker ticker,
      int maxItemSizeBytes,
      DelayedFlush delayedFlush,
      StatsReport report,
      MemcachedSasl sasl,
      CommandGate gate) {
    super(BinaryRequest.class, gate, report.commands());
    this.store = store;
    this.ticker = ticker;
    this.maxItemSize = maxItemSizeBytes;
    this.delayedFlush = delayedFlush;
    this.report = report;
    this.stats = report.stats();
    this.sasl = sasl;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    super.handlerAdded(ctx);
    this.ctx = ctx;
  }

  @Override
  protected void handle(ChannelHandlerContext ctx, BinaryRequest request) {
    time(request.opcode() == null ? "unknown" : request.opcode().label());
    try {
      BinaryRequest.Error error = request.error();
      if (error != null && error.beforeAuth()) {
        answerError(request, error);
      } else if (sasl != null && !authenticated && !exemptFromAuth(request.opcode())) {
        error(request, BinaryStatus.AUTH_ERROR);
        closeAfterReplies();
      } else if (error != null) {
        answerError(request, error);
      } else {
        run(request);
      }
    } catch (RuntimeException e) {
      // A store that throws instead of failing its stage.
      fail(request, e);
    }
  }

  /** memcached's {@code authenticated()}: the commands allowed before authentication. */
  private static boolean exemptFromAuth(BinaryOpcode opcode) {
    return opcode == BinaryOpcode.SASL_LIST_MECHS
        || opcode == BinaryOpcode.SASL_AUTH
        || opcode == BinaryOpcode.SASL_STEP
        || opcode == BinaryOpcode.VERSION;
  }

  private void answerError(BinaryRequest request, BinaryRequest.Error error) {
    timedFailed();
    if (error == BinaryRequest.Error.TOO_LARGE && request.opcode().base() == BinaryOpcode.SET) {
      // memcached unlinks the current item so that a refused Set leaves no stale value.
      await(
          store.delete(Key.of(request.key())),
          (deleted, cause) -> {
            if (cause != null) {
              fail(request, cause);
            } else {
              error(request, error.status());
            }
          });
      return;
    }
    if (error.status() != null) {
      error(request, error.status());
    }
    if (error.closes()) {
      closeAfterReplies();
    }
  }

  private void run(BinaryRequest request) {
    BinaryOpcode opcode = request.opcode();
    switch (opcode.base()) {
      case GET:
      case GETK:
        get(request);
        break;
      case TOUCH:
      case GAT:
      case GATK:
        touch(request);
        break;
      case SET:
      case ADD:
      case REPLACE:
        set(request);
        break;
      case APPEND:
      case PREPEND:
        concat(request);
        break;
      case DELETE:
        delete(request);
        break;
      case INCREMENT:
      case DECREMENT:
        arithmetic(request);
        break;
      case FLUSH:
        stats.flush();
        long delay = request.expiration() & 0xFFFF_FFFFL;
        succeedAfter(
            request, delayedFlush.flushAll(delay, ticker.millis(), ctx.executor()));
        break;
      case NOOP:
        success(request, 0);
        break;
      case VERSION:
        respond(request, BinaryStatus.SUCCESS, 0, VERSION);
        break;
      case QUIT:
        success(request, 0);
        closeAfterReplies();
        break;
      case STAT:
        stat(request);
        break;
      case SASL_LIST_MECHS:
        if (sasl == null) {
          error(request, BinaryStatus.UNKNOWN_COMMAND);
        } else {
          respond(request, BinaryStatus.SUCCESS, 0, MECHANISMS);
        }
        break;
      case SASL_AUTH:
      case SASL_STEP:
        auth(request);
        break;
      default:
        throw new IllegalStateException("opcode: " + opcode);
    }
  }

  /** Get/GetK and their quiet forms. */
  private void get(BinaryRequest request) {
    await(
        store.get(Key.of(request.key())),
        (entry, cause) -> {
          if (cause != null) {
            fail(request, cause);
            return;
          }
          stats.get(request.key(), entry != null);
          answerItem(request, entry, true);
        });
  }

  /** Touch, GAT and GATK: sets the expiration, answering with the item after the touch. */
  private void touch(BinaryRequest request) {
    CompletionStage<Entry> touched =
        store.getAndTouch(Key.of(request.key()), expiresAt(request.expiration()));
    await(
        touched,
        (entry, cause) -> {
          if (cause != null) {
            fail(request, cause);
            return;
          }
          stats.touch(entry != null);
          answerItem(request, entry, request.opcode().base() != BinaryOpcode.TOUCH);
        });
  }

  /** Answers a retrieval: flags extras, the key for GetK/GATK, the value unless Touch. */
  private void answerItem(BinaryRequest request, Entry entry, boolean withValue) {
    if (entry == null) {
      answerMiss(request);
      return;
    }
    if (withValue && entry.isChunked()) {
      // The body length is a u32: the item size limit keeps values below it.
      streamValue(store, Key.of(request.key()), entry, e -> itemHeader(request, e, true),
          () -> answerMiss(request), () -> { });
      return;
    }
    itemHeader(request, entry, withValue);
    if (withValue) {
      replies.writeValue(entry.value());
    } else {
      replies.writeThroughIfLarge();
    }
  }

  private void answerMiss(BinaryRequest request) {
    if (request.opcode().isQuiet()) {
      return;
    }
    BinaryOpcode base = request.opcode().base();
    if (base == BinaryOpcode.GETK || base == BinaryOpcode.GATK) {
      byte[] key = request.key();
      header(request, BinaryStatus.KEY_NOT_FOUND, 0, key.length, key.length, 0);
      replies.buffer().writeBytes(key);
      replies.writeThroughIfLarge();
    } else {
      error(request, BinaryStatus.KEY_NOT_FOUND);
    }
  }

  /** The header, flags and key of a hit; the value, if any, follows. */
  private void itemHeader(BinaryRequest request, Entry entry, boolean withValue) {
    BinaryOpcode base = request.opcode().base();
    boolean withKey = base == BinaryOpcode.GETK || base == BinaryOpcode.GATK;
    int keyLength = withKey ? request.key().length : 0;
    long valueLength = withValue ? entry.length() : 0;
    header(request, BinaryStatus.SUCCESS, 4, keyLength, (int) (4 + keyLength + valueLength),
        entry.cas());
    ByteBuf buf = replies.buffer();
    buf.writeInt(entry.flags());
    if (withKey) {
      buf.writeBytes(request.key());
    }
  }

  /** Set/Add/Replace, a compare-and-swap when the header carries a CAS. */
  private void set(BinaryRequest request) {
    BinaryOpcode base = request.opcode().base();
    SetOptions.Builder options =
        SetOptions.builder().flags(request.flags()).expiresAt(expiresAt(request.expiration()));
    boolean cas = request.cas() != 0;
    if (cas) {
      options.ifCas(request.cas());
    } else if (base == BinaryOpcode.ADD) {
      options.ifAbsent();
    } else if (base == BinaryOpcode.REPLACE) {
      options.ifPresent();
    }
    stats.set(request.key());
    await(
        store.set(Key.of(request.key()), request.value(), options.build()),
        (result, cause) -> {
          if (cause != null) {
            fail(request, cause);
            return;
          }
          SetResult.Outcome outcome = result.outcome();
          if (cas) {
            stats.cas(outcome == SetResult.Outcome.STORED, outcome == SetResult.Outcome.EXISTS);
          }
          switch (outcome) {
            case STORED:
              success(request, result.current() == null ? 0 : result.current().cas());
              break;
            case EXISTS:
              error(request, BinaryStatus.KEY_EXISTS);
              break;
            case NOT_FOUND:
              error(request, BinaryStatus.KEY_NOT_FOUND);
              break;
            case NOT_STORED:
              error(
                  request,
                  base == BinaryOpcode.ADD
                      ? BinaryStatus.KEY_EXISTS
                      : base == BinaryOpcode.REPLACE
                          ? BinaryStatus.KEY_NOT_FOUND
                          : BinaryStatus.NOT_STORED);
              break;
            default:
              throw new IllegalStateException("outcome: " + outcome);
          }
        });
  }

  /** Delete; with a CAS in the header, only an item of that CAS is deleted (one store step). */
  private void delete(BinaryRequest request) {
    Key key = Key.of(request.key());
    if (request.cas() == 0) {
      await(
          store.delete(key),
          (deleted, cause) -> {
            if (cause != null) {
              fail(request, cause);
              return;
            }
            stats.delete(request.key(), deleted);
            if (deleted) {
              success(request, 0);
            } else {
              error(request, BinaryStatus.KEY_NOT_FOUND);
            }
          });
      return;
    }
    await(
        store.delete(key, new DeleteOptions(true, request.cas(), false, CacheStore.NOT_SET)),
        (outcome, cause) -> {
          if (cause != null) {
            fail(request, cause);
            return;
          }
          stats.delete(request.key(), outcome == SetResult.Outcome.STORED);
          if (outcome == SetResult.Outcome.STORED) {
            success(request, 0);
          } else {
            error(request, refused(outcome));
          }
        });
  }

  /** The status of a refused CAS-checked change: the CAS differed, or the item is missing. */
  private static BinaryStatus refused(SetResult.Outcome outcome) {
    return outcome == SetResult.Outcome.EXISTS
        ? BinaryStatus.KEY_EXISTS : BinaryStatus.KEY_NOT_FOUND;
  }

  /** Append/Prepend: the item's flags and expiry are kept; a missing item is "Not stored.". */
  private void concat(BinaryRequest request) {
    stats.set(request.key());
    boolean prepend = request.opcode().base() == BinaryOpcode.PREPEND;
    await(
        store.concat(Key.of(request.key()), request.value(),
            ConcatOptions.memcached(prepend, request.cas(), maxItemSize)),
        (result, cause) -> {
          if (cause != null) {
            fail(request, cause);
          } else if (result.stored()) {
            success(request, result.cas());
          } else {
            error(request, result.outcome() == SetResult.Outcome.EXISTS
                ? BinaryStatus.KEY_EXISTS : BinaryStatus.NOT_STORED);
          }
        });
  }

  /**
   * Incr/Decr, unsigned 64-bit as memcached: a missing item is created with the initial value
   * and the expiration unless the expiration is {@link #NO_CREATE}; the CAS is checked on an
   * existing item. One store operation.
   */
  private void arithmetic(BinaryRequest request) {
    boolean decrement = request.opcode().base() == BinaryOpcode.DECREMENT;
    CounterOptions options = new CounterOptions(request.cas() != 0, request.cas(),
        request.expiration() == NO_CREATE ? CacheStore.NOT_SET : expiresAt(request.expiration()),
        request.initial(), CacheStore.NOT_SET);
    await(
        store.incrementUnsigned(Key.of(request.key()), request.delta(), decrement, options),
        (result, cause) -> {
          if (cause != null) {
            fail(request, cause);
            return;
          }
          stats.arithmetic(decrement, result.outcome() == SetResult.Outcome.STORED
              && !result.created());
          if (result.outcome() != SetResult.Outcome.STORED) {
            error(request, refused(result.outcome()));
          } else if (!request.opcode().isQuiet()) {
            header(request, BinaryStatus.SUCCESS, 0, 0, 8,
                result.entry() == null ? 0 : result.entry().cas());
            replies.buffer().writeLong(result.value());
            replies.writeThroughIfLarge();
          }
        });
  }

  /** Stat: one response per statistic (key = name, value = value), then an empty one. */
  private void stat(BinaryRequest request) {
    String group = new String(request.key(), StandardCharsets.US_ASCII);
    if (group.equals("reset")) {
      stats.reset();
      report.commands().reset();
    } else if (group.equals("detail") || group.startsWith("detail ")) {
      // memcached process_bin_stat: "detail on|off" and a bare "detail" answer the end packet,
      // "detail dump" one "detailed" statistic holding the text dump, anything else Not found.
      String arg = group.length() > 7 ? group.substring(7) : "";
      switch (arg) {
        case "on" -> stats.prefixes().enabled(true);
        case "off" -> stats.prefixes().enabled(false);
        case "" -> { }
        case "dump" -> {
          byte[] k = "detailed".getBytes(StandardCharsets.US_ASCII);
          byte[] v = stats.prefixes().dump().getBytes(StandardCharsets.ISO_8859_1);
          header(request, BinaryStatus.SUCCESS, 0, k.length, k.length + v.length, 0);
          replies.buffer().writeBytes(k).writeBytes(v);
        }
        default -> {
          error(request, BinaryStatus.KEY_NOT_FOUND);
          return;
        }
      }
    } else {
      int port = ctx.channel().localAddress() instanceof InetSocketAddress address
          ? address.getPort() : 0;
      boolean known =
          report.write(
              group,
              port,
              (name, value) -> {
                byte[] k = name.getBytes(StandardCharsets.US_ASCII);
                byte[] v = value.getBytes(StandardCharsets.US_ASCII);
                header(request, BinaryStatus.SUCCESS, 0, k.length, k.length + v.length, 0);
                replies.buffer().writeBytes(k).writeBytes(v);
              });
      if (!known) {
        error(request, BinaryStatus.KEY_NOT_FOUND);
        return;
      }
    }
    header(request, BinaryStatus.SUCCESS, 0, 0, 0, 0);
    replies.writeThroughIfLarge();
  }

  /** SASL Auth/Step with the PLAIN mechanism, which completes in one step. */
  private void auth(BinaryRequest request) {
    if (sasl == null) {
      error(request, BinaryStatus.UNKNOWN_COMMAND);
      return;
    }
    boolean ok =
        request.opcode() == BinaryOpcode.SASL_AUTH
            && MemcachedSasl.isPlain(request.key())
            && sasl.checkPlain(request.value());
    stats.auth(ok);
    if (ok) {
      authenticated = true;
      respond(request, BinaryStatus.SUCCESS, 0, AUTHENTICATED);
    } else {
      error(request, BinaryStatus.AUTH_ERROR);
    }
  }

  private long expiresAt(int expiration) {
    return MemcachedServerHandler.expiresAt(expiration & 0xFFFF_FFFFL, ticker.millis());
  }

  /** Answers success without a body once {@code stage} completes, or its failure. */
  private void succeedAfter(BinaryRequest request, CompletionStage<?> stage) {
    await(
        stage,
        (ignored, cause) -> {
          if (cause != null) {
            fail(request, cause);
          } else {
            success(request, 0);
          }
        });
  }

  /** Maps a store failure to its status: the one place where exceptions become responses. */
  private void fail(BinaryRequest request, Throwable cause) {
    timedFailed();
    if (cause instanceof NotAnIntegerException) {
      error(request, BinaryStatus.NON_NUMERIC);
      return;
    }
    if (!(cause instanceof StoreException)) {
      logger.warn("{}: memcached binary {} failed", ctx.channel(), request, cause);
    }
    error(request, BinaryStatus.OUT_OF_MEMORY);
  }

  /** A success without extras, key or body; suppressed for a quiet opcode. */
  private void success(BinaryRequest request, long cas) {
    if (!request.opcode().isQuiet()) {
      header(request, BinaryStatus.SUCCESS, 0, 0, 0, cas);
      replies.writeThroughIfLarge();
    }
  }

  /** An error with memcached's message; sent even for a quiet opcode. */
  private void error(BinaryRequest request, BinaryStatus status) {
    respond(request, status, 0, status.message());
  }

  private void respond(BinaryRequest request, BinaryStatus status, long cas, byte[] body) {
    header(request, status, 0, 0, body.length, cas);
    replies.buffer().writeBytes(body);
    replies.writeThroughIfLarge();
  }

  private void header(
      BinaryRequest request, BinaryStatus status, int extras, int key, int body, long cas) {
    replies
        .buffer()
        .writeByte(RESPONSE_MAGIC)
        .writeByte(request.rawOpcode())
        .writeShort(key)
        .writeByte(extras)
        .writeByte(0)
        .writeShort(status.code())
        .writeInt(body)
        .writeInt(request.opaque())
        .writeLong(cas);
  }
}
