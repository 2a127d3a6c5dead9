package io.sidecache.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sidecache.store.Entry;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds every response this endpoint sends: status, headers and body in one place.
 *
 * <p>Each method returns a new {@link FullHttpResponse} whose content the caller writes (and so
 * releases) exactly once. Value bodies wrap the store's array without copying; the array is
 * never modified. Error bodies are JSON ({@link #error}). {@code Connection} is left to the
 * caller. Stateless and thread-safe.
 */
final class HttpReplies {
  static final AsciiString OCTET_STREAM = HttpHeaderValues.APPLICATION_OCTET_STREAM;
  static final AsciiString JSON = HttpHeaderValues.APPLICATION_JSON;
  static final AsciiString PROMETHEUS =
      AsciiString.cached("text/plain; version=0.0.4; charset=utf-8");

  /** Thread-safe once configured (Jackson's documented contract). */
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final byte[] HEALTH_BODY = "{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8);

  private HttpReplies() {}

  /**
   * {@code 200 OK} with a whole value and {@code Accept-Ranges: bytes} (RFC 9110 §14.3).
   *
   * @param version the response version
   * @param value the value bytes, shared, not modified
   */
  static FullHttpResponse value(HttpVersion version, byte[] value) {
    FullHttpResponse r = body(version, HttpResponseStatus.OK, OCTET_STREAM, value);
    r.headers().set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
    return r;
  }

  /**
   * {@code 200 OK} answering {@code HEAD}: the headers a {@code GET} would get, no body (RFC 9110
   * §9.3.2).
   *
   * @param version the response version
   * @param length the length of the value in bytes
   */
  static FullHttpResponse valueHead(HttpVersion version, long length) {
    FullHttpResponse r = new DefaultFullHttpResponse(version, HttpResponseStatus.OK);
    HttpHeaders h = r.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, OCTET_STREAM);
    h.set(HttpHeaderNames.CONTENT_LENGTH, length);
    h.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
    return r;
  }

  /**
   * {@code 206 Partial Content} with one range of a value in heap and {@code Content-Range: bytes
   * first-last/total} (RFC 9110 §15.3.7, §14.4).
   *
   * @param version the response version
   * @param value the whole value, shared, not modified
   * @param first the first byte of the range, inclusive
   * @param last the last byte of the range, inclusive, at least {@code first}
   */
  static FullHttpResponse partial(HttpVersion version, byte[] value, long first, long last) {
    int from = (int) first;
    int length = (int) (last - first + 1);
    FullHttpResponse r = new DefaultFullHttpResponse(version, HttpResponseStatus.PARTIAL_CONTENT,
        Unpooled.wrappedBuffer(value, from, length));
    HttpHeaders h = r.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, OCTET_STREAM);
    h.set(HttpHeaderNames.CONTENT_LENGTH, length);
    h.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
    h.set(HttpHeaderNames.CONTENT_RANGE, contentRange(first, last, value.length));
    return r;
  }

  /**
   * The head of a {@code 206} whose body is several ranges as {@code multipart/byteranges}
   * (RFC 9110 §14.6), streamed after it.
   *
   * @param version the response version
   * @param body the body that follows
   */
  static HttpResponse multipart(HttpVersion version, MultipartRanges body) {
    HttpResponse r = new DefaultHttpResponse(version, HttpResponseStatus.PARTIAL_CONTENT);
    HttpHeaders h = r.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, body.contentType());
    h.set(HttpHeaderNames.CONTENT_LENGTH, body.contentLength());
    h.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
    return r;
  }

  private static String contentRange(long first, long last, long total) {
    return "bytes " + first + '-' + last + '/' + total;
  }

  /**
   * The head of a response whose body is streamed after it: {@code 200 OK} with the whole value,
   * or {@code 206 Partial Content} with one range (as {@link #value} and {@link #partial}); the
   * body and a {@code LastHttpContent} follow.
   *
   * @param version the response version
   * @param offset the first byte of the value in the body
   * @param length the bytes of the body
   * @param total the length of the whole value in bytes
   * @param ranged whether the request asked for a range (then {@code 206})
   */
  static HttpResponse streamed(HttpVersion version, long offset, long length, long total,
      boolean ranged) {
    HttpResponse r = new DefaultHttpResponse(version,
        ranged ? HttpResponseStatus.PARTIAL_CONTENT : HttpResponseStatus.OK);
    HttpHeaders h = r.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, OCTET_STREAM);
    h.set(HttpHeaderNames.CONTENT_LENGTH, length);
    h.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
    if (ranged) {
      h.set(HttpHeaderNames.CONTENT_RANGE, contentRange(offset, offset + length - 1, total));
    }
    return r;
  }

  /**
   * {@code 416 Range Not Satisfiable} with {@code Content-Range: bytes *}{@code /total} (RFC
   * 9110 §15.5.17).
   *
   * @param version the response version
   * @param totalLength the length of the value in bytes
   */
  static FullHttpResponse rangeNotSatisfiable(HttpVersion version, long totalLength) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(version, HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
    r.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + totalLength);
    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
    return r;
  }

  /**
   * A status without content: {@code 201}, {@code 204}. No {@code Content-Length} (RFC 9110
   * §8.6 forbids it on {@code 204}; a {@code 201} carries an explicit 0).
   *
   * @param version the response version
   * @param status the status
   */
  static FullHttpResponse empty(HttpVersion version, HttpResponseStatus status) {
    FullHttpResponse r = new DefaultFullHttpResponse(version, status);
    if (status.code() != HttpResponseStatus.NO_CONTENT.code()) {
      r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
    }
    return r;
  }

  /**
   * {@code 304 Not Modified} (RFC 9110 §15.4.5): no content; the caller adds the validators a
   * {@code 200} would have carried.
   *
   * @param version the response version
   */
  static FullHttpResponse notModified(HttpVersion version) {
    return new DefaultFullHttpResponse(version, HttpResponseStatus.NOT_MODIFIED);
  }

  /**
   * Adds what describes a value to the head of a read or write response: its strong {@code ETag}
   * from the CAS version, and {@code Cache-Control: max-age} with the seconds left when it
   * expires (RFC 9110 §8.8.3, RFC 9111 §5.2.2.1).
   *
   * @param response the response head
   * @param entry the entry read or written
   * @param nowMillis the current time in milliseconds since the epoch
   * @return the response
   */
  static <R extends HttpResponse> R describe(R response, Entry entry, long nowMillis) {
    HttpHeaders h = response.headers();
    h.set(HttpHeaderNames.ETAG, EntityTags.of(entry.cas()));
    String cacheControl = Ttl.cacheControl(entry, nowMillis);
    if (cacheControl != null) {
      h.set(HttpHeaderNames.CACHE_CONTROL, cacheControl);
    }
    return response;
  }

  /**
   * A JSON document with any status.
   *
   * @param version the response version
   * @param status the status
   * @param document maps, lists, strings and numbers
   */
  static FullHttpResponse json(HttpVersion version, HttpResponseStatus status, Object document) {
    return body(version, status, JSON, toJson(document));
  }

  /**
   * {@code 200 OK} with metrics in the Prometheus text exposition format 0.0.4.
   *
   * @param version the response version
   * @param exposition the scraped text
   */
  static FullHttpResponse prometheus(HttpVersion version, String exposition) {
    return body(version, HttpResponseStatus.OK, PROMETHEUS,
        exposition.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * {@code 200 OK} with {@code {"status":"UP"}}.
   *
   * @param version the response version
   */
  static FullHttpResponse health(HttpVersion version) {
    return body(version, HttpResponseStatus.OK, JSON, HEALTH_BODY);
  }

  /**
   * {@code 405 Method Not Allowed} with the {@code Allow} header it requires (RFC 9110
   * §15.5.6).
   *
   * @param version the response version
   * @param allow the methods the resource supports, comma-separated
   */
  static FullHttpResponse methodNotAllowed(HttpVersion version, String allow) {
    FullHttpResponse r = error(version, HttpResponseStatus.METHOD_NOT_ALLOWED, null);
    r.headers().set(HttpHeaderNames.ALLOW, allow);
    return r;
  }

  /**
   * {@code 401 Unauthorized} with the {@code Bearer} challenge (RFC 9110 §11.6.1, RFC 6750 §3):
   * {@code error="invalid_token"} when a token was presented and is wrong.
   *
   * @param version the response version
   * @param presented whether the request carried a bearer token
   */
  static FullHttpResponse unauthorized(HttpVersion version, boolean presented) {
    FullHttpResponse r = error(version, HttpResponseStatus.UNAUTHORIZED,
        presented ? "invalid bearer token" : "bearer token required");
    r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, presented
        ? "Bearer realm=\"sidecache\", error=\"invalid_token\"" : "Bearer realm=\"sidecache\"");
    return r;
  }

  /**
   * An error status with a small JSON body: {@code {"status":404,"error":"Not Found"}}, with
   * {@code "message"} when a detail is given.
   *
   * @param version the response version
   * @param status the status
   * @param message a short explanation, or {@code null}
   */
  static FullHttpResponse error(HttpVersion version, HttpResponseStatus status, String message) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("status", status.code());
    doc.put("error", status.reasonPhrase());
    if (message != null) {
      doc.put("message", message);
    }
    return body(version, status, JSON, toJson(doc));
  }

  private static byte[] toJson(Object document) {
    try {
      return MAPPER.writeValueAsBytes(document);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a JSON document: " + e.getMessage(), e);
    }
  }

  private static FullHttpResponse body(
      HttpVersion version, HttpResponseStatus status, AsciiString contentType, byte[] bytes) {
    ByteBuf content = bytes.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes);
    FullHttpResponse r = new DefaultFullHttpResponse(version, status, content);
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    return r;
  }
}
