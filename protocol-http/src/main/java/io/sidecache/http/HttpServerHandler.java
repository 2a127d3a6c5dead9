package io.sidecache.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpContentException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.sidecache.protocol.CommandGate;
import io.sidecache.protocol.PipelinedRequestHandler;
import io.sidecache.protocol.StreamPart;
import io.sidecache.protocol.StreamedUpload;
import io.sidecache.store.CacheStore;
import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import io.sidecache.store.SetOptions;
import io.sidecache.store.StoreException;
import io.sidecache.store.ValueSlice;
import io.sidecache.store.ValueWriter;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Answers the HTTP/1.1 requests of one connection from a {@link CacheStore}, in request order.
 *
 * <p>Resources:
 *
 * <ul>
 *   <li>{@code /cache/{key}}: {@code GET} (200 with the value as {@code application/octet-stream},
 *       or 206 for one {@code Range}, 416 when unsatisfiable, see {@link ByteRange}), {@code HEAD}
 *       (the headers of the whole-value {@code GET}, {@code Range} ignored as RFC 9110 §14.2
 *       requires for methods other than {@code GET}), {@code PUT} (the body becomes the value:
 *       201 when the key was absent, 204 when it replaced a value, as RFC 9110 §9.3.4 requires),
 *       {@code DELETE} (204, or 404 when absent). A missing key is 404; any other method 405 with
 *       {@code Allow}.
 *   <li>{@code /health}: {@code GET} and {@code HEAD}, 200 {@code {"status":"UP"}}.
 *   <li>Any other path: 404.
 * </ul>
 *
 * <p>The key is everything in the path after {@code /cache/}, slashes included, percent-decoded to
 * raw bytes (see {@link RequestTarget#decodePath}): any binary key is reachable by encoding its
 * bytes. An empty key or bad percent-encoding is 400. The query is ignored.
 *
 * <p>Failures: a request the decoder could not parse is 400 (414 for a too long request line, RFC
 * 9110 §15.5.15; 431 for too large headers, RFC 6585 §5) and closes the connection, since the
 * decoder cannot find the next request; a too large body is 413 (RFC 9110 §15.5.14), in order,
 * see {@link InOrderHttpObjectAggregator}; a failed store operation is 500 with a short text body
 * (see {@link #storeFailure}). Persistent connections follow RFC 9112 §9.3 ({@link
 * HttpUtil#isKeepAlive}): after a response to {@code Connection: close}, or to HTTP/1.0 without
 * {@code keep-alive}, the connection closes. An HTTP/1.0 request is answered as HTTP/1.0 (so that
 * {@code Connection: keep-alive} is echoed), any later 1.x as HTTP/1.1 (RFC 9112 §2.3); another
 * major version gets 505 (RFC 9110 §15.6.6) and the connection closes.
 *
 * <p>Not sharable: one instance per channel, used only from its event loop.
 */
public final class HttpServerHandler extends PipelinedRequestHandler<HttpObject> {
  private static final InternalLogger logger =
      InternalLoggerFactory.getInstance(HttpServerHandler.class);

  /** Path prefix of the cache resources; the key follows it. */
  static final String CACHE_PREFIX = "/cache/";

  /** Path of the health resource. */
  static final String HEALTH_PATH = "/health";

  static final String CACHE_ALLOW = "GET, HEAD, PUT, DELETE";
  static final String HEALTH_ALLOW = "GET, HEAD";

  private final CacheStore store;
  private final long maxBody;
  // A PUT whose body streams in: its store writer (the base class feeds it), its exchange, the
  // bytes so far, whether the key existed.
  private ValueWriter writer;
  private Exchange uploadExchange;
  private long uploaded;
  private boolean uploadExisted;

  /**
   * Creates the handler of one connection.
   *
   * @param store the store to read and write, must not be {@code null}
   * @throws NullPointerException if {@code store} is {@code null}
   */
  public HttpServerHandler(CacheStore store) {
    this(store, null);
  }

  /**
   * Creates the handler of one connection that holds requests while {@code gate} is closed.
   *
   * @param store the store to read and write, must not be {@code null}
   * @param gate the node's gate for exclusive sections (Redis {@code EXEC}), or {@code null}
   * @throws NullPointerException if {@code store} is {@code null}
   */
  public HttpServerHandler(CacheStore store, CommandGate gate) {
    this(store, gate, Long.MAX_VALUE);
  }

  /**
   * Creates the handler of one connection, bounding streamed {@code PUT} bodies.
   *
   * @param store the store to read and write, must not be {@code null}
   * @param gate the node's gate for exclusive sections (Redis {@code EXEC}), or {@code null}
   * @param maxBody the longest body a streamed {@code PUT} of unknown length may have, in bytes
   * @throws NullPointerException if {@code store} is {@code null}
   */
  public HttpServerHandler(CacheStore store, CommandGate gate, long maxBody) {
    super(HttpObject.class, gate);
    if (store == null) {
      throw new NullPointerException("store");
    }
    this.store = store;
    this.maxBody = maxBody;
  }

  /**
   * A whole request from the aggregator; or, for a {@code PUT} whose body streams in ({@link
   * StreamingPutSplitter}), its head, then its body as {@link StreamPart}s, then the last
   * content.
   */
  @Override
  protected void handle(ChannelHandlerContext ctx, HttpObject msg) {
    if (msg instanceof FullHttpRequest request) {
      route(ctx, request, request.content());
    } else if (msg instanceof HttpRequest head) {
      route(ctx, head, null);
    } else if (msg instanceof LastHttpContent last && last.decoderResult().isFailure()) {
      Exchange ex = uploadExchange;
      abortUpload();
      uploadExchange = null;
      if (ex != null) {
        reply(ctx, new Exchange(ex.version, false),
            HttpReplies.text(ex.version, HttpResponseStatus.BAD_REQUEST, null));
      }
    } else if (msg instanceof LastHttpContent) {
      finishUpload(ctx);
    }
  }

  @Override
  protected void handlePart(ChannelHandlerContext ctx, StreamPart part) {
    if (uploadExchange == null) {
      return; // refused before its body (a bad key, say): the body is dropped
    }
    uploaded += part.content().readableBytes();
    if (uploaded > maxBody) {
      // The upload is the request being answered: its 413 is in order; the rest is not read.
      Exchange ex = uploadExchange;
      abortUpload();
      uploadExchange = null;
      reply(ctx, new Exchange(ex.version, false), HttpReplies.text(ex.version,
          HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
          "content length exceeds maxContentLength: " + maxBody));
      return;
    }
    feed(part.content());
  }

  /** The end of a streamed PUT: the value commits, or the failure is answered. */
  private void finishUpload(ChannelHandlerContext ctx) {
    StreamedUpload upload = endUpload();
    ValueWriter committing = writer;
    Exchange ex = uploadExchange;
    writer = null;
    uploadExchange = null;
    if (upload == null) {
      return;
    }
    if (upload.failure() != null) {
      reply(ctx, ex, storeFailure(ex, upload.failure()));
    } else {
      boolean existed = uploadExisted;
      call(ctx, ex, () -> committing.commit(SetOptions.DEFAULT), result -> putReply(ex, existed));
    }
  }

  private void abortUpload() {
    StreamedUpload upload = endUpload();
    if (upload != null) {
      upload.abort();
    }
    writer = null;
  }

  @Override
  protected void flushReplies(ChannelHandlerContext ctx) {
    ctx.flush();
  }

  /**
   * Answers a request, or starts a streamed PUT's upload; {@code body} is {@code null} when the
   * body streams in after the head.
   */
  private void route(ChannelHandlerContext ctx, HttpRequest request, ByteBuf body) {
    DecoderResult decoded = request.decoderResult();
    if (decoded.isFailure()) {
      undecodable(ctx, request, decoded.cause());
      return;
    }
    HttpVersion version = request.protocolVersion();
    if (version.majorVersion() != 1) {
      Exchange ex = new Exchange(HttpVersion.HTTP_1_1, false);
      reply(ctx, ex, HttpReplies.text(ex.version, HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
          null));
      return;
    }
    HttpMethod method = request.method();
    Exchange ex = new Exchange(responseVersion(version), HttpUtil.isKeepAlive(request));
    RequestTarget target = RequestTarget.of(request.uri());
    if (target.pathEquals(HEALTH_PATH)) {
      if (HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method)) {
        reply(ctx, ex, HttpReplies.health(ex.version));
      } else {
        reply(ctx, ex, HttpReplies.methodNotAllowed(ex.version, HEALTH_ALLOW));
      }
      return;
    }
    if (!target.pathStartsWith(CACHE_PREFIX)) {
      reply(ctx, ex, HttpReplies.text(ex.version, HttpResponseStatus.NOT_FOUND, null));
      return;
    }
    boolean isGet = HttpMethod.GET.equals(method);
    boolean isHead = HttpMethod.HEAD.equals(method);
    boolean isPut = HttpMethod.PUT.equals(method);
    if (!(isGet || isHead || isPut || HttpMethod.DELETE.equals(method))) {
      reply(ctx, ex, HttpReplies.methodNotAllowed(ex.version, CACHE_ALLOW));
      return;
    }
    byte[] keyBytes;
    try {
      keyBytes = target.decodePath(CACHE_PREFIX.length());
    } catch (IllegalArgumentException e) {
      reply(ctx, ex, HttpReplies.text(ex.version, HttpResponseStatus.BAD_REQUEST, e.getMessage()));
      return;
    }
    if (keyBytes.length == 0) {
      reply(ctx, ex, HttpReplies.text(ex.version, HttpResponseStatus.BAD_REQUEST, "empty key"));
      return;
    }
    Key key = Key.of(keyBytes);
    if (isGet) {
      get(ctx, ex, key, request.headers());
    } else if (isHead) {
      head(ctx, ex, key);
    } else if (isPut && body == null) {
      long length = HttpUtil.getContentLength(request, -1L);
      uploadExchange = ex;
      uploaded = 0;
      await(existence(key), (existed, cause) -> {
        if (cause != null) {
          uploadExchange = null;
          reply(ctx, ex, storeFailure(ex, cause));
          return;
        }
        uploadExisted = existed;
        writer = store.writer(key, length);
        beginUpload(writer::write, writer::abort);
        if (HttpUtil.is100ContinueExpected(request)) {
          // Sent here, in order after the answers before it, when the body is wanted.
          ctx.writeAndFlush(new DefaultFullHttpResponse(ex.version, HttpResponseStatus.CONTINUE));
        }
      });
    } else if (isPut) {
      put(ctx, ex, key, ByteBufUtil.getBytes(body));
    } else {
      delete(ctx, ex, key);
    }
  }

  /** HTTP/1.0 for a 1.0 request, HTTP/1.1 for any later 1.x (RFC 9112 §2.3). */
  private static HttpVersion responseVersion(HttpVersion requestVersion) {
    return requestVersion.majorVersion() == 1 && requestVersion.minorVersion() == 0
        ? HttpVersion.HTTP_1_0
        : HttpVersion.HTTP_1_1;
  }

  private void get(ChannelHandlerContext ctx, Exchange ex, Key key, HttpHeaders headers) {
    ByteRange range = ByteRange.fromHeaders(headers);
    CompletionStage<Entry> read;
    try {
      read = store.get(key);
    } catch (RuntimeException e) {
      read = CompletableFuture.failedFuture(e);
    }
    await(read, (entry, cause) -> {
      if (cause != null) {
        reply(ctx, ex, storeFailure(ex, cause));
      } else if (entry == null) {
        reply(ctx, ex, notFound(ex));
      } else if (range == null) {
        if (entry.isChunked()) {
          streamValue(ctx, ex, key, entry, 0, -1, false);
        } else {
          reply(ctx, ex, HttpReplies.value(ex.version, entry.value()));
        }
      } else if (range.isZeroSuffix()) {
        reply(ctx, ex, HttpReplies.rangeNotSatisfiable(ex.version, entry.length()));
      } else if (!entry.isChunked()) {
        reply(ctx, ex, ranged(ex, range, ValueSlice.of(entry, range.start(), range.end())));
      } else if (ValueSlice.resolve(entry.length(), range.start(), range.end())[1] == 0) {
        reply(ctx, ex, HttpReplies.rangeNotSatisfiable(ex.version, entry.length()));
      } else {
        streamValue(ctx, ex, key, entry, range.start(), range.end(), true);
      }
    });
  }

  /**
   * Answers with (a range of) a chunked value, never whole in heap: the head, then the chunks the
   * range covers as the client takes them, then the last content. A value that turned out to
   * have lost a chunk is a 404.
   */
  private void streamValue(ChannelHandlerContext ctx, Exchange ex, Key key, Entry entry,
      long start, long end, boolean ranged) {
    await(store.read(key, entry, start, end), (reader, cause) -> {
      if (cause != null || reader == null) {
        reply(ctx, ex, cause != null ? storeFailure(ex, cause) : notFound(ex));
        return;
      }
      HttpResponse head = HttpReplies.streamed(ex.version, reader.offset(), reader.length(),
          reader.entry().length(), ranged);
      HttpUtil.setKeepAlive(head, ex.keepAlive);
      ctx.write(head);
      stream(reader::next, failure -> {
        reader.close();
        if (failure == null) {
          ctx.write(LastHttpContent.EMPTY_LAST_CONTENT);
          if (!ex.keepAlive) {
            closeAfterReplies();
          }
        }
      });
    });
  }

  private static FullHttpResponse ranged(Exchange ex, ByteRange range, ValueSlice slice) {
    if (slice == null) {
      return notFound(ex);
    }
    if (!slice.isEmpty()) {
      return HttpReplies.partial(ex.version, slice);
    }
    if (range.suffix() && slice.totalLength() == 0) {
      // RFC 9110 §14.1.1: a non-zero suffix range is satisfiable on an empty value, but
      // Content-Range cannot express zero bytes; the whole (empty) value answers it (§14.2).
      return HttpReplies.value(ex.version, slice.bytes());
    }
    return HttpReplies.rangeNotSatisfiable(ex.version, slice.totalLength());
  }

  private void head(ChannelHandlerContext ctx, Exchange ex, Key key) {
    call(ctx, ex, () -> probeLength(key), slice -> slice == null
        ? notFound(ex)
        : HttpReplies.valueHead(ex.version, slice.totalLength()));
  }

  private void put(ChannelHandlerContext ctx, Exchange ex, Key key, byte[] value) {
    call(ctx, ex, () -> existence(key).thenCompose(existed ->
        store.set(key, value, SetOptions.DEFAULT).thenApply(r -> existed)),
        existed -> putReply(ex, existed));
  }

  /**
   * Whether the key holds a value before a PUT, for {@code 201} or {@code 204}: asked apart from
   * the write, so the write need not return the previous value (a large one would be held for
   * its reader); a PUT racing another writer of the key may answer either.
   */
  private CompletionStage<Boolean> existence(Key key) {
    try {
      return store.exists(key);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** {@code 201 Created} for a new key, {@code 204 No Content} for a replaced one. */
  private static FullHttpResponse putReply(Exchange ex, boolean existed) {
    return HttpReplies.empty(ex.version,
        existed ? HttpResponseStatus.NO_CONTENT : HttpResponseStatus.CREATED);
  }

  private void delete(ChannelHandlerContext ctx, Exchange ex, Key key) {
    call(ctx, ex, () -> store.delete(key), deleted -> deleted
        ? HttpReplies.empty(ex.version, HttpResponseStatus.NO_CONTENT)
        : notFound(ex));
  }

  /**
   * Reads a value's length without its bytes: an inverted range is empty by the {@link
   * CacheStore#getRange} contract, and the slice still reports the total length.
   */
  private CompletionStage<ValueSlice> probeLength(Key key) {
    return store.getRange(key, 1, 0);
  }

  private static FullHttpResponse notFound(Exchange ex) {
    return HttpReplies.text(ex.version, HttpResponseStatus.NOT_FOUND, null);
  }

  /**
   * Runs one store operation and answers with the response {@code onValue} builds from its
   * result, or with {@link #storeFailure} when the operation fails, whether it throws or
   * completes exceptionally.
   */
  private <T> void call(
      ChannelHandlerContext ctx,
      Exchange ex,
      Supplier<CompletionStage<T>> operation,
      Function<? super T, FullHttpResponse> onValue) {
    CompletionStage<T> stage;
    try {
      stage = operation.get();
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    await(
        stage,
        (value, cause) ->
            reply(ctx, ex, cause == null ? onValue.apply(value) : storeFailure(ex, cause)));
  }

  /**
   * The one mapping of store failures to the wire: 500 with a short text body. A {@link
   * StoreException}'s message is meant for clients and is sent; any other failure is a bug, so it
   * is logged and its detail withheld.
   */
  private static FullHttpResponse storeFailure(Exchange ex, Throwable cause) {
    String detail;
    if (cause instanceof StoreException) {
      detail = cause.getMessage();
    } else {
      logger.warn("Store operation failed", cause);
      detail = null;
    }
    return HttpReplies.text(ex.version, HttpResponseStatus.INTERNAL_SERVER_ERROR, detail);
  }

  /** Answers a request whose decoding failed; see the class documentation. */
  private void undecodable(ChannelHandlerContext ctx, HttpRequest request, Throwable cause) {
    if (cause instanceof TooLongHttpContentException) {
      // From InOrderHttpObjectAggregator: the request itself was sound, the body was discarded.
      Exchange ex =
          new Exchange(responseVersion(request.protocolVersion()), HttpUtil.isKeepAlive(request));
      reply(ctx, ex, HttpReplies.text(ex.version, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
          cause.getMessage()));
      return;
    }
    HttpResponseStatus status;
    if (cause instanceof TooLongHttpLineException) {
      status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
    } else {
      status = HttpResponseStatus.BAD_REQUEST;
    }
    Exchange ex = new Exchange(HttpVersion.HTTP_1_1, false);
    reply(ctx, ex, HttpReplies.text(ex.version, status, null));
  }

  /**
   * Writes a response, marking the connection persistent or not, and closes the connection after
   * it when the request asked for that.
   */
  private void reply(ChannelHandlerContext ctx, Exchange ex, FullHttpResponse response) {
    HttpUtil.setKeepAlive(response, ex.keepAlive);
    ctx.write(response);
    if (!ex.keepAlive) {
      closeAfterReplies();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException) {
      logger.debug("Connection error, closing {}", ctx.channel(), cause);
    } else {
      logger.warn("Unexpected error, closing {}", ctx.channel(), cause);
    }
    ctx.close();
  }

  /** What a response needs to know of its request once the request is released. */
  private static final class Exchange {
    final HttpVersion version;
    final boolean keepAlive;

    Exchange(HttpVersion version, boolean keepAlive) {
      this.version = version;
      this.keepAlive = keepAlive;
    }
  }
}
