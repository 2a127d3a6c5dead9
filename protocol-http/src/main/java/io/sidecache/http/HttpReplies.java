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
import io.sidecache.store.ValueSlice;
import java.nio.charset.StandardCharsets;

/**
 * Builds every response this endpoint sends: status, headers and body in one place.
 *
 * <p>Each method returns a new {@link FullHttpResponse} whose content the caller writes (and so
 * releases) exactly once. Value bodies wrap the store's array without copying; the array is
 * never modified. {@code Connection} is left to the caller. Stateless and thread-safe.
 */
final class HttpReplies {
  static final AsciiString OCTET_STREAM = HttpHeaderValues.APPLICATION_OCTET_STREAM;
  static final AsciiString JSON = HttpHeaderValues.APPLICATION_JSON;
  static final AsciiString TEXT = AsciiString.cached("text/plain; charset=UTF-8");

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
   * {@code 206 Partial Content} with one range and {@code Content-Range: bytes
   * first-last/total} (RFC 9110 §15.3.7, §14.4).
   *
   * @param version the response version
   * @param slice a non-empty slice of the value
   */
  static FullHttpResponse partial(HttpVersion version, ValueSlice slice) {
    FullHttpResponse r =
        body(version, HttpResponseStatus.PARTIAL_CONTENT, OCTET_STREAM, slice.bytes());
    long last = slice.offset() + slice.bytes().length - 1;
    HttpHeaders h = r.headers();
    h.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
    h.set(
        HttpHeaderNames.CONTENT_RANGE,
        "bytes " + slice.offset() + '-' + last + '/' + slice.totalLength());
    return r;
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
      h.set(HttpHeaderNames.CONTENT_RANGE,
          "bytes " + offset + '-' + (offset + length - 1) + '/' + total);
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
    FullHttpResponse r = text(version, HttpResponseStatus.METHOD_NOT_ALLOWED, null);
    r.headers().set(HttpHeaderNames.ALLOW, allow);
    return r;
  }

  /**
   * An error status with a one-line text body: the reason phrase, then {@code ": " + detail}
   * when a detail is given.
   *
   * @param version the response version
   * @param status the status
   * @param detail a short explanation, or {@code null}
   */
  static FullHttpResponse text(HttpVersion version, HttpResponseStatus status, String detail) {
    String line = detail == null ? status.reasonPhrase() : status.reasonPhrase() + ": " + detail;
    return body(version, status, TEXT, (line + '\n').getBytes(StandardCharsets.UTF_8));
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
