package io.sidecache.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
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
import io.sidecache.protocol.CommandMetrics;
import io.sidecache.protocol.PipelinedRequestHandler;
import io.sidecache.protocol.StreamPart;
import io.sidecache.protocol.StreamedUpload;
import io.sidecache.store.CacheStore;
import io.sidecache.store.DeleteOptions;
import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import io.sidecache.store.SetOptions;
import io.sidecache.store.SetResult;
import io.sidecache.store.StoreException;
import io.sidecache.store.StoreUnavailableException;
import io.sidecache.store.ValueReader;
import io.sidecache.store.ValueWriter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Answers the HTTP/1.1 requests of one connection from a {@link CacheStore}, in request order.
 *
 * <p>Resources (docs/protocol-http.md has every header and status with curl examples):
 *
 * <ul>
 *   <li>{@code /cache/{key}}: {@code GET} (200 with the value as {@code application/octet-stream};
 *       206 for {@code Range}, one range or several as {@code multipart/byteranges}; 416 when
 *       unsatisfiable), {@code HEAD} (the headers of the whole-value {@code GET}, no value read),
 *       {@code PUT} (the body becomes the value, with a TTL from {@code ?ttl=} or {@code
 *       Cache-Control: max-age}; 201 when the key was absent, 204 when it replaced a value, as RFC
 *       9110 §9.3.4 requires; 411 without {@code Content-Length} or chunked framing), {@code DELETE}
 *       (204, or 404 when absent). Reads and writes answer the value's strong {@code ETag} (its CAS
 *       version, {@link EntityTags}) and, when it expires, {@code Cache-Control: max-age}. {@code
 *       If-Match} and {@code If-None-Match} are evaluated as RFC 9110 §13.2.2 orders ({@link
 *       Preconditions}): 412, or 304 on {@code GET}/{@code HEAD}; a write's preconditions hold at
 *       its commit, not only when read. {@code If-Range} with the current tag keeps the range.
 *   <li>{@code /health} (liveness), {@code /ready} (200, or 503 with the reason), {@code /metrics}
 *       (Prometheus text), {@code /stats} (JSON): {@code GET} and {@code HEAD}, from the node's
 *       {@link HttpOperations}.
 *   <li>Any other path: 404. An unsupported method: 405 with {@code Allow}.
 * </ul>
 *
 * <p>The key is everything in the path after {@code /cache/}, slashes included, percent-decoded to
 * raw bytes (see {@link RequestTarget#decodePath}): any binary key is reachable by encoding its
 * bytes. An empty key or bad percent-encoding is 400.
 *
 * <p>With a token configured, {@code /cache} requests (and the operations endpoints when they are
 * protected) need {@code Authorization: Bearer <token>}: 401 with {@code WWW-Authenticate}
 * otherwise (RFC 6750 §3), compared in constant time.
 *
 * <p>Failures: a request the decoder could not parse is 400 (414 for a too long request line, RFC
 * 9110 §15.5.15; 431 for too large headers, RFC 6585 §5) and closes the connection, since the
 * decoder cannot find the next request; a too large body is 413 (RFC 9110 §15.5.14), in order,
 * see {@link InOrderHttpObjectAggregator}; a failed store operation is 500 (see {@link
 * #storeFailure}). Error bodies are small JSON documents ({@link HttpReplies#error}). A streamed
 * {@code PUT} refused before its body while its client waits for {@code 100 Continue} is answered
 * with {@code Connection: close}, as its body will not follow. Persistent connections follow RFC
 * 9112 §9.3 ({@link HttpUtil#isKeepAlive}): after a response to {@code Connection: close}, or to
 * HTTP/1.0 without {@code keep-alive}, the connection closes. An HTTP/1.0 request is answered as
 * HTTP/1.0 (so that {@code Connection: keep-alive} is echoed), any later 1.x as HTTP/1.1 (RFC 9112
 * §2.3); another major version gets 505 (RFC 9110 §15.6.6) and the connection closes.
 *
 * <p>Every request is counted and timed in {@code sidecache.commands} with {@code protocol=http}
 * and {@code command} = the method on {@code /cache} ({@code get}, {@code head}, {@code put},
 * {@code delete}), the endpoint otherwise ({@code health}, {@code ready}, {@code metrics}, {@code
 * stats}) or {@code other}; the time runs from arrival to the response head, and {@code
 * result=error} means a 5xx, or a 4xx other than 404 (a miss) and 412 (a failed precondition).
 *
 * <p>Not sharable: one instance per channel, used only from its event loop.
 */
public final class HttpServerHandler extends PipelinedRequestHandler<HttpObject> {
  private static final InternalLogger logger =
      InternalLoggerFactory.getInstance(HttpServerHandler.class);

  /** Path prefix of the cache resources; the key follows it. */
  static final String CACHE_PREFIX = "/cache/";

  static final String CACHE_ALLOW = "GET, HEAD, PUT, DELETE";
  static final String READ_ALLOW = "GET, HEAD";

  /**
   * Most ranges one response serves; a {@code Range} with more, or whose ranges add up to more
   * than the value (overlaps), is ignored and the whole value served (RFC 9110 §14.3 lets a server
   * refuse such requests, which cost much to answer and can amplify).
   */
  static final int MAX_RANGES = 64;

  /** Reads of a value that keeps changing under a streamed GET before it answers 503. */
  static final int READ_ATTEMPTS = 3;

  private final HttpServerContext context;
  private final CacheStore store;
  // A PUT whose body streams in: its store writer (the base class feeds it), its exchange, the
  // bytes so far, what was observed of the key before it, its expiry.
  private ValueWriter writer;
  private Exchange uploadExchange;
  private long uploaded;
  private Observed uploadObserved;
  private long uploadExpiresAt;

  /**
   * Creates the handler of one connection.
   *
   * @param store the store to read and write, must not be {@code null}
   * @throws NullPointerException if {@code store} is {@code null}
   */
  public HttpServerHandler(CacheStore store) {
    this(HttpServerContext.builder(store).build());
  }

  /**
   * Creates the handler of one connection of a node.
   *
   * @param context what the node's HTTP connections share, must not be {@code null}
   * @throws NullPointerException if {@code context} is {@code null}
   */
  public HttpServerHandler(HttpServerContext context) {
    super(HttpObject.class, context.gate());
    this.context = context;
    this.store = context.store();
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
        reply(ctx, ex.closing(), HttpReplies.error(ex.version, HttpResponseStatus.BAD_REQUEST,
            "malformed chunked body"));
      } else {
        closeAfterReplies(); // answered before its body; the decoder cannot find the next request
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
    if (uploaded > context.maxBodyBytes()) {
      // The upload is the request being answered: its 413 is in order; the rest is not read.
      Exchange ex = uploadExchange;
      abortUpload();
      uploadExchange = null;
      reply(ctx, ex.closing(), HttpReplies.error(ex.version,
          HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
          "content length exceeds maxContentLength: " + context.maxBodyBytes()));
      return;
    }
    feed(part.content());
  }

  /** The end of a streamed PUT: the value commits, or the failure is answered. */
  private void finishUpload(ChannelHandlerContext ctx) {
    StreamedUpload upload = endUpload();
    ValueWriter committing = writer;
    Exchange ex = uploadExchange;
    Observed observed = uploadObserved;
    writer = null;
    uploadExchange = null;
    uploadObserved = null;
    if (upload == null) {
      return;
    }
    if (upload.failure() != null) {
      reply(ctx, ex, storeFailure(ex, upload.failure()));
    } else {
      call(ctx, ex, () -> committing.commit(observed.options(uploadExpiresAt)),
          result -> putReply(ex, observed, result));
    }
  }

  private void abortUpload() {
    StreamedUpload upload = endUpload();
    if (upload != null) {
      upload.abort();
    }
    writer = null;
    uploadObserved = null;
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
      reply(ctx, new Exchange(HttpVersion.HTTP_1_1, false, meter("other"), System.nanoTime()),
          HttpReplies.error(HttpVersion.HTTP_1_1, HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
              null));
      return;
    }
    RequestTarget target = RequestTarget.of(request.uri());
    if (target.pathStartsWith(CACHE_PREFIX)) {
      cache(ctx, request, target, body);
    } else {
      operations(ctx, request, target);
    }
  }

  /**
   * The exchange of a request; one whose body streams after it and whose client waits for {@code
   * 100 Continue} is marked so, until that is sent.
   */
  private Exchange exchange(HttpRequest request, String command) {
    Exchange ex = new Exchange(responseVersion(request.protocolVersion()),
        HttpUtil.isKeepAlive(request), meter(command), System.nanoTime());
    ex.awaitingBody = !(request instanceof FullHttpRequest)
        && HttpUtil.is100ContinueExpected(request);
    return ex;
  }

  private CommandMetrics.Meter meter(String command) {
    return context.metrics().meter(command);
  }

  /** {@code /health}, {@code /ready}, {@code /metrics}, {@code /stats}, {@code /cluster}, or 404. */
  private void operations(ChannelHandlerContext ctx, HttpRequest request, RequestTarget target) {
    String endpoint = target.operationsEndpoint();
    Exchange ex = exchange(request, endpoint == null ? "other" : endpoint);
    if (endpoint == null) {
      reply(ctx, ex, notFound(ex));
      return;
    }
    if (context.operationsProtected() && !authorized(ctx, ex, request)) {
      return;
    }
    HttpMethod method = request.method();
    if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method)) {
      reply(ctx, ex, HttpReplies.methodNotAllowed(ex.version, READ_ALLOW));
      return;
    }
    HttpOperations ops = context.operations();
    switch (endpoint) {
      case RequestTarget.HEALTH -> reply(ctx, ex, HttpReplies.health(ex.version));
      case RequestTarget.READY -> {
        String reason = ops == null ? null : ops.notReadyReason();
        reply(ctx, ex, reason == null
            ? HttpReplies.json(ex.version, HttpResponseStatus.OK, Map.of("status", "READY"))
            : HttpReplies.json(ex.version, HttpResponseStatus.SERVICE_UNAVAILABLE,
                Map.of("status", "NOT_READY", "reason", reason)));
      }
      case RequestTarget.METRICS -> reply(ctx, ex, ops == null
          ? notFound(ex) : HttpReplies.prometheus(ex.version, ops.scrape()));
      case RequestTarget.CLUSTER -> {
        Map<String, Object> cluster = ops == null ? null : ops.cluster();
        reply(ctx, ex, cluster == null
            ? notFound(ex) : HttpReplies.json(ex.version, HttpResponseStatus.OK, cluster));
      }
      default -> reply(ctx, ex, ops == null
          ? notFound(ex) : HttpReplies.json(ex.version, HttpResponseStatus.OK, ops.stats()));
    }
  }

  /**
   * Checks {@code Authorization: Bearer <token>} (RFC 6750 §2.1; the scheme is case-insensitive,
   * RFC 9110 §11.1), answering 401 when it is missing or wrong.
   *
   * @return whether the request may go on
   */
  private boolean authorized(ChannelHandlerContext ctx, Exchange ex, HttpRequest request) {
    String field = request.headers().get(HttpHeaderNames.AUTHORIZATION);
    String token = null;
    if (field != null && field.length() > 7 && field.regionMatches(true, 0, "Bearer ", 0, 7)) {
      token = field.substring(7).strip();
    }
    if (context.tokenMatches(token)) {
      return true;
    }
    reply(ctx, ex, HttpReplies.unauthorized(ex.version, token != null));
    return false;
  }

  /** {@code /cache/{key}}. */
  private void cache(ChannelHandlerContext ctx, HttpRequest request, RequestTarget target,
      ByteBuf body) {
    HttpMethod method = request.method();
    boolean isGet = HttpMethod.GET.equals(method);
    boolean isHead = HttpMethod.HEAD.equals(method);
    boolean isPut = HttpMethod.PUT.equals(method);
    boolean isDelete = HttpMethod.DELETE.equals(method);
    Exchange ex = exchange(request, isGet ? "get" : isHead ? "head" : isPut ? "put"
        : isDelete ? "delete" : "other");
    if (context.tokenRequired() && !authorized(ctx, ex, request)) {
      return;
    }
    if (!(isGet || isHead || isPut || isDelete)) {
      reply(ctx, ex, HttpReplies.methodNotAllowed(ex.version, CACHE_ALLOW));
      return;
    }
    Key key;
    Preconditions pre;
    long expiresAt = Entry.NO_EXPIRY;
    try {
      byte[] keyBytes = target.decodePath(CACHE_PREFIX.length());
      if (keyBytes.length == 0) {
        throw new IllegalArgumentException("empty key");
      }
      key = Key.of(keyBytes);
      pre = Preconditions.of(request.headers());
      if (isPut) {
        expiresAt = Ttl.expiresAt(request.uri(), request.headers(), context.ticker().millis());
      }
    } catch (IllegalArgumentException e) {
      reply(ctx, ex, HttpReplies.error(ex.version, HttpResponseStatus.BAD_REQUEST,
          e.getMessage()));
      return;
    }
    if (isGet || isHead) {
      read(ctx, ex, key, request.headers(), pre, isHead);
    } else if (isDelete) {
      delete(ctx, ex, key, pre);
    } else if (body != null) {
      put(ctx, ex, key, ByteBufUtil.getBytes(body), pre, expiresAt);
    } else if (!HttpUtil.isContentLengthSet(request)
        && !HttpUtil.isTransferEncodingChunked(request)) {
      reply(ctx, ex, HttpReplies.error(ex.version, HttpResponseStatus.LENGTH_REQUIRED,
          "PUT needs Content-Length or Transfer-Encoding: chunked"));
    } else {
      startUpload(ctx, ex, request, key, pre, expiresAt);
    }
  }

  /** Starts a streamed PUT once its preconditions hold; its body then feeds the writer. */
  private void startUpload(ChannelHandlerContext ctx, Exchange ex, HttpRequest request, Key key,
      Preconditions pre, long expiresAt) {
    long length = HttpUtil.getContentLength(request, -1L);
    uploadExchange = ex;
    uploaded = 0;
    await(observe(key, pre), (observed, cause) -> {
      if (cause != null || observed.result != Preconditions.Result.PASS) {
        uploadExchange = null;
        reply(ctx, ex, cause != null ? storeFailure(ex, cause) : preconditionFailed(ex));
        return;
      }
      if (!ctx.channel().isActive()) {
        uploadExchange = null; // gone while the key was read: no writer to abandon
        return;
      }
      try {
        writer = store.writer(key, length);
      } catch (IllegalArgumentException e) { // longer than the store can hold as one value
        uploadExchange = null;
        reply(ctx, ex, HttpReplies.error(ex.version, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
            e.getMessage()));
        return;
      }
      uploadObserved = observed;
      uploadExpiresAt = expiresAt;
      beginUpload(writer::write, writer::abort);
      if (ex.awaitingBody) {
        // Sent here, in order after the answers before it, when the body is wanted.
        ex.awaitingBody = false;
        ctx.writeAndFlush(new DefaultFullHttpResponse(ex.version, HttpResponseStatus.CONTINUE));
      }
    });
  }

  /** HTTP/1.0 for a 1.0 request, HTTP/1.1 for any later 1.x (RFC 9112 §2.3). */
  private static HttpVersion responseVersion(HttpVersion requestVersion) {
    return requestVersion.majorVersion() == 1 && requestVersion.minorVersion() == 0
        ? HttpVersion.HTTP_1_0
        : HttpVersion.HTTP_1_1;
  }

  /** {@code GET} or {@code HEAD}: preconditions, then the value, a range of it, or its head. */
  private void read(ChannelHandlerContext ctx, Exchange ex, Key key, HttpHeaders headers,
      Preconditions pre, boolean head) {
    read(ctx, ex, key, headers, pre, head, 1);
  }

  /**
   * One attempt at a read. A chunked value is read through a reader opened after the
   * preconditions were evaluated on the entry; if the key changed in between, the reader sees
   * the new version, so nothing is sent and the read starts over (at most {@link
   * #READ_ATTEMPTS} times, then 503): a response never pairs one version's validators with
   * another's bytes.
   */
  private void read(ChannelHandlerContext ctx, Exchange ex, Key key, HttpHeaders headers,
      Preconditions pre, boolean head, int attempt) {
    await(attempt(() -> store.get(key)), (entry, cause) -> {
      if (cause != null) {
        reply(ctx, ex, storeFailure(ex, cause));
        return;
      }
      if (entry == null) {
        reply(ctx, ex, notFound(ex)); // RFC 9110 §13.2.1: preconditions are not evaluated
        return;
      }
      long now = context.ticker().millis();
      switch (pre.evaluate(entry, true)) {
        case FAILED -> reply(ctx, ex, preconditionFailed(ex));
        case NOT_MODIFIED -> reply(ctx, ex,
            HttpReplies.describe(HttpReplies.notModified(ex.version), entry, now));
        default -> {
          if (head) {
            reply(ctx, ex, HttpReplies.describe(
                HttpReplies.valueHead(ex.version, entry.length()), entry, now));
          } else {
            Runnable changed = attempt < READ_ATTEMPTS
                ? () -> read(ctx, ex, key, headers, pre, false, attempt + 1)
                : () -> reply(ctx, ex, HttpReplies.error(ex.version,
                    HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "the value changed during each of " + READ_ATTEMPTS + " reads; retry"));
            serve(ctx, ex, key, entry, rangesFor(headers, entry), now, changed);
          }
        }
      }
    });
  }

  /**
   * The ranges to serve: {@code null} for the whole value, when there is no valid {@code Range}
   * or an {@code If-Range} that is not the entry's tag (a date never matches, as no
   * {@code Last-Modified} is sent; RFC 9110 §13.1.5).
   */
  private static List<ByteRange> rangesFor(HttpHeaders headers, Entry entry) {
    List<ByteRange> ranges = ByteRange.fromHeaders(headers);
    String ifRange = headers.get(HttpHeaderNames.IF_RANGE);
    if (ranges != null && ifRange != null
        && !ifRange.strip().equals(EntityTags.of(entry.cas()))) {
      return null;
    }
    return ranges;
  }

  /** Answers a {@code GET} with the whole value, one range, several, or 416. */
  private void serve(ChannelHandlerContext ctx, Exchange ex, Key key, Entry entry,
      List<ByteRange> ranges, long now, Runnable changed) {
    long length = entry.length();
    long[][] resolved = ranges == null ? null : resolve(ranges, length);
    if (resolved != null && resolved.length == 0) {
      FullHttpResponse r = HttpReplies.rangeNotSatisfiable(ex.version, length);
      reply(ctx, ex, HttpReplies.describe(r, entry, now));
    } else if (resolved == null || resolved[0] == null) {
      if (entry.isChunked()) {
        streamValue(ctx, ex, key, entry, 0, -1, false, changed);
      } else {
        reply(ctx, ex, HttpReplies.describe(HttpReplies.value(ex.version, entry.value()),
            entry, now));
      }
    } else if (resolved.length > 1) {
      opened(ctx, ex, key, entry, resolved[0][0], resolved[0][1], changed, first -> {
        MultipartRanges body = new MultipartRanges(entry, resolved, first,
            (from, to) -> attempt(() -> store.read(key, entry, from, to)));
        head(ctx, ex, HttpReplies.describe(HttpReplies.multipart(ex.version, body), entry, now));
        stream(body, failure -> {
          body.close();
          finishStream(ctx, ex, failure);
        });
      });
    } else if (entry.isChunked()) {
      streamValue(ctx, ex, key, entry, resolved[0][0], resolved[0][1], true, changed);
    } else {
      reply(ctx, ex, HttpReplies.describe(
          HttpReplies.partial(ex.version, entry.value(), resolved[0][0], resolved[0][1]),
          entry, now));
    }
  }

  /**
   * Resolves the requested ranges against the value's length: an empty array when none is
   * satisfiable (416); {@code {null}} when the whole value is to be served (only empty ranges of
   * an empty value, or more than {@link #MAX_RANGES}, or ranges adding up to more than the value);
   * else the non-empty ranges in request order.
   */
  private static long[][] resolve(List<ByteRange> ranges, long length) {
    if (ranges.size() > MAX_RANGES) {
      return new long[][] {null};
    }
    List<long[]> out = new ArrayList<>(ranges.size());
    boolean satisfiable = false;
    long bytes = 0;
    for (ByteRange range : ranges) {
      long[] r = range.resolve(length);
      if (r != null) {
        satisfiable = true;
        if (r[1] >= r[0]) {
          out.add(r);
          bytes += r[1] - r[0] + 1;
        }
      }
    }
    if (!satisfiable) {
      return new long[0][];
    }
    return out.isEmpty() || bytes > length ? new long[][] {null} : out.toArray(new long[0][]);
  }

  /**
   * Answers with (a range of) a chunked value, never whole in heap: the head, then the chunks the
   * range covers as the client takes them, then the last content. A value that turned out to
   * have lost a chunk is a 404.
   */
  private void streamValue(ChannelHandlerContext ctx, Exchange ex, Key key, Entry entry,
      long start, long end, boolean ranged, Runnable changed) {
    opened(ctx, ex, key, entry, start, end, changed, reader -> {
      HttpResponse head = HttpReplies.streamed(ex.version, reader.offset(), reader.length(),
          entry.length(), ranged);
      head(ctx, ex, HttpReplies.describe(head, entry, context.ticker().millis()));
      stream(reader::next, failure -> {
        reader.close();
        finishStream(ctx, ex, failure);
      });
    });
  }

  /**
   * Opens a reader over {@code [start, end]} of {@code entry} and hands it on, or answers: 500
   * when the store fails, 404 when the value lost a chunk, {@code changed} when the reader sees
   * another version than {@code entry} (the key was written since it was read).
   */
  private void opened(ChannelHandlerContext ctx, Exchange ex, Key key, Entry entry, long start,
      long end, Runnable changed, Consumer<ValueReader> then) {
    await(attempt(() -> store.read(key, entry, start, end)), (reader, cause) -> {
      if (cause != null || reader == null) {
        reply(ctx, ex, cause != null ? storeFailure(ex, cause) : notFound(ex));
      } else if (reader.entry().cas() != entry.cas()) {
        reader.close();
        changed.run();
      } else {
        then.accept(reader);
      }
    });
  }

  /** Writes the head of a response whose body is streamed after it. */
  private void head(ChannelHandlerContext ctx, Exchange ex, HttpResponse head) {
    HttpUtil.setKeepAlive(head, ex.keepAlive);
    ex.record(head.status());
    ctx.write(head);
  }

  /** Ends a streamed body that {@link #stream} finished (or not: the connection is closing). */
  private void finishStream(ChannelHandlerContext ctx, Exchange ex, Throwable failure) {
    if (failure == null) {
      ctx.write(LastHttpContent.EMPTY_LAST_CONTENT);
      if (!ex.keepAlive) {
        closeAfterReplies();
      }
    }
  }

  /** A whole-body {@code PUT}: preconditions, then the write on condition they still hold. */
  private void put(ChannelHandlerContext ctx, Exchange ex, Key key, byte[] value,
      Preconditions pre, long expiresAt) {
    call(ctx, ex, () -> observe(key, pre).thenCompose(observed ->
        observed.result != Preconditions.Result.PASS
            ? CompletableFuture.completedFuture(new Written(observed, null))
            : store.set(key, value, observed.options(expiresAt))
                .thenApply(r -> new Written(observed, r))),
        w -> w.result == null ? preconditionFailed(ex) : putReply(ex, w.observed, w.result));
  }

  /**
   * What a write learns of the key before it: with preconditions, the entry they were evaluated
   * on (the write then commits only if the key still holds it); without, only whether the key
   * exists, for {@code 201} or {@code 204}, asked apart from the write so that the write need not
   * return the previous value (a large one would be held for its reader); a PUT racing another
   * writer of the key may then answer either.
   */
  private CompletionStage<Observed> observe(Key key, Preconditions pre) {
    if (pre.isEmpty()) {
      return attempt(() -> store.exists(key))
          .thenApply(existed -> new Observed(Preconditions.Result.PASS, null, existed, false));
    }
    return attempt(() -> store.get(key)).thenApply(entry ->
        new Observed(pre.evaluate(entry, false), entry, entry != null, true));
  }

  /**
   * {@code 201 Created} for a new key, {@code 204 No Content} for a replaced one, with the new
   * value's {@code ETag}; 412 when a conditional write found the key changed at its commit.
   */
  private FullHttpResponse putReply(Exchange ex, Observed observed, SetResult result) {
    if (!result.stored()) {
      return preconditionFailed(ex);
    }
    FullHttpResponse r = HttpReplies.empty(ex.version,
        observed.existed ? HttpResponseStatus.NO_CONTENT : HttpResponseStatus.CREATED);
    if (result.current() != null) {
      HttpReplies.describe(r, result.current(), context.ticker().millis());
    }
    return r;
  }

  /**
   * {@code DELETE}: without preconditions a plain delete; with them, the entry they hold on is
   * deleted only if it is still the key's (its CAS version), else 412.
   */
  private void delete(ChannelHandlerContext ctx, Exchange ex, Key key, Preconditions pre) {
    if (pre.isEmpty()) {
      call(ctx, ex, () -> store.delete(key), deleted -> deleted
          ? HttpReplies.empty(ex.version, HttpResponseStatus.NO_CONTENT)
          : notFound(ex));
      return;
    }
    call(ctx, ex, () -> store.get(key).thenCompose(entry -> {
      if (entry == null) { // RFC 9110 §13.2.1: 404 whatever the preconditions
        return CompletableFuture.completedFuture(SetResult.Outcome.NOT_FOUND);
      }
      if (pre.evaluate(entry, false) != Preconditions.Result.PASS) {
        return CompletableFuture.completedFuture(SetResult.Outcome.EXISTS);
      }
      return store.delete(key, new DeleteOptions(true, entry.cas(), false, CacheStore.NOT_SET))
          .thenApply(o -> o == SetResult.Outcome.STORED ? o : SetResult.Outcome.EXISTS);
    }), outcome -> switch (outcome) {
      case STORED -> HttpReplies.empty(ex.version, HttpResponseStatus.NO_CONTENT);
      case NOT_FOUND -> notFound(ex);
      default -> preconditionFailed(ex);
    });
  }

  private static FullHttpResponse preconditionFailed(Exchange ex) {
    return HttpReplies.error(ex.version, HttpResponseStatus.PRECONDITION_FAILED, null);
  }

  /** A store call's stage, or a failed stage when the call throws. */
  private static <T> CompletionStage<T> attempt(Supplier<CompletionStage<T>> operation) {
    try {
      return operation.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static FullHttpResponse notFound(Exchange ex) {
    return HttpReplies.error(ex.version, HttpResponseStatus.NOT_FOUND, null);
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
    await(attempt(operation),
        (value, cause) ->
            reply(ctx, ex, cause == null ? onValue.apply(value) : storeFailure(ex, cause)));
  }

  /**
   * The one mapping of store failures to the wire: 500 with the reason, or 503 when no copy of
   * the key could be reached (a cluster's owner and replicas down; retry later). A {@link
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
    return HttpReplies.error(ex.version, cause instanceof StoreUnavailableException
        ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.INTERNAL_SERVER_ERROR,
        detail);
  }

  /** Answers a request whose decoding failed; see the class documentation. */
  private void undecodable(ChannelHandlerContext ctx, HttpRequest request, Throwable cause) {
    if (cause instanceof TooLongHttpContentException) {
      // From InOrderHttpObjectAggregator: the request itself was sound, the body was discarded.
      Exchange ex = exchange(request, "other");
      reply(ctx, ex, HttpReplies.error(ex.version, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
          cause.getMessage()));
      return;
    }
    HttpResponseStatus status;
    String detail;
    if (cause instanceof TooLongHttpLineException) {
      status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
      detail = "request line longer than " + HttpServerInitializer.MAX_INITIAL_LINE_LENGTH
          + " bytes";
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
      detail = "header section larger than " + HttpServerInitializer.MAX_HEADER_SIZE + " bytes";
    } else {
      status = HttpResponseStatus.BAD_REQUEST;
      detail = "malformed request";
    }
    Exchange ex = new Exchange(HttpVersion.HTTP_1_1, false, meter("other"), System.nanoTime());
    reply(ctx, ex, HttpReplies.error(ex.version, status, detail));
  }

  /**
   * Writes a response, marking the connection persistent or not, and closes the connection after
   * it when the request asked for that (or its body, awaited by {@code 100 Continue}, will not
   * come).
   */
  private void reply(ChannelHandlerContext ctx, Exchange ex, FullHttpResponse response) {
    boolean keepAlive = ex.keepAlive && !ex.awaitingBody;
    HttpUtil.setKeepAlive(response, keepAlive);
    ex.record(response.status());
    ctx.write(response);
    if (!keepAlive) {
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

  /**
   * What a write learned of the key before it (see {@link #observe}).
   *
   * @param result the preconditions' decision
   * @param entry the entry they were evaluated on, or {@code null}
   * @param existed whether the key held a value
   * @param conditional whether the commit must find the key unchanged
   */
  private record Observed(Preconditions.Result result, Entry entry, boolean existed,
      boolean conditional) {
    /** The write's options: the TTL, and for a conditional write the state observed. */
    SetOptions options(long expiresAt) {
      if (expiresAt == Entry.NO_EXPIRY && !conditional) {
        return SetOptions.DEFAULT;
      }
      SetOptions.Builder b = SetOptions.builder();
      if (expiresAt != Entry.NO_EXPIRY) {
        b.expiresAt(expiresAt);
      }
      if (conditional && entry == null) {
        b.ifAbsent();
      } else if (conditional) {
        b.ifCas(entry.cas());
      }
      return b.build();
    }
  }

  /** A whole-body write: what was observed, and the write's result ({@code null}: refused). */
  private record Written(Observed observed, SetResult result) {}

  /** What a response needs to know of its request once the request is released. */
  private static final class Exchange {
    final HttpVersion version;
    final boolean keepAlive;
    final CommandMetrics.Meter meter;
    final long arrivedNanos;
    /** A streamed PUT's client waits for {@code 100 Continue} before it sends the body. */
    boolean awaitingBody;

    Exchange(HttpVersion version, boolean keepAlive, CommandMetrics.Meter meter,
        long arrivedNanos) {
      this.version = version;
      this.keepAlive = keepAlive;
      this.meter = meter;
      this.arrivedNanos = arrivedNanos;
    }

    /** This exchange for a response after which the connection closes. */
    Exchange closing() {
      return new Exchange(version, false, meter, arrivedNanos);
    }

    /** Counts the request with the response's status; see the class documentation. */
    void record(HttpResponseStatus status) {
      int code = status.code();
      boolean error = code >= 500 || code >= 400 && code != 404 && code != 412;
      meter.record(System.nanoTime() - arrivedNanos, error);
    }
  }
}
