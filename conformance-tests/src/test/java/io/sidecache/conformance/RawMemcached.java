package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/**
 * A raw memcached connection for exact bytes, text or binary: sends requests as given and reads
 * replies byte for byte, with a 5 second timeout. Not thread-safe.
 */
final class RawMemcached implements Closeable {
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  RawMemcached(InetSocketAddress address) throws IOException {
    socket = new Socket();
    socket.connect(address, 5000);
    socket.setSoTimeout(5000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  /** Sends text, one byte per char. */
  void send(String request) throws IOException {
    send(request.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Sends raw bytes. */
  void send(byte[] request) throws IOException {
    out.write(request);
    out.flush();
  }

  /** Sends {@code request} and asserts the reply is exactly {@code expected}. */
  void exchange(String request, String expected) throws IOException {
    send(request);
    byte[] reply = in.readNBytes(expected.length());
    assertEquals(expected, new String(reply, StandardCharsets.ISO_8859_1), "reply to " + request);
  }

  /** Reads exactly {@code b.length} bytes into {@code b}. */
  void readFully(byte[] b) throws IOException {
    in.readFully(b);
  }

  /** Reads one reply line, without its CRLF. */
  String line() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int prev = -1;
    for (; ; ) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after " + buf);
      }
      if (prev == '\r' && b == '\n') {
        byte[] bytes = buf.toByteArray();
        return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
      }
      buf.write(b);
      prev = b;
    }
  }

  /** Reads until the text read ends with {@code end}, or the connection closes. */
  String readUntil(String end) throws IOException {
    StringBuilder sb = new StringBuilder();
    while (!sb.toString().endsWith(end)) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      sb.append((char) b);
    }
    return sb.toString();
  }

  /** Asserts the server closed the connection (end of stream or a reset). */
  void assertClosed() throws IOException {
    try {
      assertEquals(-1, in.read(), "connection closed");
    } catch (SocketException reset) {
      // closed with a reset: also closed
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
