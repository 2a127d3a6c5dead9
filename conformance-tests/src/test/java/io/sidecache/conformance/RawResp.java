package io.sidecache.conformance;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A raw RESP client for exact bytes: sends commands (multibulk or inline) and returns each reply
 * as its exact wire text, read reply by reply.
 */
final class RawResp implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  /** A byte {@link #replyWithin} read ahead, or -1. */
  private int pushedBack = -1;

  RawResp(InetSocketAddress address) throws IOException {
    socket = new Socket();
    socket.connect(address, 5000);
    socket.setSoTimeout(5000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  /** Encodes a command as a RESP array of bulk strings. */
  static byte[] command(String... args) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    for (String a : args) {
      byte[] bytes = a.getBytes(StandardCharsets.ISO_8859_1);
      b.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      b.writeBytes(bytes);
      b.writeBytes(new byte[] {'\r', '\n'});
    }
    return b.toByteArray();
  }

  /** Sends one command and returns its reply's exact bytes. */
  String call(String... args) throws IOException {
    send(command(args));
    return reply();
  }

  /** Sends raw bytes. */
  void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Sends raw text, one byte per char. */
  void send(String text) throws IOException {
    send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Reads one whole reply (nested aggregates included, RESP2 or RESP3) and returns its bytes. */
  String reply() throws IOException {
    StringBuilder sb = new StringBuilder();
    readReply(sb);
    return sb.toString();
  }

  private void readReply(StringBuilder sb) throws IOException {
    String line = readLine();
    sb.append(line).append("\r\n");
    char type = line.charAt(0);
    if (type == '$' || type == '=' || type == '!') { // bulk, RESP3 verbatim and blob error
      int n = Integer.parseInt(line.substring(1));
      if (n >= 0) {
        byte[] data = in.readNBytes(n + 2);
        sb.append(new String(data, StandardCharsets.ISO_8859_1));
      }
    } else if (type == '*' || type == '~' || type == '>' || type == '%' || type == '|') {
      // arrays, RESP3 sets and pushes; maps and attributes hold twice as many elements
      int n = Integer.parseInt(line.substring(1));
      for (int i = 0; i < (type == '%' || type == '|' ? 2 * n : n); i++) {
        readReply(sb);
      }
    }
  }

  private String readLine() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (;;) {
      int c = pushedBack >= 0 ? pushedBack : in.read();
      pushedBack = -1;
      if (c < 0) {
        throw new EOFException("connection closed after '" + sb + "'");
      }
      if (c == '\r') {
        int lf = in.read();
        if (lf != '\n') {
          throw new IOException("expected LF after CR, got " + lf);
        }
        return sb.toString();
      }
      sb.append((char) c);
    }
  }

  /**
   * Reads one whole reply if its first byte arrives within {@code millis}, else returns {@code
   * null}: for messages that may or may not come (RESP3 pushes).
   */
  String replyWithin(int millis) throws IOException {
    int before = socket.getSoTimeout();
    socket.setSoTimeout(millis);
    int first;
    try {
      first = in.read();
    } catch (java.net.SocketTimeoutException e) {
      return null;
    } finally {
      socket.setSoTimeout(before);
    }
    if (first < 0) {
      throw new EOFException("connection closed");
    }
    pushedBack = first;
    return reply();
  }

  /** Returns whether the server closed the connection (EOF within the socket timeout). */
  boolean closedByServer() throws IOException {
    try {
      return in.read() < 0;
    } catch (java.net.SocketException e) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
