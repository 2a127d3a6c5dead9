package io.sidecache.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sidecache.store.CacheStore;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One client connection to the real pipeline ({@link HttpServerInitializer}) in an {@link
 * EmbeddedChannel}: sends raw request bytes, whole or in fragments, and parses the raw response
 * bytes the server wrote. Checks on {@link #close()} that every inbound buffer was released and
 * that nothing is left unread.
 */
final class TestConnection implements AutoCloseable {
  final EmbeddedChannel channel;
  private final List<ByteBuf> sent = new ArrayList<>();
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();
  private int readPos;

  TestConnection(CacheStore store, int maxContentLength) {
    this(HttpServerContext.builder(store).maxBodyBytes(maxContentLength).build());
  }

  TestConnection(HttpServerContext context) {
    channel = new EmbeddedChannel(new HttpServerInitializer(context));
  }

  /** An HTTP/1.1 request head with {@code Host} and the given header lines, ending the head. */
  static String request(String method, String path, String... headers) {
    StringBuilder sb = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n");
    sb.append("Host: x\r\n");
    for (String h : headers) {
      sb.append(h).append("\r\n");
    }
    return sb.append("\r\n").toString();
  }

  /** Sends the ISO-8859-1 bytes of {@code raw} in one buffer. */
  void send(String raw) {
    send(raw.getBytes(ISO_8859_1));
  }

  /** Sends {@code raw} in one buffer. */
  void send(byte[] raw) {
    sendFragments(raw, raw.length);
  }

  /** Sends the ISO-8859-1 bytes of {@code raw} in buffers of at most {@code size} bytes. */
  void sendFragments(String raw, int size) {
    sendFragments(raw.getBytes(ISO_8859_1), size);
  }

  /**
   * Sends {@code raw} in buffers of at most {@code size} bytes, one read batch each; stops when
   * the server has closed the connection, as a socket would.
   */
  void sendFragments(byte[] raw, int size) {
    for (int i = 0; i < raw.length && channel.isOpen(); i += size) {
      ByteBuf buf = Unpooled.copiedBuffer(raw, i, Math.min(size, raw.length - i));
      sent.add(buf);
      channel.writeInbound(buf);
    }
  }

  /** Parses the next response to a request other than {@code HEAD}. */
  Response next() {
    return next(false);
  }

  /** Parses the next response to a {@code HEAD} request: no body whatever the headers say. */
  Response nextHead() {
    return next(true);
  }

  private Response next(boolean head) {
    drainOutbound();
    byte[] bytes = received.toByteArray();
    int end = indexOf(bytes, readPos, "\r\n\r\n".getBytes(ISO_8859_1));
    if (end < 0) {
      fail("no complete response; unread: " + new String(bytes, readPos, bytes.length - readPos,
          ISO_8859_1));
    }
    String[] lines = new String(bytes, readPos, end - readPos, ISO_8859_1).split("\r\n");
    String[] statusLine = lines[0].split(" ", 3);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers
          .computeIfAbsent(lines[i].substring(0, colon).toLowerCase(Locale.ROOT),
              k -> new ArrayList<>())
          .add(lines[i].substring(colon + 1).strip());
    }
    int status = Integer.parseInt(statusLine[1]);
    assertNull(headers.get("transfer-encoding"), "responses are never chunked");
    List<String> length = headers.get("content-length");
    int bodyLength =
        head || status == 204 || status == 304 || length == null
            ? 0
            : Integer.parseInt(length.get(0));
    int bodyStart = end + 4;
    if (bytes.length - bodyStart < bodyLength) {
      fail("incomplete body: " + (bytes.length - bodyStart) + " of " + bodyLength + " bytes");
    }
    byte[] body = new byte[bodyLength];
    System.arraycopy(bytes, bodyStart, body, 0, bodyLength);
    readPos = bodyStart + bodyLength;
    return new Response(statusLine[0], status, headers, body);
  }

  /** Asserts that the server wrote nothing beyond the responses already read. */
  void assertNoMoreResponses() {
    drainOutbound();
    assertEquals(readPos, received.size(), "unexpected bytes after the last response");
  }

  private void drainOutbound() {
    channel.runPendingTasks();
    Object msg;
    while ((msg = channel.readOutbound()) != null) {
      ByteBuf buf = (ByteBuf) msg;
      try {
        byte[] b = new byte[buf.readableBytes()];
        buf.readBytes(b);
        received.write(b, 0, b.length);
      } finally {
        buf.release();
      }
    }
  }

  private static int indexOf(byte[] haystack, int from, byte[] needle) {
    outer:
    for (int i = from; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** Asserts everything was read and released, and finishes the channel. */
  @Override
  public void close() {
    assertNoMoreResponses();
    assertFalse(channel.finish(), "messages left in the channel");
    for (ByteBuf buf : sent) {
      assertEquals(0, buf.refCnt(), "inbound buffer not released");
    }
  }

  /** A parsed response; header names lower-cased. */
  record Response(String version, int status, Map<String, List<String>> headers, byte[] body) {
    /** Returns the only value of a header, or {@code null}; fails if it occurs twice. */
    String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      if (values == null) {
        return null;
      }
      assertEquals(1, values.size(), "header " + name + " repeated: " + values);
      return values.get(0);
    }

    String bodyText() {
      return new String(body, ISO_8859_1);
    }

    Response assertStatus(int expected) {
      assertEquals(expected, status, () -> "status of " + this);
      return this;
    }

    Response assertHeader(String name, String expected) {
      assertEquals(expected, header(name), () -> "header " + name + " of " + this);
      return this;
    }

    @Override
    public String toString() {
      return version + ' ' + status + ' ' + headers + " body=" + bodyText();
    }
  }
}
